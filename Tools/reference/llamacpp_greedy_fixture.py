"""llama.cpp's greedy continuation of the SmolLM2 logits fixture's prompt (the PyPI
`xllamacpp` server on loopback, same GGUF file): each chosen token and its log-probability.
Loose parity only — llama.cpp quantises activations (Q8) for its Q4_1/Q8_0 dot products.

Usage: /usr/bin/python3 Tools/reference/llamacpp_greedy_fixture.py --model FILE.gguf \
    --prompt Tests/Fixtures/smollm2/logits_golden.json --out Tests/Fixtures/smollm2/llamacpp_greedy.json
"""
import argparse
import json
import urllib.request

import xllamacpp as xlc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokens", type=int, default=32)
    args = ap.parse_args()
    ids = json.load(open(args.prompt))["ids"]
    params = xlc.CommonParams()
    params.model.path = args.model
    params.n_ctx = 512
    server = xlc.Server(params)
    body = {"prompt": ids, "n_predict": args.tokens, "temperature": 0, "top_k": 1, "n_probs": 1,
            "post_sampling_probs": False, "cache_prompt": False}
    req = urllib.request.Request(server.listening_address + "/completion", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    r = json.loads(urllib.request.urlopen(req).read())
    probs = r["completion_probabilities"]
    out = {"made_by": "Tools/reference/llamacpp_greedy_fixture.py (xllamacpp %s)" % getattr(xlc, "__version__", "?"),
           "prompt_ids": ids, "tokens": [p["id"] for p in probs], "logprobs": [p["logprob"] for p in probs],
           "text": r["content"]}
    json.dump(out, open(args.out, "w"))
    print(len(out["tokens"]), "tokens:", repr(out["text"]))


if __name__ == "__main__":
    main()
