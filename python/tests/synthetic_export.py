"""A small export in the format `userllm data export-tensors` writes, made up in Python so the
trainer's distributed tests need neither the Swift build nor a dataset: random timelines,
random prompt + answer token ids, and pretrained checkpoints that are a seeded random init."""
import json
import os

import torch
from safetensors.torch import save_file

from userllm_torch.model import LanguageModel, UserEncoder, init_weights, model_config

PRESET = {
    "name": "test", "windowLength": 6, "tokenizerVocabSize": 64, "maxAnswerTokens": 8, "lmBlockLength": 16,
    "encoder": {"dModel": 16, "layers": 1, "heads": 2, "mlpHidden": 32, "maxEvents": 6, "itemDim": 8,
                "categoryDim": 4, "ratingDim": 4, "dropout": 0.1, "bias": False, "normEps": 1e-5, "initStd": 0.02},
    "llm": {"vocabSize": 64, "dModel": 32, "layers": 2, "heads": 2, "mlpHidden": 64, "contextLength": 64,
            "ropeBase": 10000.0, "normEps": 1e-5, "crossAttention": False, "initStd": 0.02},
    "perceiver": {"latents": 4, "layers": 1, "heads": 2},
    "lora": {"rank": 2, "alpha": 4.0},
    "stages": {k: {"steps": 6, "batchSize": 8, "learningRate": 0.003, "warmupSteps": 2, "weightDecay": 0.1,
                   "gradClip": 1.0, "evalEvery": 3, "evalBatches": 1, "patience": 0, "gateLearningRateScale": 100}
               for k in ("lm", "encoder", "finetune", "finetuneTP")},
    "seed": 0,
}
VOCAB = {"item": 30, "category": 6, "rating": 7}


def write(path, users=12, seed=0, mode="xattn", preset=None, answer_ids=None):
    """An export of `users` random timelines in `mode`'s prompts (the mode only labels them:
    token ids are random either way) for `preset` (default PRESET). `answer_ids`: answers
    drawn from ids 4..4+answer_ids-1 only, something a few steps can learn (default: any id)."""
    preset = preset or PRESET
    g = torch.Generator().manual_seed(seed)
    os.makedirs(os.path.join(path, "checkpoints"), exist_ok=True)
    lengths = torch.randint(4, 12, (users,), generator=g)
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64), lengths.cumsum(0)])
    e = int(offsets[-1])
    items = torch.randint(2, VOCAB["item"], (e,), generator=g).int()
    ratings = torch.randint(2, VOCAB["rating"], (e,), generator=g).int()
    cats = torch.zeros(VOCAB["item"], 2, dtype=torch.int32)
    for i in range(2, VOCAB["item"]):
        k = int(torch.randint(0, 3, (1,), generator=g))
        cats[i, :k] = torch.randperm(VOCAB["category"] - 2, generator=g)[:k].int() + 2
    save_file({"timeline_offsets": offsets, "event_item": items, "event_rating": ratings, "item_categories": cats},
              os.path.join(path, "events.safetensors"))
    parts = {}
    for part, targets in (("train", lambda n: range(1, n - 2)), ("validation", lambda n: [n - 2])):
        cols = {k: [] for k in ("user", "window_start", "target", "task", "prompt_length")}
        toks, offs = [], [0]
        for u in range(users):
            n = int(lengths[u])
            for t in targets(n):
                cols["user"].append(u)
                cols["window_start"].append(max(0, t - preset["windowLength"]))
                cols["target"].append(t)
                cols["task"].append(0)
                p = int(torch.randint(3, 7, (1,), generator=g))
                a = int(torch.randint(1, 4, (1,), generator=g))
                cols["prompt_length"].append(p)
                toks += torch.randint(4, preset["llm"]["vocabSize"], (p,), generator=g).tolist()
                toks += torch.randint(4, 4 + answer_ids if answer_ids else preset["llm"]["vocabSize"], (a,),
                                      generator=g).tolist()
                offs.append(len(toks))
        tensors = {k: torch.tensor(v, dtype=torch.int32) for k, v in cols.items()}
        tensors["token_offsets"] = torch.tensor(offs, dtype=torch.int64)
        tensors["tokens"] = torch.tensor(toks, dtype=torch.int32)
        save_file(tensors, os.path.join(path, "%s-00000.safetensors" % part))
        parts[part] = {"examples": len(cols["user"]), "tokens": len(toks),
                       "shards": [{"file": "%s-00000.safetensors" % part, "examples": len(cols["user"]), "tokens": len(toks)}]}
    manifest = {"format": "userllm-tensors", "version": 1, "mode": mode, "dataset": "synthetic", "tasks": ["next-item"],
                "windowLength": preset["windowLength"], "maxCategories": 2, "vocabularySizes": VOCAB, "padToken": 3,
                "users": users, "events": e, "batchOrderSeed": preset["seed"] + 17, "preset": preset, "parts": parts}
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump({"dataset": "synthetic", "preset": preset, "tasks": ["next-item"]}, f)
    cfg = model_config(preset, "xattn", False)
    if not preset.get("backbone"):  # a backbone run has no LM stage: its LLM is the GGUF file's
        lm = LanguageModel(dict(cfg["llm"], crossAttention=False))
        init_weights(lm, torch.Generator().manual_seed(1), layers=cfg["llm"]["layers"])
        save_file({k: v.contiguous() for k, v in lm.state_dict().items()}, os.path.join(path, "checkpoints", "lm.safetensors"))
    enc = UserEncoder(cfg["encoder"], VOCAB["item"], VOCAB["category"], VOCAB["rating"])
    init_weights(enc, torch.Generator().manual_seed(2), layers=1)
    save_file({"encoder." + k: v.contiguous() for k, v in enc.state_dict().items()},
              os.path.join(path, "checkpoints", "encoder.safetensors"))
    return manifest
