"""An f32 PyTorch Llama read from a GGUF file: the independent reference that
Tests/UserLLMTests/PretrainedLLMTests.swift compares our engine's logits with.

Independent of our Swift code on every point that matters:
- the weights are dequantised by the PyPI `gguf` package (llama.cpp's own reader and
  dequantiser: `GGUFReader` + `gguf.quants.dequantize`), not by our GGUF reader;
- the model is plain PyTorch: RMSNorm, grouped-query attention (key/value head h // group,
  as llama.cpp's broadcast and HF's repeat_kv both do), RoPE on interleaved pairs (2i, 2i+1)
  — llama.cpp's converter permutes HF's q/k rows so that its "normal" rope applies — SwiGLU,
  and the LM head tied to token_embd (the file has no output.weight);
- the prompt's token ids come from llama.cpp's tokenizer (the PyPI `xllamacpp` server's
  /tokenize, special tokens parsed), not from ours.

Writes a small JSON fixture: the ids, and at EVERY position the logits of a fixed set of
64 vocabulary ids (every position's argmax included), the argmax and the logsumexp over
the whole vocabulary. The model itself is never written.

Usage (Debian's python3-torch, /usr/bin/python3):
  /usr/bin/python3 Tools/reference/llama_gguf_reference.py \
      --model ~/.cache/userllm/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf \
      --out Tests/Fixtures/smollm2/logits_golden.json
"""
import argparse
import json
import math
import sys

import numpy as np
import torch

SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
QUESTION = ("I loved The Matrix and Blade Runner, but I found Titanic too long. "
            "Which three science-fiction films from the 1980s or 1990s should I watch next, and why?")


def chatml(system, user):
    """The file's tokenizer.chat_template, rendered for one system and one user turn plus
    the generation prompt."""
    return (f"<|im_start|>system\n{system}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


def field_value(reader, key):
    f = reader.fields[key]
    return f.contents()


def load(path):
    from gguf import GGUFReader
    from gguf.quants import dequantize
    reader = GGUFReader(path)
    if field_value(reader, "general.architecture") != "llama":
        sys.exit(f"{path}: not a llama GGUF")
    cfg = dict(
        layers=int(field_value(reader, "llama.block_count")),
        d=int(field_value(reader, "llama.embedding_length")),
        heads=int(field_value(reader, "llama.attention.head_count")),
        kv_heads=int(field_value(reader, "llama.attention.head_count_kv")),
        base=float(field_value(reader, "llama.rope.freq_base")),
        eps=float(field_value(reader, "llama.attention.layer_norm_rms_epsilon")),
    )
    weights = {}
    for t in reader.tensors:
        # dequantize gives numpy (ne1, ne0) = PyTorch's (out, in).
        w = dequantize(t.data, t.tensor_type).astype(np.float32)
        shape = [int(n) for n in reversed(t.shape.tolist())]
        weights[t.name] = torch.from_numpy(w.reshape(shape).copy())
    if "output.weight" in weights:
        sys.exit("this reference assumes the head tied to token_embd (the file has output.weight)")
    return cfg, weights


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, base, style):
    """x (H, T, D). Pair i turns by position · base^(-2i/D); `interleaved` pairs (2i, 2i+1),
    `half` pairs (i, i + D/2)."""
    _, t, d = x.shape
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]  # (T, D/2)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    if style == "interleaved":
        x1, x2 = x[..., 0::2], x[..., 1::2]
        out = torch.empty_like(x)
        out[..., 0::2] = x1 * cos - x2 * sin
        out[..., 1::2] = x2 * cos + x1 * sin
        return out
    half = d // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


