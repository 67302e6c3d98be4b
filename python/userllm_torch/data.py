"""Reads what `userllm data export-tensors` writes (Sources/UserLLM/Export/TensorExport.swift)
and makes batches exactly as our engine does: TokenBatch (prompt + answer, targets on the
answer and <|eos|>, -100 elsewhere) and EventBatch (a window of feature ids, PAD after).
No loader, tokenizer or split here: those stay in Swift.

Every shard is memory-mapped, not read: a batch touches only its examples' pages, so a
process's memory does not grow with the export (MovieLens-20M: 1.2 G tokens, 4.8 GB of
token ids, which every process of a job would otherwise hold).
"""
import json
import os
import struct

import numpy as np
import torch

IGNORE = -100
MASK64 = (1 << 64) - 1

# safetensors dtype names → numpy (the integer and float types an export or checkpoint holds).
SAFETENSORS_DTYPES = {"I8": np.int8, "U8": np.uint8, "I16": np.int16, "U16": np.uint16, "I32": np.int32,
                      "U32": np.uint32, "I64": np.int64, "U64": np.uint64, "F16": np.float16, "F32": np.float32,
                      "F64": np.float64}
EXAMPLE_COLUMNS = ("user", "window_start", "target", "task", "prompt_length")


class ExportError(Exception):
    pass


