#!/usr/bin/env bash
# The README's results tables (issue 4), from real data, in one command: `make results`.
# Trains every model a table needs (stages a run already has are skipped, so a second
# call only evaluates) and writes one markdown table per dataset to $RESULTS_DIR.
#   movielens-100k          tp, soft, xattn, xattn+perceiver (full), xattn (enc), and the
#                           random-encoder ablation; next item + favourite genre
#   movielens-latest-small  xattn+perceiver, tp and xattn at windows of 50 and 200 events
#   amazon-gift-cards       tp vs xattn on review generation (ROUGE)
# With PRESET=smol (`make results-smol`) the LLM is SmolLM2-135M-Instruct and the tables
# gain its rows: TP zero-shot, and the four strategies of xattn+perceiver; 10 beams and the
# first 200 users by default (a SmolLM2 answer costs ~100x a `small` one on 2 cores).
# Usage: scripts/results.sh [movielens-100k|movielens-latest-small|amazon-gift-cards]...
# Env: USERLLM_TEST_DATA (datasets, default ../shared/data), RUNS (default results/runs),
#      RESULTS_DIR (default results), PRESET (default small), LIMIT (users; default all),
#      BEAMS (next-item beam width, default 30), STEPS (train, eval or both; default both).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${USERLLM_TEST_DATA:-../shared/data}
runs=${RUNS:-results/runs}
out=${RESULTS_DIR:-results}
preset=${PRESET:-small}
bin=.build/release/userllm
steps=${STEPS:-train,eval}
limit=()
if [[ -n "${LIMIT:-}" ]]; then limit=(--limit "$LIMIT"); fi
# 10 beams spend their slots on prefixes many titles share and miss titles the model
# ranks higher; 30 find about twice the hits (README, "Results").
beams=${BEAMS:-30}
smol=false
if [[ $preset == smol ]]; then
    smol=true
    beams=${BEAMS:-10}
    if [[ -z "${LIMIT:-}" ]]; then limit=(--limit 200); fi
fi
mkdir -p "$runs" "$out"

# train RUN DATASET_DIR [train options...] -- MODEL_FLAGS; MODEL_FLAGS...
train() {
    [[ $steps == *train* ]] || return 0
    local run=$1 dir=$2; shift 2
    local common=()
    while [[ $# -gt 0 && $1 != -- ]]; do common+=("$1"); shift; done
    shift
    for model in "$@"; do
        # shellcheck disable=SC2086  # a model's flags are words
        "$bin" train --dataset "$(basename "$dir")" --data-dir "$dir" --preset "$preset" --run "$run" "${common[@]}" $model
    done
}

# evaluate RUN TITLE FILE [eval options...]
evaluate() {
    [[ $steps == *eval* ]] || return 0
    local run=$1 title=$2 file=$3; shift 3
    local started=$SECONDS
    {
        echo "### $title"
        echo
        "$bin" eval --run "$run" --markdown --beams "$beams" "${limit[@]}" "$@" | sed -n '/^|/p'
        echo
        echo "Evaluated in $((SECONDS - started)) s with $beams next-item beams; run: \`$run\`."
    } > "$out/$file.tmp"
    mv "$out/$file.tmp" "$out/$file"
    cat "$out/$file"
}

datasets=("$@")
[[ ${#datasets[@]} -gt 0 ]] || datasets=(movielens-100k movielens-latest-small amazon-gift-cards)
for name in "${datasets[@]}"; do
    dir="$data/$name"
    [[ -d $dir ]] || { echo "error: $dir is missing (set USERLLM_TEST_DATA)" >&2; exit 1; }
    case $name in
    movielens-100k)
        run="$runs/ml-100k-$preset"
        if $smol; then
            train "$run" "$dir" -- "--mode xattn --perceiver" "--mode tp --strategy zeroshot" "--mode tp" \
                "--mode xattn --perceiver --strategy enc" "--mode xattn" "--mode soft" \
                "--mode xattn --perceiver --strategy lora" "--mode xattn --perceiver --strategy proj"
        else
            train "$run" "$dir" -- "--mode xattn --perceiver" "--mode tp" "--mode soft" "--mode xattn" \
                "--mode xattn --strategy enc" "--mode xattn --random-encoder"
        fi
        evaluate "$run" "MovieLens-100K, preset $preset, window 50" movielens-100k.md
        ;;
    movielens-latest-small)
        for window in 50 200; do
            run="$runs/ml-latest-small-$preset-w$window"
            if $smol; then
                # 200-event SmolLM2 prompts (~7,800 tokens) train one example a step: attention
                # recomputes its probabilities in the backward pass (they would be 60+ GiB).
                train "$run" "$dir" --window "$window" -- "--mode xattn --perceiver" "--mode tp --strategy zeroshot" "--mode tp"
            else
                train "$run" "$dir" --window "$window" -- "--mode xattn --perceiver" "--mode tp" "--mode xattn"
            fi
            evaluate "$run" "movielens-latest-small, preset $preset, window $window" "movielens-latest-small-w$window.md"
        done
        ;;
    amazon-gift-cards)
        run="$runs/gift-cards-$preset"
        if $smol; then
            train "$run" "$dir" --tasks review -- "--mode xattn" "--mode tp" "--mode tp --strategy zeroshot"
        else
            train "$run" "$dir" --tasks review -- "--mode xattn" "--mode tp"
        fi
        evaluate "$run" "Amazon Gift Cards, preset $preset, review generation" amazon-gift-cards.md --no-baselines
        ;;
    *) echo "error: no results recipe for '$name'" >&2; exit 1 ;;
    esac
done