@torch.no_grad()
def forward(cfg, w, ids, style="interleaved"):
    """ids (T) → logits (T, V), causal, positions 0..T-1."""
    d, h, hk = cfg["d"], cfg["heads"], cfg["kv_heads"]
    dh, group, eps = d // h, h // hk, cfg["eps"]
    x = w["token_embd.weight"][torch.tensor(ids)]  # (T, d)
    t = x.shape[0]
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    for i in range(cfg["layers"]):
        p = f"blk.{i}."
        xn = rms_norm(x, w[p + "attn_norm.weight"], eps)
        q = (xn @ w[p + "attn_q.weight"].T).view(t, h, dh).transpose(0, 1)   # (H, T, Dh)
        k = (xn @ w[p + "attn_k.weight"].T).view(t, hk, dh).transpose(0, 1)  # (Hk, T, Dh)
        v = (xn @ w[p + "attn_v.weight"].T).view(t, hk, dh).transpose(0, 1)  # (Hk, T, Dh)
        q, k = rope(q, cfg["base"], style), rope(k, cfg["base"], style)
        # Query head j reads key/value head j // group.
        k = k.repeat_interleave(group, dim=0)  # (H, T, Dh)
        v = v.repeat_interleave(group, dim=0)
        scores = (q @ k.transpose(1, 2)) / math.sqrt(dh)
        scores = scores.masked_fill(~causal, float("-inf"))
        o = torch.softmax(scores, dim=-1) @ v                    # (H, T, Dh)
        x = x + o.transpose(0, 1).reshape(t, d) @ w[p + "attn_output.weight"].T
        xn = rms_norm(x, w[p + "ffn_norm.weight"], eps)
        gate = torch.nn.functional.silu(xn @ w[p + "ffn_gate.weight"].T)
        x = x + (gate * (xn @ w[p + "ffn_up.weight"].T)) @ w[p + "ffn_down.weight"].T
    x = rms_norm(x, w["output_norm.weight"], eps)
    return x @ w["token_embd.weight"].T


def llama_cpp_tokenize(model, text):
    """Token ids by llama.cpp itself (the xllamacpp wheel's server, on loopback)."""
    import urllib.request
    import xllamacpp as xlc
    params = xlc.CommonParams()
    params.model.path = model
    params.n_ctx = 256
    server = xlc.Server(params)
    body = json.dumps({"content": text, "add_special": False, "parse_special": True}).encode()
    req = urllib.request.Request(server.listening_address + "/tokenize", data=body,
                                 headers={"Content-Type": "application/json"})
    ids = json.loads(urllib.request.urlopen(req).read())["tokens"]
    del server
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--slice", type=int, default=64, help="vocabulary ids kept per position")
    args = ap.parse_args()
    torch.set_num_threads(1)

    text = chatml(SYSTEM, QUESTION)
    ids = llama_cpp_tokenize(args.model, text)
    cfg, w = load(args.model)
    logits = forward(cfg, w, ids)  # (T, V)
    argmax = logits.argmax(-1).tolist()
    lse = torch.logsumexp(logits.double(), -1).tolist()
    # Every position's argmax, then each position's runner-up, then ids spread over the vocabulary.
    chosen = []
    for tok in argmax + logits.topk(2, -1).indices[:, 1].tolist():
        if tok not in chosen:
            chosen.append(tok)
    vocab = logits.shape[1]
    spread = [int(i) for i in np.linspace(0, vocab - 1, args.slice)]
    for tok in spread:
        if len(chosen) >= args.slice:
            break
        if tok not in chosen:
            chosen.append(tok)
    chosen = chosen[:args.slice]
    half = forward(cfg, w, ids, style="half")
    half_err = [float((half[i] - logits[i]).abs().max() / logits[i].abs().max()) for i in range(len(ids))]
    out = {
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "made_by": "Tools/reference/llama_gguf_reference.py (PyTorch %s, gguf dequantize, xllamacpp tokenize)"
                   % torch.__version__,
        "text": text,
        "ids": ids,
        "vocab_ids": chosen,
        "logits": [[round(float(logits[i, j]), 6) for j in chosen] for i in range(len(ids))],
        "argmax": argmax,
        "logsumexp": [round(v, 6) for v in lse],
        "rotate_half_relative_error": [round(e, 4) for e in half_err],
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    agree = sum(1 for i in range(len(ids)) if half[i].argmax() == logits[i].argmax())
    print(f"{len(ids)} positions, {len(chosen)} ids per position → {args.out}; "
          f"rotate-half agrees on the argmax at {agree}/{len(ids)} positions, "
          f"max relative error {max(half_err):.3f}")


if __name__ == "__main__":
    main()
