"""Prints rouge-score's F1 values for the cases in Tests/UserLLMTests/MetricsTests.swift.

Requires: pip install rouge-score==0.1.2   (any python3)
"""
from rouge_score import rouge_scorer

CASES = [
    ("the cat was on the mat\nthe cat was happy", "the cat sat on the mat\nit was happy"),
    ("great gift card\nfast delivery and easy to use", "easy to use gift card\ndelivery was fast"),
    ("", "nothing predicted"),
]
scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
for prediction, reference in CASES:
    s = scorer.score(reference, prediction)  # rouge-score takes (target, prediction)
    print([s[k].fmeasure for k in ("rouge1", "rouge2", "rougeL", "rougeLsum")])
