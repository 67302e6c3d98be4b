#!/usr/bin/python3
"""Writes the golden fixture the Swift LanguageModel is checked against, the way llm.c
checks itself against PyTorch.

Needs Debian's /usr/bin/python3 with python3-torch (1.13) and the `safetensors` package
(/usr/bin/python3 -m pip install --break-system-packages safetensors).

  /usr/bin/python3 Tools/reference/golden.py     # → Tests/Fixtures/golden/llm_xattn.safetensors

A tiny Llama-style decoder with gated cross-attention (llm_reference.LanguageModel, the
mirror of Sources/UserLLM/Model/LanguageModel.swift) gets weights from a fixed seed,
stored as float32. The reference computation then runs in float64 on exactly those
float32 values, so the fixture holds the exact answer and the comparison measures only
the Swift engine's float32 error. Stored (all F32, names = the Swift parameter paths):

  param.<name>          initial parameters
  input.tokens (B, T), input.targets (B, T) (one ignored: -100), input.user (B, M, d),
  input.user_lengths (B)  — integers stored as floats (exact)
  logits (B, T, V), loss (), grad.<name> — forward and backward at the initial parameters
  step3.<name>          parameters after 3 AdamW steps on the same batch
  losses (3)            the loss before each of those steps
  __metadata__          the config and the AdamW hyperparameters
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llm_reference import LanguageModel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "golden", "llm_xattn.safetensors")

# Tiny on purpose: the fixture is committed. Every feature is exercised: 2 layers (the
# residual stream through a block), 2 heads, RoPE, causal masking, user padding, open gates.
CONFIG = dict(vocab=48, d=16, layers=2, heads=2, hidden=48, eps=1e-5, rope_base=10000.0,
              xattn=True, context_dim=16)
BATCH, TOKENS, USERS = 2, 7, 5
USER_LENGTHS = [5, 3]
# AdamWConfig's defaults except the learning rate, raised so 3 steps move the weights
# well beyond float32 noise.
ADAMW = dict(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
SEED = 1234


def main():
    g = torch.Generator().manual_seed(SEED)
    model = LanguageModel(CONFIG)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gate"):
                # Open gates of both signs: the cross-attention must reach the output.
                p.copy_(torch.tensor([0.7 if ".0." in name else -0.4]))
            elif p.dim() == 1:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))  # norm weights near 1
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    model = model.double()
    # The float32 values the fixture stores, as the exact inputs of the float64 run.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.float().double())
    params0 = {n: p.detach().float().clone() for n, p in model.named_parameters()}

    tokens = torch.randint(0, CONFIG["vocab"], (BATCH, TOKENS), generator=g)
    targets = torch.randint(0, CONFIG["vocab"], (BATCH, TOKENS), generator=g)
    targets[1, 2] = -100  # ignore_index: excluded from the mean
    user = torch.randn(BATCH, USERS, CONFIG["d"], generator=g).float().double()
    lengths = torch.tensor(USER_LENGTHS)

    def loss_of(m):
        logits = m(tokens, user, lengths)
        return logits, F.cross_entropy(logits.reshape(-1, CONFIG["vocab"]), targets.reshape(-1), ignore_index=-100)

    logits, loss = loss_of(model)
    loss.backward()
    grads = {n: p.grad.detach().float().clone() for n, p in model.named_parameters()}

    # nanoGPT grouping, as AdamW(parameters:) does by default: decay only rank ≥ 2.
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": ADAMW["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"])
    model.zero_grad(set_to_none=True)
    losses = []
    for _ in range(3):
        opt.zero_grad(set_to_none=True)
        _, l = loss_of(model)
        losses.append(float(l))
        l.backward()
        opt.step()

    out = {}
    for n, p in params0.items():
        out["param." + n] = p
    out["input.tokens"] = tokens.float()
    out["input.targets"] = targets.float()
    out["input.user"] = user.float()
    out["input.user_lengths"] = lengths.float()
    out["logits"] = logits.detach().float()
    out["loss"] = loss.detach().float()
    for n, gr in grads.items():
        out["grad." + n] = gr
    for n, p in model.named_parameters():
        out["step3." + n] = p.detach().float().clone()
    out["losses"] = torch.tensor(losses, dtype=torch.float32)
    meta = {"config": json.dumps(dict(CONFIG, batch=BATCH, tokens=TOKENS, users=USERS)),
            "adamw": json.dumps(dict(ADAMW, decay="rank>=2")),
            "torch": torch.__version__, "generator": "golden.py seed %d" % SEED}
    out = {k: v.contiguous() for k, v in out.items()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(out, OUT, metadata=meta)
    print("wrote %s: %d tensors, loss %.6f, losses %s" % (os.path.normpath(OUT), len(out), float(loss), losses))


if __name__ == "__main__":
    main()
