"""The decoder mirror now lives in python/userllm_torch (the PyTorch package that mirrors the
whole USER-LLM model and trains it with torchrun). This module keeps the small dict config
golden.py and bench_torch.py were written against:

  vocab, d, layers, heads, hidden, eps, rope_base, xattn, context_dim (= d)

Parameter names are the Swift model's dotted paths, as before.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from userllm_torch import model as _model  # noqa: E402


def _swift_config(cfg):
    if cfg.get("context_dim", cfg["d"]) != cfg["d"]:
        raise ValueError("the decoder's cross-attention context is d wide (the projection makes it so)")
    return dict(vocabSize=cfg["vocab"], dModel=cfg["d"], layers=cfg["layers"], heads=cfg["heads"],
                mlpHidden=cfg["hidden"], contextLength=cfg.get("context", 1024), ropeBase=cfg["rope_base"],
                normEps=cfg["eps"], crossAttention=cfg["xattn"])


class LanguageModel(_model.LanguageModel):
    def __init__(self, cfg):
        super().__init__(_swift_config(cfg))

    def forward(self, tokens, u=None, u_lengths=None):
        return self.logits(self.hidden_states(tokens, user=u, user_lengths=u_lengths))


def init_weights(model, generator, std=0.02):
    """Every matrix Normal(0, std²), norms 1, gates 0 (the benchmark's init)."""
    with __import__("torch").no_grad():
        for _, p in model.named_parameters():
            if p.dim() == 2:
                p.copy_(__import__("torch").randn(p.shape, generator=generator) * std)
