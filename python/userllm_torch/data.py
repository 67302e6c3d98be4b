"""Reads what `userllm data export-tensors` writes (Sources/UserLLM/Export/TensorExport.swift)
and makes batches exactly as our engine does: TokenBatch (prompt + answer, targets on the
answer and <|eos|>, -100 elsewhere) and EventBatch (a window of feature ids, PAD after).
No loader, tokenizer or split here: those stay in Swift.
"""
import json
import os

import torch
from safetensors.torch import load_file

IGNORE = -100
MASK64 = (1 << 64) - 1


class ExportError(Exception):
    pass


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
        ev = self._load("events.safetensors", ["timeline_offsets", "event_item", "event_rating", "item_categories"])
        self.timeline_offsets = ev["timeline_offsets"]
        self.event_item = ev["event_item"]  # int32 as stored; gathered rows are widened
        self.event_rating = ev["event_rating"]
        self.item_categories = ev["item_categories"]  # (V_item, C)
        self.parts = {}

    def _load(self, name, keys):
        path = os.path.join(self.path, name)
        if not os.path.exists(path):
            raise ExportError("%s is missing (the manifest lists it)" % path)
        try:
            tensors = load_file(path)
        except Exception as e:  # safetensors raises its own error types
            raise ExportError("%s: %s" % (path, e))
        for k in keys:
            if k not in tensors:
                raise ExportError("%s: tensor %r is missing" % (path, k))
        return tensors

    @property
    def preset(self):
        return self.manifest["preset"]

    @property
    def vocab_sizes(self):
        v = self.manifest["vocabularySizes"]
        return v["item"], v["category"], v["rating"]

    def part(self, name):
        """The examples of a part, all shards concatenated."""
        if name not in self.parts:
            if name not in self.manifest["parts"]:
                raise ExportError("%s: the manifest has no part %r" % (self.path, name))
            # Filled shard by shard into tensors sized from the manifest, each shard freed
            # after its copy: peak memory is the part plus one shard, not twice the part.
            shards = self.manifest["parts"][name]["shards"]
            n = sum(sh["examples"] for sh in shards)
            total_tokens = sum(sh["tokens"] for sh in shards)
            keys = ("user", "window_start", "target", "task", "prompt_length")
            p = {k: torch.empty(n, dtype=torch.int32) for k in keys}
            p["token_offsets"] = torch.zeros(n + 1, dtype=torch.int64)
            p["tokens"] = torch.empty(total_tokens, dtype=torch.int32)
            row, base = 0, 0
            for shard in shards:
                t = self._load(shard["file"], list(keys) + ["token_offsets", "tokens"])
                m, tk = int(t["user"].shape[0]), int(t["tokens"].shape[0])
                if m != shard["examples"] or tk != shard["tokens"] or int(t["token_offsets"][-1]) != tk:
                    raise ExportError("%s: %d examples and %d tokens, the manifest says %d and %d" % (
                        os.path.join(self.path, shard["file"]), m, tk, shard["examples"], shard["tokens"]))
                for k in keys:
                    p[k][row:row + m] = t[k]
                p["token_offsets"][row + 1:row + m + 1] = t["token_offsets"][1:] + base
                p["tokens"][base:base + tk] = t["tokens"]
                row, base = row + m, base + tk
                del t
            p["answer_length"] = ((p["token_offsets"][1:] - p["token_offsets"][:-1]) - p["prompt_length"]).int()
            self.parts[name] = p
        return self.parts[name]

    def count(self, part):
        return int(self.part(part)["user"].shape[0])

    def target_counts(self, part, indices):
        """Loss tokens of each example: its answer and <|eos|>."""
        return self.part(part)["answer_length"][torch.as_tensor(indices, dtype=torch.long)]

    def batch(self, part, indices, device="cpu"):
        """(tokens (B, T), targets (B, T), events dict) of the examples, as TokenBatch and
        EventBatch(examples:) build them."""
        p = self.part(part)
        pad = int(self.manifest["padToken"])
        seqs = [p["tokens"][p["token_offsets"][i]:p["token_offsets"][i + 1]] for i in indices]
        t = max(1, max(len(s) - 1 for s in seqs))
        tokens = torch.full((len(seqs), t), pad, dtype=torch.long)
        targets = torch.full((len(seqs), t), IGNORE, dtype=torch.long)
        for b, (i, s) in enumerate(zip(indices, seqs)):
            n = len(s) - 1
            tokens[b, :n] = s[:n]
            first = int(p["prompt_length"][i]) - 1  # targets at positions whose next token is an answer token
            targets[b, first:n] = s[first + 1:n + 1]
        idx = torch.as_tensor(indices, dtype=torch.long)
        events = self.windows(p["user"][idx].long(), p["window_start"][idx].long(), p["target"][idx].long())
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
    chunk = 1 << 20
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
