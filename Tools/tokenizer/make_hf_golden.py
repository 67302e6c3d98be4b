#!/usr/bin/env python3
"""Golden fixtures for the Swift BPETokenizer: Hugging Face `tokenizers` trains a
byte-level BPE on text written for this script (no dataset excerpts), saves its
tokenizer.json, and records the ids it gives for a set of test strings.

    pip install tokenizers==0.23.3
    python3 Tools/tokenizer/make_hf_golden.py Tests/Fixtures/tokenizer

Writes two tokenizers so both `merges` encodings and both prefix-space settings are
covered:
  hf-pairs/tokenizer.json    merges as [a, b] pairs (what tokenizers >= 0.20 writes),
                             add_prefix_space = false (GPT-2)
  hf-strings/tokenizer.json  merges rewritten as "a b" strings (older files, GPT-2 and
                             RoBERTa on the Hub), add_prefix_space = true, plus an
                             lstrip special token <mask> and a non-special added token
and golden.json: {"strings": [...], "hf-pairs": [[ids]...], "hf-strings": [[ids]...]}.
"""
import json
import os
import sys

import tokenizers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

# Written for this fixture; mixes the shapes the encoder must get right: contractions,
# digits, punctuation runs, whitespace runs, tabs/newlines, accents, CJK, emoji.
TRAINING_TEXT = """
The little cinema on the corner shows old films every Tuesday night.
I'd rather watch a comedy than a thriller, but she's always picking the scary ones.
We've seen 12 movies this month, and it's only the 14th!
They'll argue about the ending for hours; I'm sure of it.
A drama about three sisters who run a bakery in 1952 won the audience prize.
Animation, Children's, Comedy: the shelf labels at the rental shop were hand-written.
"Two tickets, please," he said, counting coins: 3.50 + 2.25 = 5.75.
The director's cut runs 142 minutes -- twenty more than the theatrical release.
Crème brûlée was on the menu at the café next to the théâtre.
Über-long credits rolled while the projector hummed… nobody left.
東京の映画館で新しい映画を見ました。
Спасибо за фильм, было очень интересно.
Rated 5 stars ⭐⭐⭐⭐⭐ — would watch again 🍿🎬!
Family night 👨‍👩‍👧‍👦 with popcorn and a documentary about whales 🐋.
    Indented line with four spaces, then a tab\tand more text.
Line one\nLine two\n\nLine four after a blank line.
Prices: $10, €12, £9; percentages: 50%, 75.5%; time 10:30pm.
email-like text: someone (at) example dot org, path/like/this, snake_case_name.
""".strip().split("\n")

# More varied lines so merges beyond the first few hundred are exercised.
WORDS = ("movie film story night review actor actress scene music score plot twist "
         "sequel prequel classic western noir musical romance horror mystery war "
         "documentary animation fantasy adventure crime family").split()
for i, w in enumerate(WORDS):
    TRAINING_TEXT.append(f"The {w} I watched on day {i + 1} was {'great' if i % 3 else 'slow'}; I'd give it {i % 5 + 1}/5.")
    TRAINING_TEXT.append(f"{w.capitalize()}s aren't what they used to be, they're louder ({1990 + i}).")

TEST_STRINGS = [
    "Toy Story (1995) is an Animation, Children's, Comedy movie.",
    "I'd've thought they'll say it's 'fine' -- we're OK, you'll see.",
    "'S 'T 'RE uppercase contractions are not special in GPT-2",
    "Numbers 1234567890 and 3.14159, 1e-9, 0x1F",
    "   leading spaces and trailing spaces   ",
    "tabs\tand\nnewlines\r\nand  double  spaces",
    "multiple\n\n\nnewlines  \n  mixed",
    "Crème brûlée, naïve café, Ångström",
    "e\u0301 combining accent and ﬁ ligature",
    "東京の映画館 and Спасибо",
    "emoji 🍿🎬 family 👨‍👩‍👧‍👦 flag 🇫🇷 skin 👍🏽",
    "nbsp\u00a0here, ideographic\u3000space, thin\u2009space, en\u2002space",
    "control \u001c\u001d separators and \u0085 next-line",
    "words never seen: zyzzyva quixotic flibbertigibbet",
    "<|bos|>A movie<|eos|> and <|endoftext|> inline",
    "<|bos|><|bos|>double special",
    "almost special <|bos| and <bos|>",
    "",
    " ",
    "a",
    "!!!???...,,,;;;",
    "snake_case_name and kebab-case-name and CamelCaseName",
    "$10 €12 £9 50% 10:30pm",
    "中文字符测试，标点。",
    "\t\t\tindented",
    "end with newline\n",
    "odd spaces a\u180e\u180eb a\u200b\u200bb a\ufeffb a\u1680\u1680b a\u2028b \u000b\u000c",
    "categories x\u00b2y a\u2167b \u01c5x \u02b0a \u0661\u0662\u0663 '\u0053 's'll",
    "lone surrogate-free astral \U0001d400\U0001d7ce \U00020000",
    # Words over 64 symbols take the encoder's heap path.
    "the" * 40 + " " + "ab" * 70 + " " + "1995" * 30,
    "🍿🎬⭐" * 12 + " " + "!?." * 40 + " " + "a" * 129,
    "Spasibo" + "Спасибо" * 15 + " " + "movienight" * 9,
    # Added tokens of hf-strings only (plain text for hf-pairs): RoBERTa-style <mask>
    # swallowing the spaces on its left, and a non-special added token.
    "Fill the <mask> here, then   <mask>  again",
    "<mask>start and end<mask>",
    "we had movie night twice: movie nightmovie night!",
]


def train(add_prefix_space):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700,
        min_frequency=1,
        special_tokens=["<|endoftext|>", "<|bos|>", "<|eos|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TRAINING_TEXT, trainer)
    if add_prefix_space:
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, special=True, normalized=False)])
        tok.add_tokens([AddedToken("movie night", special=False, normalized=False)])
    return tok


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/tokenizer"
    golden = {"tokenizers_version": tokenizers.__version__, "strings": TEST_STRINGS}
    for name, prefix in (("hf-pairs", False), ("hf-strings", True)):
        tok = train(prefix)
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "tokenizer.json")
        tok.save(path)
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        merges = data["model"]["merges"]
        if name == "hf-strings":
            data["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in merges]
        else:
            data["model"]["merges"] = [m.split(" ") if isinstance(m, str) else m for m in merges]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
        # Reload what was written, so the ids come from the file the Swift test reads.
        tok = Tokenizer.from_file(path)
        golden[name] = [tok.encode(s).ids for s in TEST_STRINGS]
        golden[name + "-decoded"] = [tok.decode(ids, skip_special_tokens=False) for ids in golden[name]]
    # One line per string / id list, so a diff shows which string changed.
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        f.write("{\n")
        for n, (key, value) in enumerate(golden.items()):
            if isinstance(value, list):
                items = ",\n  ".join(json.dumps(v, ensure_ascii=False) for v in value)
                f.write(f' "{key}": [\n  {items}\n ]')
            else:
                f.write(f' "{key}": {json.dumps(value)}')
            f.write(",\n" if n + 1 < len(golden) else "\n")
        f.write("}\n")


if __name__ == "__main__":
    main()
