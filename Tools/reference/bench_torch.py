#!/usr/bin/python3
"""Times a PyTorch training step of the `small` LLM with gated cross-attention, on the
same shapes and thread count as `userllm bench engine`, which runs this script and prints
the ratio. Needs Debian's python3-torch (/usr/bin/python3).

  /usr/bin/python3 Tools/reference/bench_torch.py --threads 1 --tokens 32,532

Prints one JSON object on stdout: per token count, the mean seconds of forward, backward,
AdamW step and the whole step over --steps timed steps (after --warmup untimed ones).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tokens", default="32,532")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--d", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--context-dim", type=int, default=256)
    args = p.parse_args()

    # Same cores as the Swift worker, and the thread count fixed before torch starts.
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, cpus[: args.threads])
    import torch
    torch.set_num_threads(args.threads)
    from llm_reference import LanguageModel, init_weights

    cfg = dict(d=args.d, layers=args.layers, heads=args.heads, hidden=args.hidden, vocab=args.vocab,
               eps=1e-5, rope_base=10000.0, xattn=True, context_dim=args.context_dim)
    torch.manual_seed(0)
    model = LanguageModel(cfg)
    init_weights(model, torch.Generator().manual_seed(0))
    with torch.no_grad():
        for blk in model.blocks:
            blk.xattn.gate.fill_(0.5)  # an open gate, so the cross-attention's backward runs in full
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)

    results = []
    for t in [int(s) for s in args.tokens.split(",")]:
        g = torch.Generator().manual_seed(t)
        tokens = torch.randint(0, args.vocab, (args.batch, t), generator=g)
        targets = torch.randint(0, args.vocab, (args.batch, t), generator=g)
        u = torch.randn(args.batch, args.users, args.context_dim, generator=g)
        times = {"forward": 0.0, "backward": 0.0, "optimizer": 0.0}
        for step in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            logits = model(tokens, u)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, args.vocab), targets.view(-1))
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            t3 = time.perf_counter()
            if step >= args.warmup:
                times["forward"] += t1 - t0
                times["backward"] += t2 - t1
                times["optimizer"] += t3 - t2
        per = {k: v / args.steps for k, v in times.items()}
        per["step"] = sum(per.values())
        results.append({"tokens": t, **per, "loss": float(loss)})
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "batch": args.batch,
                      "users": args.users, "results": results}))


if __name__ == "__main__":
    main()
