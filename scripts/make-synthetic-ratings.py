#!/usr/bin/env python3
"""Writes a synthetic MovieLens ml-20m-format folder (movies.csv + ratings.csv) for the
loading benchmark (`userllm data bench --synthetic DIR`). Same columns, header, sort order
(userId, then movieId), half-star ratings and Unix-second timestamps as ml-20m; the values
are random (seeded), so nothing of a real dataset is copied.

usage: make-synthetic-ratings.py OUT_DIR [--rows 20000000] [--users 138493] [--movies 27278] [--seed 0]
"""
import argparse, os
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--rows", type=int, default=20_000_000)
p.add_argument("--users", type=int, default=138_493)   # ml-20m's user count
p.add_argument("--movies", type=int, default=27_278)   # ml-20m's movie count
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
os.makedirs(a.out, exist_ok=True)

genres = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
movie_ids = np.sort(rng.choice(np.arange(1, 140_000), size=a.movies, replace=False))
with open(os.path.join(a.out, "movies.csv"), "w") as f:
    f.write("movieId,title,genres\n")
    for m in movie_ids.tolist():
        g = "|".join(sorted(rng.choice(genres, size=int(rng.integers(1, 4)), replace=False)))
        f.write(f'{m},"Synthetic Movie {m}, The ({1900 + m % 118})",{g}\n')

# At least 20 ratings per user (like ml-20m), the rest spread with a long tail.
extra = rng.zipf(1.6, size=a.users).astype(np.float64)
extra = extra / extra.sum() * (a.rows - 20 * a.users)
counts = 20 + np.floor(extra).astype(np.int64)
counts[: a.rows - counts.sum()] += 1
counts = np.minimum(counts, a.movies)
counts[-1] += a.rows - counts.sum()
popularity = 1.0 / np.arange(1, a.movies + 1) ** 0.8
popularity /= popularity.sum()
# Vectorised: popularity-weighted movies (a repeat within a user is possible, unlike
# ml-20m; irrelevant to parsing speed), rows sorted by (userId, movieId) as in ml-20m.
users = np.repeat(np.arange(1, a.users + 1), counts)
movies = movie_ids[rng.choice(a.movies, size=a.rows, p=popularity)]
order = np.lexsort((movies, users))
users, movies = users[order], movies[order]
ratings = rng.integers(1, 11, size=a.rows) / 2.0
times = np.repeat(rng.integers(824_000_000, 1_420_000_000, size=a.users), counts) + rng.integers(0, 86_400 * 365, size=a.rows)
chunk = 1_000_000
with open(os.path.join(a.out, "ratings.csv"), "w") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for s0 in range(0, a.rows, chunk):
        sl = slice(s0, s0 + chunk)
        f.write("".join(f"{u},{m},{r},{t}\n" for u, m, r, t in
                        zip(users[sl].tolist(), movies[sl].tolist(), ratings[sl].tolist(), times[sl].tolist())))
        print(f"  {min(s0 + chunk, a.rows):,} / {a.rows:,} rows", flush=True)
print(f"wrote {a.rows:,} ratings for {a.users:,} users and {a.movies:,} movies to {a.out}")
