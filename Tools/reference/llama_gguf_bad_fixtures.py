"""Writes tiny llama GGUF files (F32, d=8, 2 layers, 4 heads over 2 KV heads, vocab 16) with
the PyPI `gguf` package's GGUFWriter, for the loader's bad-input tests:
  ok.gguf          a valid model
  nan.gguf         blk.1.ffn_up.weight holds a NaN
  bad_shape.gguf   blk.0.attn_k.weight is (8, 8) where GQA needs (4, 8)
  untied.gguf      has an output.weight
  missing.gguf     lacks blk.1.ffn_down.weight
Usage: /usr/bin/python3 Tools/reference/llama_gguf_bad_fixtures.py Tests/Fixtures/llama-gguf
"""
import os
import sys

import numpy as np
from gguf import GGUFWriter

V, D, L, H, HK, F = 16, 8, 2, 4, 2, 12


def write(path, tweak=None):
    rng = np.random.default_rng(0)
    w = GGUFWriter(path, "llama")
    w.add_block_count(L)
    w.add_context_length(32)
    w.add_embedding_length(D)
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(HK)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    tensors = {"token_embd.weight": (V, D), "output_norm.weight": (D,)}
    kv = HK * D // H
    for i in range(L):
        p = f"blk.{i}."
        tensors.update({p + "attn_norm.weight": (D,), p + "attn_q.weight": (D, D), p + "attn_k.weight": (kv, D),
                        p + "attn_v.weight": (kv, D), p + "attn_output.weight": (D, D), p + "ffn_norm.weight": (D,),
                        p + "ffn_gate.weight": (F, D), p + "ffn_up.weight": (F, D), p + "ffn_down.weight": (D, F)})
    arrays = {n: rng.normal(0, 0.3, s).astype(np.float32) for n, s in tensors.items()}
    if tweak:
        tweak(arrays)
    for n, a in arrays.items():
        w.add_tensor(n, a)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "ok.gguf"))
    write(os.path.join(out, "nan.gguf"), lambda a: a["blk.1.ffn_up.weight"].__setitem__((3, 5), np.nan))
    write(os.path.join(out, "bad_shape.gguf"),
          lambda a: a.__setitem__("blk.0.attn_k.weight", np.zeros((D, D), np.float32)))
    write(os.path.join(out, "untied.gguf"), lambda a: a.__setitem__("output.weight", np.zeros((V, D), np.float32)))
    write(os.path.join(out, "missing.gguf"), lambda a: a.pop("blk.1.ffn_down.weight"))


if __name__ == "__main__":
    main()
