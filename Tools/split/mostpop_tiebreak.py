#!/usr/bin/env python3
"""Most-popular Recall@10 / NDCG@10 on a RecBole .inter file under two timestamp tie rules.

An independent re-implementation (plain Python, no userllm code) of the protocol userllm
uses: per user, events sorted by time; the last event is the test target, the one before it
validation, the rest training. Popularity counts training events; every item the user rated
before the target is masked; ties in popularity go to the lower position in the catalogue
(.item order, as MostPopular does). The two tie rules for equal timestamps:

  file  - keep the order of rows in the .inter file (userllm's rule)
  item  - order tied events by item id (numeric when the ids are numbers)
  random - order tied events at random (seeds 0-4, mean): a tie rule with no bias

In MovieLens-100K item ids follow the catalogue's order and low ids are the popular
1995-96 titles, so breaking ties by item id makes the test item the higher-id (less
popular) movie more often; file order behaves like the random rule.

Usage: mostpop_tiebreak.py DIR   (DIR holds <name>.inter and <name>.item)
"""
import math
import os
import sys
from collections import defaultdict


def load(directory):
    names = sorted(os.listdir(directory))
    inter = next(n for n in names if n.endswith(".inter"))
    item_file = next((n for n in names if n.endswith(".item")), None)
    rows = []
    with open(os.path.join(directory, inter), encoding="utf-8") as f:
        header = [h.split(":")[0] for h in f.readline().rstrip("\n").split("\t")]
        u, i, t = header.index("user_id"), header.index("item_id"), header.index("timestamp")
        for n, line in enumerate(f):
            fields = line.rstrip("\n").split("\t")
            rows.append((fields[u], fields[i], int(float(fields[t])), n))
    catalogue = []
    if item_file:
        with open(os.path.join(directory, item_file), encoding="utf-8") as f:
            f.readline()
            catalogue = [line.split("\t", 1)[0] for line in f if line.strip()]
    seen = set(catalogue)
    for _, item, _, _ in rows:
        if item not in seen:
            seen.add(item)
            catalogue.append(item)
    return rows, catalogue


def item_key(item):
    return (0, int(item), "") if item.isdigit() else (1, 0, item)


def evaluate(rows, catalogue, rule, k=10, seed=0):
    import random
    rng = random.Random(seed)
    noise = [rng.random() for _ in rows]
    by_user = defaultdict(list)
    for row in rows:
        by_user[row[0]].append(row)
    timelines = {}
    for user, events in by_user.items():
        if rule == "file":
            events.sort(key=lambda r: (r[2], r[3]))
        elif rule == "random":
            events.sort(key=lambda r: (r[2], noise[r[3]]))
        else:
            events.sort(key=lambda r: (r[2], item_key(r[1]), r[3]))
        timelines[user] = [r[1] for r in events]
    counts = defaultdict(int)
    for items in timelines.values():
        for item in items[:max(0, len(items) - 2)]:
            counts[item] += 1
    position = {item: n for n, item in enumerate(catalogue)}
    order = sorted(catalogue, key=lambda it: (-counts[it], position[it]))
    hits = ndcg = users = 0
    tied_last = 0
    for user, items in timelines.items():
        if len(items) < 2:
            continue
        users += 1
        target, history = items[-1], set(items[:-1])
        top = []
        for it in order:
            if it not in history:
                top.append(it)
                if len(top) == k:
                    break
        if target in top:
            hits += 1
            ndcg += 1 / math.log2(top.index(target) + 2)
    return users, hits / users, ndcg / users


def tied_last_share(rows):
    by_user = defaultdict(list)
    for row in rows:
        by_user[row[0]].append(row[2])
    tied = sum(1 for ts in by_user.values() if len(ts) >= 2 and sorted(ts)[-1] == sorted(ts)[-2])
    return tied, len(by_user)


def main():
    rows, catalogue = load(sys.argv[1])
    tied, users = tied_last_share(rows)
    print(f"users whose last two events share a timestamp: {tied} of {users} ({100 * tied / users:.1f}%)")
    for rule in ("file", "item"):
        n, recall, ndcg = evaluate(rows, catalogue, rule)
        print(f"tie rule {rule:6s}: most-popular Recall@10 {recall:.4f}  NDCG@10 {ndcg:.4f}  ({n} users)")
    runs = [evaluate(rows, catalogue, "random", seed=s) for s in range(5)]
    recalls = [r[1] for r in runs]
    print(f"tie rule random: most-popular Recall@10 {sum(recalls) / 5:.4f} (seeds 0-4: "
          + ", ".join(f"{r:.4f}" for r in recalls) + f")  NDCG@10 {sum(r[2] for r in runs) / 5:.4f}")


if __name__ == "__main__":
    main()
