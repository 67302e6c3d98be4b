#!/usr/bin/python3
"""Golden fixtures for the parts of USER-LLM that had no outside reference: the user encoder
with its feature embeddings and next-event heads, the Perceiver, the projection, the soft
prompt with padding, and LoRA — from the PyTorch mirror in python/userllm_torch.

  /usr/bin/python3 Tools/reference/golden_userllm.py   # → Tests/Fixtures/golden/*.safetensors

As golden.py: weights from a fixed seed stored as float32, the reference run in float64 on
exactly those values, so the fixture holds the exact answer and Swift's comparison measures
only its own float32 error. Fixtures (names = the Swift parameter paths):

  userllm_soft_lora      soft prompt, no Perceiver (so the prefix is padded: windows of
                         different lengths), strategy lora (adapters on wq/wv, LLM frozen)
  userllm_xattn_perceiver xattn + Perceiver (2 layers), strategy full
  encoder_heads          the encoder and its heads under the next-event pretraining loss

Each stores param.<name> (all parameters), input.* (integers as floats, exact), logits
(the UserLLM fixtures), loss, grad.<name> (trainable parameters), step3.<name> and losses
(3) after 3 AdamW steps, and metadata: the model config JSON (Swift's keys), AdamW, strategy.
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
from userllm_torch.model import UserEncoder, EncoderHeads, UserLLMModel, next_event_loss  # noqa: E402
from userllm_torch.optim import adamw  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "golden")
ADAMW = dict(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
VOCAB = dict(item=23, category=7, rating=7)  # feature vocabularies, PAD and UNK included
ENCODER = dict(dModel=16, layers=2, heads=2, mlpHidden=32, maxEvents=8, itemDim=12, categoryDim=6, ratingDim=4,
               dropout=0.1, bias=False, normEps=1e-5, initStd=0.02)
LLM = dict(vocabSize=40, dModel=24, layers=2, heads=2, mlpHidden=48, contextLength=64, ropeBase=10000.0,
           normEps=1e-5, crossAttention=False, initStd=0.02)
B, M, C = 3, 6, 3
LENGTHS = [6, 2, 4]  # windows of different lengths: the soft prefix and the encoder keys are padded


def randomize(model, g):
    """Weights well away from init, so every path carries signal: matrices 0.3·N(0,1), norm
    weights near 1, biases small, gates open (both signs), LoRA B non-zero."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gate"):
                p.copy_(torch.tensor([0.6 if ".0." in name else -0.5]))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    model.double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.float().double())


def events(g, lengths, with_targets=False):
    """Feature ids (B, M) / (B, M, C): distinct categories then PAD, padding past each length."""
    def one():
        item = torch.randint(2, VOCAB["item"], (B, M), generator=g)
        rating = torch.randint(2, VOCAB["rating"], (B, M), generator=g)
        category = torch.zeros(B, M, C, dtype=torch.long)
        for b in range(B):
            for t in range(M):
                k = int(torch.randint(0, C + 1, (1,), generator=g))  # 0..C categories (0: none)
                category[b, t, :k] = torch.randperm(VOCAB["category"] - 2, generator=g)[:k] + 2
        for b, n in enumerate(lengths):
            item[b, n:] = 0
            rating[b, n:] = 0
            category[b, n:] = 0
        rating[1, 0] = 0  # an event without a rating
        return dict(item=item, category=category, rating=rating, lengths=torch.tensor(lengths))
    inputs = one()
    return (inputs, one()) if with_targets else inputs


def store_events(out, prefix, ev):
    out[prefix + "item"] = ev["item"].float()
    out[prefix + "category"] = ev["category"].float()
    out[prefix + "rating"] = ev["rating"].float()
    if "lengths" in ev:
        out[prefix + "lengths"] = ev["lengths"].float()


def token_batch(g):
    """Sequences of different lengths (prompt + answer) as TokenBatch pads them: inputs
    seq[:-1], targets seq[1:] where the loss mask is on, -100 elsewhere; pad id 3."""
    seq_lengths, prompt_lengths = [9, 6, 8], [5, 3, 6]
    s = max(seq_lengths)
    seqs = torch.full((B, s), 3, dtype=torch.long)
    for b, n in enumerate(seq_lengths):
        seqs[b, :n] = torch.randint(4, LLM["vocabSize"], (n,), generator=g)
    t = s - 1
    inputs = torch.full((B, t), 3, dtype=torch.long)
    targets = torch.full((B, t), -100, dtype=torch.long)
    for b, n in enumerate(seq_lengths):
        inputs[b, :n - 1] = seqs[b, :n - 1]
        for i in range(n - 1):
            if i + 1 >= prompt_lengths[b]:
                targets[b, i] = seqs[b, i + 1]
    return seqs, torch.tensor(seq_lengths), torch.tensor(prompt_lengths), inputs, targets


