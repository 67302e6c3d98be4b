#!/usr/bin/python3
"""Checks that a safetensors file written by the Swift engine loads with the reference
`safetensors` library and holds the values the Swift test wrote.

Needs numpy and the `safetensors` package (any python3 that has them; Debian's
/usr/bin/python3 after `pip install --break-system-packages safetensors`).

  /usr/bin/python3 Tools/reference/check_swift_safetensors.py [file]

Default file: Tests/Fixtures/safetensors/swift_written.safetensors, which
SafetensorsInteropTests writes byte for byte (regenerate with USERLLM_UPDATE_FIXTURES=1).
Exit status 0 when every check passes.
"""
import os
import sys

import numpy as np

try:
    from safetensors import safe_open
    from safetensors.numpy import load_file
except ImportError:
    # Outside CI a machine without the package skips; in CI (CI=true) that is a failure.
    print("skip: python package 'safetensors' not installed "
          "(/usr/bin/python3 -m pip install --break-system-packages safetensors)")
    sys.exit(1 if os.environ.get("CI") == "true" else 0)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "safetensors", "swift_written.safetensors")


def expected():
    # The same formula as SafetensorsInteropTests.canonicalTensors(): dyadic values, so
    # Swift and numpy produce them exactly.
    def values(n, salt):
        return np.array([((i * 37 + salt) % 101 - 50) / 16.0 for i in range(n)], dtype=np.float32)
    return {
        "embed.weight": values(5 * 3, 1).reshape(5, 3),
        "blocks.0.attn.q.weight": values(3 * 3, 2).reshape(3, 3),
        "blocks.0.gate": values(1, 3).reshape(()),
        "empty": np.zeros((0, 2), dtype=np.float32),
        "quoted \"name\"\\": values(4, 4),
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    tensors = load_file(path)
    want = expected()
    problems = []
    if set(tensors) != set(want):
        problems.append("names %s, expected %s" % (sorted(tensors), sorted(want)))
    for name, value in want.items():
        got = tensors.get(name)
        if got is None:
            continue
        if got.dtype != np.float32 or got.shape != value.shape or not np.array_equal(got, value):
            problems.append("%s: got %s %s" % (name, got.dtype, got.shape))
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
    if meta != {"writer": "userllm", "note": "tab\there"}:
        problems.append("metadata %r" % (meta,))
    if problems:
        print("FAIL %s:\n  %s" % (path, "\n  ".join(problems)))
        return 1
    print("ok: %s loads with safetensors %s (%d tensors)" % (os.path.normpath(path), __import__("safetensors").__version__, len(tensors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
