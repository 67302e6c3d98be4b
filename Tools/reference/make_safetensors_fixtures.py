#!/usr/bin/python3
"""Writes the safetensors fixtures under Tests/Fixtures/safetensors/.

Needs Debian's /usr/bin/python3 with python3-torch (1.13) and numpy, plus the
`safetensors` package:  /usr/bin/python3 -m pip install --break-system-packages safetensors

  /usr/bin/python3 Tools/reference/make_safetensors_fixtures.py

Interop fixtures (written by the reference `safetensors` library, read by the engine):
  python_f32.safetensors, python_f16.safetensors, python_bf16.safetensors — tensor "x"
  (and a few more in the F32 file); python_expected.safetensors holds, as F32, what
  torch's own conversion of the F16/BF16 tensors gives, for a bit-exact comparison.
Malformed fixtures (malformed/*.safetensors): tiny hand-built byte strings, each broken
in one way the reader must name.
"""
import json
import os
import struct

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "safetensors")


def interop():
    # Values chosen to exercise the conversions: exact small numbers, rounding (1/3),
    # signed zero, the largest half, a half subnormal, infinities and NaN.
    special = [1.0, -2.5, 1.0 / 3.0, -0.0, 65504.0, 5.9604645e-08, float("inf"), float("-inf"),
               float("nan"), 0.1, -1234.5678, 3.0e-5]
    base = torch.tensor(special, dtype=torch.float32).reshape(3, 4)
    meta = {"source": "make_safetensors_fixtures.py", "format": "pt"}

    f32 = {
        "x": base.clone(),
        "matrix": (torch.arange(6, dtype=torch.float32) * 0.5 - 1.0).reshape(2, 3),
        "scalar": torch.tensor(7.25),
        "empty": torch.zeros(0, 4),
    }
    save_file(f32, os.path.join(OUT, "python_f32.safetensors"), metadata=meta)
    half = base.to(torch.float16)
    save_file({"x": half}, os.path.join(OUT, "python_f16.safetensors"), metadata=meta)
    brain = base.to(torch.bfloat16)
    save_file({"x": brain}, os.path.join(OUT, "python_bf16.safetensors"), metadata=meta)
    save_file({"f16_x": half.float(), "bf16_x": brain.float()},
              os.path.join(OUT, "python_expected.safetensors"))


def raw_file(header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


def malformed():
    d = os.path.join(OUT, "malformed")
    f = lambda n: struct.pack("<%df" % n, *[float(i) for i in range(n)])
    good = raw_file({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                     "b": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, f(6))
    files = {
        # Fewer than 8 bytes: not even a header length.
        "short.safetensors": b"\x10\x00\x00",
        # The last tensor's bytes are cut off.
        "truncated.safetensors": good[:-5],
        # Header length says 1 MB, the file is tiny.
        "header_beyond_file.safetensors": struct.pack("<Q", 1 << 20) + b'{"a":1}',
        "bad_json.safetensors": struct.pack("<Q", 12) + b'{"w":{"dtype' + f(1),
        "overlapping.safetensors": raw_file(
            {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "v": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, f(3)),
        "gap.safetensors": raw_file(
            {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "v": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}, f(3)),
        "wrong_dtype.safetensors": raw_file(
            {"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}, f(4)),
        # Shape (3, 2) of F32 is 24 bytes; the offsets span 16.
        "size_mismatch.safetensors": raw_file(
            {"w": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 16]}}, f(4)),
        "missing_shape.safetensors": raw_file(
            {"w": {"dtype": "F32", "data_offsets": [0, 4]}}, f(1)),
    }
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(data)
    with open(os.path.join(d, "good.safetensors"), "wb") as fh:
        fh.write(good)


if __name__ == "__main__":
    os.makedirs(os.path.join(OUT, "malformed"), exist_ok=True)
    interop()
    malformed()
    print("wrote fixtures under", os.path.normpath(OUT))
