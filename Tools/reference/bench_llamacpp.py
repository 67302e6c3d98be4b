#!/usr/bin/env python3
"""llama.cpp (the PyPI wheel `xllamacpp`) on a GGUF file: prefill and decode tokens/s.

Called by `userllm bench llm`, which runs our engine on the same file, token ids and thread
count in the same run. The server runs in this process (no socket is opened: requests go
through xllamacpp's direct `handle_completions` call) and reports its own per-phase timings,
so Python's overhead is not counted. Prints one JSON object on stdout.

  bench_llamacpp.py --model FILE --threads 1 --prefill 32,128,512 --decode 64 --repeats 2
"""
import argparse
import json
import sys
import threading


def prompt_ids(n, vocab):
    # The same ids as the Swift side (BenchLLMCommand.promptIDs): bos, then a fixed
    # pseudo-random walk over ordinary (non-control) tokens.
    return [1] + [17 + (i * 7919 + 13) % (vocab - 17) for i in range(n - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prefill", default="32,128,512")
    ap.add_argument("--decode", type=int, default=64, help="tokens decoded per measurement")
    ap.add_argument("--beams", type=int, default=10, help="parallel sequences for the many-row decode (0: skip)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=49152)
    a = ap.parse_args()

    try:
        import xllamacpp as xl
    except ImportError as e:
        print(json.dumps({"error": f"xllamacpp is not installed: {e}"}))
        return 0

    def server(parallel):
        p = xl.CommonParams()
        p.model.path = a.model
        p.n_ctx = 1024 * max(1, parallel)
        p.n_parallel = max(1, parallel)
        p.n_batch = 512
        p.n_ubatch = 512
        p.cpuparams.n_threads = a.threads
        p.cpuparams_batch.n_threads = a.threads
        p.cache_prompt = False
        return xl.Server(p)

    def complete(s, prompt, n_predict):
        r = s.handle_completions({"prompt": prompt, "n_predict": n_predict, "temperature": 0,
                                  "ignore_eos": True, "cache_prompt": False})
        if isinstance(r, str):
            r = json.loads(r)
        if "timings" not in r:
            raise RuntimeError(f"llama.cpp answered without timings: {str(r)[:300]}")
        return r["timings"]

    out = {"llamacpp": xl.__version__, "system": xl.get_system_info().strip(), "threads": a.threads,
           "prefill": [], "decode": None, "decode_rows": None}
    s = server(1)
    complete(s, prompt_ids(8, a.vocab), 2)  # warm-up: first touches of the mapped weights
    for n in [int(t) for t in a.prefill.split(",") if t]:
        best = 0.0
        for _ in range(a.repeats):
            t = complete(s, prompt_ids(n, a.vocab), 1)
            best = max(best, t["prompt_n"] / (t["prompt_ms"] / 1000))
        out["prefill"].append({"tokens": n, "tokens_per_s": best})
    best = 0.0
    for _ in range(a.repeats):
        t = complete(s, prompt_ids(8, a.vocab), a.decode + 1)
        best = max(best, t["predicted_per_second"])
    out["decode"] = best
    del s

    if a.beams > 1:
        # `beams` sequences decoded together (one batch of `beams` rows per step), as a beam
        # search steps: concurrent requests on a server with that many slots.
        s = server(a.beams)
        complete(s, prompt_ids(8, a.vocab), 2)
        results = [None] * a.beams

        def one(i):
            results[i] = complete(s, prompt_ids(8 + i, a.vocab), a.decode + 1)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(a.beams)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Every slot decodes in the same batched steps; the slowest slot's wall time is the
        # batch's, so rows/s = beams × tokens / that time.
        worst_ms = max(r["predicted_ms"] for r in results)
        n = min(r["predicted_n"] for r in results)
        out["decode_rows"] = {"rows": a.beams, "tokens_per_s": a.beams * n / (worst_ms / 1000)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