def run_steps(model, loss_fn):
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    opt = adamw(trainable, lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"], weight_decay=ADAMW["weight_decay"])
    losses = []
    for _ in range(3):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        losses.append(float(loss))
        loss.backward()
        opt.step()
    return losses


def userllm_fixture(name, mode, perceiver, strategy, seed):
    g = torch.Generator().manual_seed(seed)
    cfg = dict(mode=mode, perceiver=perceiver, llm=dict(LLM, crossAttention=mode == "xattn"), encoder=ENCODER,
               perceiverLatents=4, perceiverLayers=2, perceiverHeads=2)
    model = UserLLMModel(cfg, VOCAB["item"], VOCAB["category"], VOCAB["rating"])
    model.apply_strategy(strategy, lora_rank=2, lora_alpha=4.0, seed=seed)
    randomize(model, g)
    model.eval()
    params0 = {n: p.detach().float().clone() for n, p in model.named_parameters()}
    ev = events(g, LENGTHS)
    seqs, seq_lengths, prompt_lengths, tokens, targets = token_batch(g)

    def loss_fn():
        total, count = model.loss_terms(tokens, targets, ev)
        return total / count

    logits = model(tokens, ev)
    loss = loss_fn()
    loss.backward()
    grads = {n: p.grad.detach().float().clone() for n, p in model.named_parameters() if p.requires_grad}
    model.zero_grad(set_to_none=True)
    losses = run_steps(model, loss_fn)
    out = {"param." + n: p for n, p in params0.items()}
    store_events(out, "input.events.", ev)
    out["input.sequences"] = seqs.float()
    out["input.sequence_lengths"] = seq_lengths.float()
    out["input.prompt_lengths"] = prompt_lengths.float()
    out["logits"] = logits.detach().float()
    out["loss"] = loss.detach().float()
    out.update({"grad." + n: gr for n, gr in grads.items()})
    out.update({"step3." + n: p.detach().float().clone() for n, p in model.named_parameters()})
    out["losses"] = torch.tensor(losses, dtype=torch.float32)
    meta = dict(config=json.dumps(cfg), strategy=strategy, lora=json.dumps(dict(rank=2, alpha=4.0)),
                vocab=json.dumps(VOCAB), pad="3")
    save(name, out, meta, losses)


def encoder_fixture(seed):
    g = torch.Generator().manual_seed(seed)
    enc = UserEncoder(ENCODER, VOCAB["item"], VOCAB["category"], VOCAB["rating"])
    heads = EncoderHeads(ENCODER, VOCAB["item"], VOCAB["category"], VOCAB["rating"])
    model = torch.nn.ModuleDict(dict(encoder=enc, heads=heads))
    randomize(model, g)
    model.eval()
    params0 = {n: p.detach().float().clone() for n, p in model.named_parameters()}
    inputs, targets = events(g, LENGTHS, with_targets=True)
    targets["item"][0, 5] = 0  # a window at its timeline's end: PAD as its last target

    def loss_fn():
        return next_event_loss(heads(enc(inputs)), targets)[0]

    loss = loss_fn()
    loss.backward()
    grads = {n: p.grad.detach().float().clone() for n, p in model.named_parameters()}
    if min_gradient_ratio(grads) < 1e-5:
        return False
    model.zero_grad(set_to_none=True)
    losses = run_steps(model, loss_fn)
    out = {"param." + n: p for n, p in params0.items()}
    store_events(out, "input.events.", inputs)
    store_events(out, "input.targets.", {k: v for k, v in targets.items() if k != "lengths"})
    out["loss"] = loss.detach().float()
    out.update({"grad." + n: gr for n, gr in grads.items()})
    out.update({"step3." + n: p.detach().float().clone() for n, p in model.named_parameters()})
    out["losses"] = torch.tensor(losses, dtype=torch.float32)
    save("encoder_heads", out, dict(config=json.dumps(ENCODER), vocab=json.dumps(VOCAB), seed=str(seed)), losses)
    return True


def min_gradient_ratio(grads):
    """The smallest non-zero |gradient element| / its tensor's largest. AdamW normalises each
    element, so one whose exact gradient is ~1e-7 of its tensor's largest turns float32
    rounding into a full-size step, and the 3-step comparison measures that, not the
    engine; fixtures are drawn until no element is that close to zero."""
    worst = 1.0
    for g in grads.values():
        a = g.abs()
        nz = a[a > 0]
        if len(nz):
            worst = min(worst, float(nz.min() / a.max()))
    return worst


def save(name, out, meta, losses):
    meta = dict(meta, adamw=json.dumps(dict(ADAMW, decay="rank>=2")), torch=torch.__version__,
                generator="golden_userllm.py")
    out = {k: v.contiguous() for k, v in out.items()}
    path = os.path.join(OUT, name + ".safetensors")
    save_file(out, path, metadata=meta)
    print("wrote %s: %d tensors, losses %s" % (os.path.normpath(path), len(out), ["%.5f" % l for l in losses]))


def main():
    torch.set_default_dtype(torch.float64)
    userllm_fixture("userllm_soft_lora", "soft", False, "lora", 11)
    userllm_fixture("userllm_xattn_perceiver", "xattn", True, "full", 12)
    seed = 13
    while not encoder_fixture(seed):
        seed += 1


if __name__ == "__main__":
    main()
