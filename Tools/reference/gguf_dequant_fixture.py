#!/usr/bin/python3
"""Writes the GGUF fixtures of the Swift GGUF tests with the `gguf` PyPI package (llama.cpp's
own Python reader/writer), so that our reader and dequantizer are checked against an
independent implementation of the format:

  /usr/bin/python3 Tools/reference/gguf_dequant_fixture.py Tests/Fixtures/gguf

- dequant.gguf: one tensor of each type the engine decodes (F32, F16, BF16, Q8_0, Q4_0,
  Q4_1), quantized by `gguf.quants.quantize`, and beside each an F32 tensor
  `expected.<name>` holding `gguf.quants.dequantize` of the stored bytes. Also one metadata
  key of every value type, arrays included.
- align64.gguf: a custom `general.alignment` of 64.
- q4_k.gguf: a Q4_K tensor (a type the engine refuses, by name).

Deterministic (fixed seed); the outputs are small and committed.
"""
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q


def values(rng, rows, cols):
    """Weights of varied scale per row, with the edge cases quantizers meet: an all-zero
    block, a constant block, one large outlier."""
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x *= (np.logspace(-3, 1, rows, dtype=np.float32)[:, None])
    x[0, :32] = 0
    x[1, 32:64] = 0.75
    x[-1, 5] = 40.0
    return x


def add_quantized(w, name, data, qtype):
    stored = gguf.quants.quantize(data, qtype)
    w.add_tensor(name, stored, raw_dtype=qtype)
    expected = gguf.quants.dequantize(stored, qtype).astype(np.float32)
    assert expected.shape == data.shape, (expected.shape, data.shape)
    w.add_tensor("expected." + name, expected)


def dequant_fixture(path):
    rng = np.random.default_rng(20260311)
    w = gguf.GGUFWriter(path, "fixture")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_uint64("test.u64", 1 << 40)
    w.add_int64("test.i64", -(1 << 40))
    w.add_float32("test.f32", 1e-5)
    w.add_float64("test.f64", 0.1)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "Grüße, 世界 🙂\n<|im_start|>")
    w.add_array("test.strings", ["a", "", "héllo", "Ġworld"])
    w.add_array("test.ints", [3, -1, 7])
    w.add_array("test.floats", [0.5, -2.25])
    w.add_array("test.nested", [[1, 2], [3]])

    w.add_tensor("f32", values(rng, 3, 64))
    half = values(rng, 2, 64).astype(np.float16)
    # f16 specials: infinities, a signed zero, the smallest subnormal, the largest finite.
    half[0, :5] = np.array([np.inf, -np.inf, -0.0, 2.0 ** -24, 65504.0], dtype=np.float16)
    w.add_tensor("f16", half)
    w.add_tensor("expected.f16", half.astype(np.float32))
    add_quantized(w, "bf16", values(rng, 2, 64), Q.BF16)
    add_quantized(w, "q8_0", values(rng, 4, 96), Q.Q8_0)
    add_quantized(w, "q4_0", values(rng, 4, 96), Q.Q4_0)
    add_quantized(w, "q4_1", values(rng, 4, 96), Q.Q4_1)
    # A 3-D tensor: rows are everything after the first dimension.
    add_quantized(w, "q4_1_3d", values(rng, 6, 64).reshape(2, 3, 64), Q.Q4_1)
    write(w)


def align64_fixture(path):
    rng = np.random.default_rng(7)
    w = gguf.GGUFWriter(path, "fixture")
    w.add_custom_alignment(64)
    w.add_tensor("a", rng.standard_normal(5).astype(np.float32))
    w.add_tensor("b", rng.standard_normal((2, 3)).astype(np.float32))
    write(w)


def q4k_fixture(path):
    rng = np.random.default_rng(11)
    w = gguf.GGUFWriter(path, "fixture")
    w.add_tensor("norm", np.ones(256, dtype=np.float32))
    # Two 256-value Q4_K blocks of 144 bytes: any bytes are a valid block.
    w.add_tensor("blk.0.ffn_down.weight", rng.integers(0, 256, (2, 144), dtype=np.uint8), raw_dtype=Q.Q4_K)
    write(w)


def write(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/gguf"
    os.makedirs(out, exist_ok=True)
    dequant_fixture(os.path.join(out, "dequant.gguf"))
    align64_fixture(os.path.join(out, "align64.gguf"))
    q4k_fixture(os.path.join(out, "q4_k.gguf"))
    for name in sorted(os.listdir(out)):
        print(name, os.path.getsize(os.path.join(out, name)), "bytes")


if __name__ == "__main__":
    main()
