"""An export with MovieLens-20M's shape, made up with numpy and streamed to disk, for the
memory checks of the export reader: what `userllm data export-tensors` wrote for the
synthetic ML-20M of scripts/make-synthetic-ratings.py (138 493 users, 20 M events,
19 584 521 training examples of ~61 tokens = 1.19 G tokens in 20 shards), at a fraction of
that size. Random ids, valid structure (windows inside their timelines, prompt < sequence).

  python3 scale_export.py OUT [--fraction 1.0]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

ML20M = dict(users=138_493, events=20_000_263, examples=19_584_521, shards=20, items=27_278, categories=20)
WINDOW = 50
VOCAB = 49_152
CHUNK = 1 << 23  # token ids generated and written 8 M at a time


def write_safetensors(path, tensors):
    """tensors: [(name, numpy dtype, shape, chunks)] where chunks yields arrays whose
    concatenation is the tensor: written as they come, never held whole."""
    names = {np.dtype(np.int32): "I32", np.dtype(np.int64): "I64"}
    header, offset = {}, 0
    for name, dtype, shape, _ in tensors:
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        header[name] = {"dtype": names[np.dtype(dtype)], "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for name, dtype, shape, chunks in tensors:
            written = 0
            for c in chunks:
                c = np.ascontiguousarray(c, dtype=dtype)
                f.write(c.tobytes())
                written += c.nbytes
            assert written == header[name]["data_offsets"][1] - header[name]["data_offsets"][0], name
    os.replace(path + ".tmp", path)


def write_part(out, rng, name, examples, shards, lengths, offsets):
    users = len(lengths)
    entries, tokens_total = [], 0
    per = -(-examples // shards)
    for s in range(shards):
        m = min(per, examples - s * per)
        user = np.sort(rng.integers(0, users, m)).astype(np.int32)
        target = (1 + (rng.random(m) * (lengths[user] - 1)).astype(np.int64)).astype(np.int32)
        start = np.maximum(0, target - WINDOW).astype(np.int32)
        seq = rng.integers(52, 70, m)  # ~61 tokens: prompt + answer + <|eos|>
        prompt = (seq - rng.integers(2, 5, m)).astype(np.int32)
        token_offsets = np.concatenate([[0], np.cumsum(seq)]).astype(np.int64)
        tk = int(token_offsets[-1])

        def tokens(tk=tk):
            for a in range(0, tk, CHUNK):
                yield rng.integers(4, VOCAB, min(CHUNK, tk - a), dtype=np.int32)

        file = "%s-%05d.safetensors" % (name, s)
        write_safetensors(os.path.join(out, file), [
            ("user", np.int32, (m,), [user]), ("window_start", np.int32, (m,), [start]),
            ("target", np.int32, (m,), [target]), ("task", np.int32, (m,), [np.zeros(m, np.int32)]),
            ("prompt_length", np.int32, (m,), [prompt]), ("token_offsets", np.int64, (m + 1,), [token_offsets]),
            ("tokens", np.int32, (tk,), tokens())])
        entries.append({"file": file, "examples": m, "tokens": tk})
        tokens_total += tk
    return {"examples": examples, "tokens": tokens_total, "shards": entries}


def write(out, fraction=1.0, seed=0):
    """Writes the export; returns its manifest. Disk: ~4.9 GB × fraction."""
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    users = max(8, int(ML20M["users"] * fraction))
    events = max(users * 20, int(ML20M["events"] * fraction))
    # Timelines of at least 20 events (MovieLens keeps users with ≥ 20 ratings).
    lengths = 20 + rng.multinomial(events - 20 * users, np.full(users, 1 / users))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    items = ML20M["items"]
    categories = np.zeros((items, 10), np.int32)
    k = rng.integers(1, 4, items)
    for j in range(3):
        categories[:, j] = np.where(j < k, rng.integers(2, ML20M["categories"] + 2, items), 0)
    categories[0] = 0
    write_safetensors(os.path.join(out, "events.safetensors"), [
        ("timeline_offsets", np.int64, (users + 1,), [offsets]),
        ("event_item", np.int32, (events,), [rng.integers(2, items, events, dtype=np.int32)]),
        ("event_rating", np.int32, (events,), [rng.integers(2, 12, events, dtype=np.int32)]),
        ("item_categories", np.int32, categories.shape, [categories])])
    examples = max(64, int(ML20M["examples"] * fraction))
    parts = {"train": write_part(out, rng, "train", examples, max(2, round(ML20M["shards"] * fraction)), lengths, offsets),
             "validation": write_part(out, rng, "validation", users, 1, lengths, offsets)}
    preset = {"name": "scale", "windowLength": WINDOW, "seed": 0, "llm": {}, "encoder": {}, "perceiver": {},
              "lora": {}, "stages": {}}
    manifest = {"format": "userllm-tensors", "version": 1, "mode": "xattn", "dataset": "synthetic-ml-20m-shape",
                "tasks": ["next-item"], "windowLength": WINDOW, "maxCategories": 10,
                "vocabularySizes": {"item": items, "category": ML20M["categories"] + 2, "rating": 12}, "padToken": 3,
                "users": users, "events": events, "batchOrderSeed": 17, "preset": preset, "parts": parts}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--fraction", type=float, default=1.0)
    a = ap.parse_args()
    m = write(a.out, a.fraction)
    t = m["parts"]["train"]
    sys.stdout.write("%s: %d users, %d events, %d training examples, %d tokens, %d shards\n" % (
        a.out, m["users"], m["events"], t["examples"], t["tokens"], len(t["shards"])))
