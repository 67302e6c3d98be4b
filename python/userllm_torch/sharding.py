"""One epoch's sharding of an export, without training: each process loads the training
shards, draws the epoch's BatchOrder permutation, takes its slice of every global batch and
builds its first and last batch; rank 0 reports time and every rank its memory. The scale
check of issue 14 (synthetic MovieLens-20M size):

  python3 -m userllm_torch.launch --standalone --nproc_per_node 2 -m userllm_torch.sharding \\
      --export DIR --batch-size 32
"""
import argparse
import json
import os
import resource
import time

import torch.distributed as dist

from .data import BatchOrder, Export


def memory():
    """peakRSSMB and, on Linux, the resident memory now split into anonymous (this
    process's own) and file-backed (the mapped shards: shared page cache, one copy for every
    process on the machine, reclaimable). Mapped shards count in RSS as their pages are
    touched — a whole large folio (up to 2 MB) per touch on recent kernels. The peak is
    VmHWM where there is one: getrusage's ru_maxrss can carry the peak of the process that
    forked this one (a test runner holding a model) across exec."""
    out = dict(peakRSSMB=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                name = {"VmHWM": "peakRSSMB", "RssAnon": "anonRSSMB", "RssFile": "fileRSSMB"}.get(key)
                if name:
                    out[name] = round(int(value.split()[0]) / 1024)
    except OSError:
        pass
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m userllm_torch.sharding")
    p.add_argument("--export", required=True)
    p.add_argument("--batch-size", type=int, default=32, help="global batch")
    a = p.parse_args(argv)
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    if "RANK" in os.environ:
        dist.init_process_group("gloo")
    t0 = time.time()
    export = Export(a.export)
    n = export.count("train")
    t_load = time.time() - t0
    order = BatchOrder(n, a.batch_size, int(export.manifest["batchOrderSeed"]))
    steps = n // a.batch_size
    t1 = time.time()
    perm = order._perm(0)
    t_perm = time.time() - t1
    t2 = time.time()
    seen = 0
    for s in range(steps):
        start = s * a.batch_size
        mine = perm[start + rank:start + a.batch_size:world]
        seen += len(mine)
    t_slice = time.time() - t2
    first = export.batch("train", list(perm[rank:a.batch_size:world]))
    last = export.batch("train", list(perm[(steps - 1) * a.batch_size + rank:steps * a.batch_size:world]))
    report = dict(rank=rank, world=world, examples=n, tokens=export.part("train").tokens, steps=steps,
                  examplesThisRank=seen, loadSeconds=round(t_load, 1), permutationSeconds=round(t_perm, 1),
                  sliceSeconds=round(t_slice, 1), firstBatchTokens=list(first[0].shape),
                  lastBatchTokens=list(last[0].shape), **memory())
    if world > 1:
        reports = [None] * world
        dist.all_gather_object(reports, report)
        total = sum(r["examplesThisRank"] for r in reports)
        if rank == 0:
            print(json.dumps(dict(ranks=reports, examplesOverRanks=total, epochExamples=steps * a.batch_size), indent=1))
        dist.destroy_process_group()
    else:
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