def map_safetensors(path, keys=()):
    """name → numpy array mapped copy-on-write from the file (nothing is read until used;
    writable, so torch.from_numpy takes it without a copy). The header is checked: every
    tensor inside the file with the bytes its dtype and shape need; `keys` must be present."""
    if not os.path.exists(path):
        raise ExportError("%s is missing (the manifest lists it)" % path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ExportError("%s: %d bytes, too short for a safetensors header" % (path, size))
        (n,) = struct.unpack("<Q", head)
        if n > size - 8 or n > 100 << 20:
            raise ExportError("%s: header length %d does not fit the %d-byte file" % (path, n, size))
        try:
            header = json.loads(f.read(n))
        except ValueError as e:
            raise ExportError("%s: the header is not JSON (%s)" % (path, e))
    if not isinstance(header, dict):
        raise ExportError("%s: the header is not a JSON object" % path)
    base, out = 8 + n, {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = np.dtype(SAFETENSORS_DTYPES[info["dtype"]])
            shape = tuple(int(d) for d in info["shape"])
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ExportError("%s: tensor %r: dtype %r / shape / data_offsets unreadable" % (
                path, name, info.get("dtype") if isinstance(info, dict) else info))
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * dtype.itemsize or begin < 0 or base + end > size:
            raise ExportError("%s: tensor %r: bytes %d..%d do not hold %s %s in a %d-byte file" % (
                path, name, begin, end, info["dtype"], list(shape), size))
        out[name] = (np.zeros(shape, dtype) if count == 0 else
                     np.memmap(path, dtype=dtype, mode="c", offset=base + begin, shape=shape))
    for k in keys:
        if k not in out:
            raise ExportError("%s: tensor %r is missing" % (path, k))
    return out


class Part:
    """The examples of one part (train, validation), over its shards, memory-mapped.
    Example i is row i - starts[s] of shard s; `column` and `sequences` gather only the
    rows asked for."""

    def __init__(self, export_path, name, shards):
        self.name, self.shards, starts = name, [], [0]
        self.tokens = 0
        for shard in shards:
            path = os.path.join(export_path, shard["file"])
            t = map_safetensors(path, list(EXAMPLE_COLUMNS) + ["token_offsets", "tokens"])
            m, tk = int(t["user"].shape[0]), int(t["tokens"].shape[0])
            offsets = t["token_offsets"]
            if (m != shard["examples"] or tk != shard["tokens"] or offsets.shape != (m + 1,)
                    or int(offsets[0]) != 0 or int(offsets[-1]) != tk):
                raise ExportError("%s: %d examples and %d tokens (offsets %s…%s), the manifest says %d and %d" % (
                    path, m, tk, int(offsets[0]) if len(offsets) else "-", int(offsets[-1]) if len(offsets) else "-",
                    shard["examples"], shard["tokens"]))
            for k in EXAMPLE_COLUMNS:
                if t[k].shape != (m,):
                    raise ExportError("%s: tensor %r has shape %s, expected (%d,)" % (path, k, list(t[k].shape), m))
            t["path"] = path
            self.shards.append(t)
            starts.append(starts[-1] + m)
            self.tokens += tk
        self.starts = np.asarray(starts, dtype=np.int64)
        self.count = int(self.starts[-1])

    def _locate(self, indices):
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(idx) and (idx.min() < 0 or idx.max() >= self.count):
            raise IndexError("%s: example index out of 0..<%d" % (self.name, self.count))
        shard = np.searchsorted(self.starts, idx, side="right") - 1
        return idx, shard, idx - self.starts[shard]

    def column(self, key, indices):
        """int64 tensor of `key` (an EXAMPLE_COLUMNS name or "length") at the examples."""
        idx, shard, row = self._locate(indices)
        out = np.empty(len(idx), dtype=np.int64)
        for s in np.unique(shard):
            pick = shard == s
            t = self.shards[s]
            if key == "length":
                offsets = t["token_offsets"]
                out[pick] = offsets[row[pick] + 1] - offsets[row[pick]]
            else:
                out[pick] = t[key][row[pick]]
        return torch.from_numpy(out)

    def sequences(self, indices):
        """Each example's token ids (prompt, answer, <|eos|>) as int64 tensors."""
        idx, shard, row = self._locate(indices)
        out = []
        for s, r in zip(shard.tolist(), row.tolist()):
            t = self.shards[s]
            a, b = int(t["token_offsets"][r]), int(t["token_offsets"][r + 1])
            if b - a < 2:
                raise ExportError("%s: example %d has %d tokens (at least a prompt token and <|eos|> expected)" % (
                    t["path"], r, b - a))
            out.append(torch.from_numpy(t["tokens"][a:b].astype(np.int64)))
        return out


class Export:
    def __init__(self, path):
        self.path = path
        manifest_path = os.path.join(path, "manifest.json")
        if not os.path.exists(manifest_path):
            raise ExportError("%s: no manifest.json — make the export with `userllm data export-tensors`" % path)
        with open(manifest_path) as f:
            self.manifest = m = json.load(f)
        if m.get("format") != "userllm-tensors" or m.get("version") != 1:
            raise ExportError("%s: format %r version %r, expected userllm-tensors 1" % (manifest_path, m.get("format"), m.get("version")))
        ev = map_safetensors(os.path.join(path, "events.safetensors"),
                             ["timeline_offsets", "event_item", "event_rating", "item_categories"])
        # Mapped, as stored (int32 ids, int64 offsets); gathered rows are widened.
        self.timeline_offsets = torch.from_numpy(ev["timeline_offsets"])
        self.event_item = torch.from_numpy(ev["event_item"])
        self.event_rating = torch.from_numpy(ev["event_rating"])
        self.item_categories = torch.from_numpy(ev["item_categories"])  # (V_item, C)
        self.parts = {}

    @property
    def preset(self):
        return self.manifest["preset"]

    @property
    def vocab_sizes(self):
        v = self.manifest["vocabularySizes"]
        return v["item"], v["category"], v["rating"]

    def part(self, name):
        """The examples of a part, over its memory-mapped shards."""
        if name not in self.parts:
            if name not in self.manifest["parts"]:
                raise ExportError("%s: the manifest has no part %r" % (self.path, name))
            self.parts[name] = Part(self.path, name, self.manifest["parts"][name]["shards"])
        return self.parts[name]

    def count(self, part):
        return self.part(part).count

    def sequence_lengths(self, part, indices):
        """Tokens of each example: prompt, answer and <|eos|>."""
        return self.part(part).column("length", indices)

    def target_counts(self, part, indices):
        """Loss tokens of each example: its answer and <|eos|>."""
        p = self.part(part)
        return p.column("length", indices) - p.column("prompt_length", indices)

    def batch(self, part, indices, device="cpu"):
        """(tokens (B, T), targets (B, T), events dict) of the examples, as TokenBatch and
        EventBatch(examples:) build them."""
        p = self.part(part)
        pad = int(self.manifest["padToken"])
        seqs = p.sequences(indices)
        prompt_lengths = p.column("prompt_length", indices).tolist()
        t = max(1, max(len(s) - 1 for s in seqs))
        tokens = torch.full((len(seqs), t), pad, dtype=torch.long)
        targets = torch.full((len(seqs), t), IGNORE, dtype=torch.long)
        for b, (s, prompt) in enumerate(zip(seqs, prompt_lengths)):
            n = len(s) - 1
            if not 1 <= prompt <= n:
                raise ExportError("%s: example %d has prompt length %d of %d tokens" % (part, indices[b], prompt, n + 1))
            tokens[b, :n] = s[:n]
            first = prompt - 1  # targets at positions whose next token is an answer token
            targets[b, first:n] = s[first + 1:n + 1]
        events = self.windows(p.column("user", indices), p.column("window_start", indices), p.column("target", indices))
        return tokens.to(device), targets.to(device), {k: v.to(device) for k, v in events.items()}

    def windows(self, users, starts, ends):
        """EventBatch of windows start..<end of each user's timeline, padded to the longest."""
        lengths = (ends - starts).long()
        if bool((lengths < 1).any()):
            raise ExportError("an example has an empty window")
        m = int(lengths.max())
        b = users.shape[0]
        pos = torch.arange(m)[None, :]
        rows = self.timeline_offsets[users.long()][:, None] + starts.long()[:, None] + pos  # (B, M)
        real = pos < lengths[:, None]
        rows = torch.where(real, rows, torch.zeros_like(rows))
        item = torch.where(real, self.event_item[rows].long(), torch.zeros_like(rows))
        rating = torch.where(real, self.event_rating[rows].long(), torch.zeros_like(rows))
        category = self.item_categories[item].long()  # (B, M, C); PAD item → row 0, all PAD
        category = torch.where(real[..., None], category, torch.zeros_like(category))
        return dict(item=item, category=category, rating=rating, lengths=lengths)


def splitmix_permutation(n, seed):
    """BatchOrder.permutation: Fisher–Yates driven by SplitMix64 (Sources/UserLLM/Data/BatchOrder.swift).
    The k-th draw is a function of seed + k·γ, so the draws are computed in chunks with
    wrapping uint64 arithmetic (numpy) and only the swaps run one by one, in a compact array
    (MovieLens-20M: 19.6 M items)."""
    import array
    import numpy as np
    p = array.array("q", range(n))
    gamma = np.uint64(0x9E3779B97F4A7C15)
    chunk = 1 << 18  # draws per numpy pass: ~25 MB of temporaries, as fast as larger chunks
    k = 0  # draws made
    with np.errstate(over="ignore"):
        while k < n - 1:
            count = min(chunk, n - 1 - k)
            state = np.uint64(seed & MASK64) + gamma * (np.arange(k + 1, k + count + 1, dtype=np.uint64))
            z = state
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
            bounds = np.arange(n - k, n - k - count, -1, dtype=np.uint64)  # i + 1 for i = n-1-k, …
            js = (z % bounds).tolist()
            i = n - 1 - k
            for j in js:
                p[i], p[j] = p[j], p[i]
                i -= 1
            k += count
    return p


class BatchOrder:
    """Batch s is a function of (seed, s) alone: epochs of seeded permutations, a batch may
    run into the next epoch. The same batches as our engine's finetuning."""

    def __init__(self, count, batch_size, seed):
        if count <= 0 or batch_size <= 0:
            raise ValueError("nothing to batch")
        self.count, self.batch_size, self.seed = count, batch_size, seed
        self._cache = (None, None)

    def _perm(self, epoch):
        if self._cache[0] != epoch:
            self._cache = (epoch, splitmix_permutation(self.count, (self.seed + epoch * 0x9E3779B97F4A7C15) & MASK64))
        return self._cache[1]

    def indices(self, step):
        out, position = [], step * self.batch_size
        while len(out) < self.batch_size:
            out.append(self._perm(position // self.count)[position % self.count])
            position += 1
        return out


class GlobalBatchSampler(torch.utils.data.distributed.DistributedSampler):
    """A DistributedSampler whose global batch of step s is BatchOrder's batch s, split over
    the processes (rank r takes examples r, r+W, …): what the whole job sees per step does
    not depend on how many processes there are, and resuming at a step needs no epoch."""

    def __init__(self, order, num_replicas, rank, start_step, steps):
        self.order, self.num_replicas, self.rank = order, num_replicas, rank
        self.start_step, self.steps = start_step, steps
        self.epoch = 0

    def __iter__(self):
        for s in range(self.start_step, self.steps):
            yield s, self.order.indices(s)[self.rank::self.num_replicas]

    def __len__(self):
        return max(0, self.steps - self.start_step)
