#!/usr/bin/env bash
# End-to-end test of userllm-tui in a real terminal (tmux) on MovieLens-100K:
# 1. browsing without a model (--no-train): select a user, move the cut, switch tabs,
#    gates, attention, help, filter, resize, quit — checking the captured screen at each
#    step — then SIGTERM and Ctrl-C, checking each time that the terminal is sane
#    afterwards (`stty -a` unchanged);
# 2. the first run (--preset tiny, empty $USERLLM_HOME): the explorer opens at once and
#    trains in the background; the cut moves meanwhile; the encoder-alone answer
#    appears; q mid-training saves a checkpoint; relaunch resumes (finished stages not
#    retrained) and finishes; the task panel shows every mode's answers, gates,
#    attention; relaunch with the trained run opens it without training.
# Prints launch-to-first-frame and keypress-to-screen times as seen through tmux.
#
# usage: scripts/tui-e2e.sh [path/to/userllm-tui] [dataset-dir]
# env:   USERLLM_TEST_DATA (default ../shared/data), KEEP=1 keeps the temp folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/.build/release/userllm-tui}
data=${2:-${USERLLM_TEST_DATA:-$root/../shared/data}/movielens-100k}
[ -x "$bin" ] || { echo "FAIL: no executable at $bin (swift build first)"; exit 2; }
[ -f "$data/ml-100k.inter" ] || { echo "FAIL: MovieLens-100K not found at $data"; exit 2; }
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }

tmp=$(mktemp -d)
sock="userllm-e2e-$$"
T() { tmux -L "$sock" "$@"; }
# The panes' shells may still be writing as the server goes down: retry the removal.
cleanup() {
  T kill-server 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp"; } || true; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- screen ---"; T capture-pane -p -t e2e || true; exit 1; }
now() { date +%s%N; }
screen() { T capture-pane -p -t e2e; }

# wait_for TEXT [timeout-s]: polls the screen until it shows TEXT; sets $waited_ms.
wait_for() {
  local text=$1 limit=${2:-10} t0; t0=$(now)
  while :; do
    if screen | grep -qF -- "$text"; then waited_ms=$(( ($(now) - t0) / 1000000 )); return 0; fi
    (( ($(now) - t0) / 1000000000 >= limit )) && fail "timed out waiting for: $text"
    sleep 0.005
  done
}
# key KEYS... EXPECTED: sends keys, waits for EXPECTED, records the time.
key_times=()
key() {
  local expect=${*: -1} t0; t0=$(now)
  T send-keys -t e2e "${@:1:$#-1}"
  wait_for "$expect"
  key_times+=( $(( ($(now) - t0) / 1000000 )) )
  echo "ok  ${*:1:$#-1} -> '$expect' (${key_times[-1]} ms)"
}
# wait_file FILE [timeout-s]: the shell writes FILE once the explorer has exited. Quitting
# mid-training first finishes the step and saves the checkpoint, which takes seconds on a
# loaded machine: the wait is long, and returns as soon as the file is there.
wait_file() {
  local t0; t0=$(now)
  until [ -s "$1" ]; do
    (( ($(now) - t0) / 1000000000 >= ${2:-60} )) && fail "no $1"
    sleep 0.01
  done
}

T new-session -d -s e2e -x 100 -y 30 "env -i HOME=$tmp TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin bash --norc --noprofile"
T send-keys -t e2e "stty -a > $tmp/stty.before" Enter
wait_file "$tmp/stty.before"

launch() {  # launch NAME: starts the explorer, waits for its first frame
  rm -f "$tmp/exit.$1" "$tmp/stty.$1"
  local t0; t0=$(now)
  T send-keys -t e2e "clear; '$bin' --data-dir '$data' --no-train --trace '$tmp/trace.txt'; echo \$? > $tmp/exit.$1; stty -a > $tmp/stty.$1" Enter
  wait_for "Users (943)" 20
  launch_ms=$(( ($(now) - t0) / 1000000 ))
  echo "ok  launch -> first frame ($launch_ms ms)"
}
check_sane() {  # check_sane NAME EXPECTED-EXIT
  wait_file "$tmp/stty.$1"
  [ "$(cat "$tmp/exit.$1")" = "$2" ] || fail "$1: exit status $(cat "$tmp/exit.$1"), expected $2"
  diff "$tmp/stty.before" "$tmp/stty.$1" >/dev/null || { diff "$tmp/stty.before" "$tmp/stty.$1"; fail "$1: terminal modes changed"; }
  echo "ok  $1: exit $2, stty -a unchanged"
}

# --help names the cache folder as resolved from $HOME (env -i: only HOME is set).
env -i HOME="$tmp/fakehome" "$bin" --help | grep -qF "$tmp/fakehome/.cache/userllm" || fail "userllm-tui --help does not name \$HOME/.cache/userllm"
env -i HOME="$tmp/fakehome" XDG_CACHE_HOME="$tmp/xdg" "$bin" --help | grep -qF "$tmp/xdg/userllm" || fail "userllm-tui --help ignores XDG_CACHE_HOME"
if [ -x "$(dirname "$bin")/userllm" ]; then
  env -i HOME="$tmp/fakehome" "$(dirname "$bin")/userllm" train --help | grep -qF "$tmp/fakehome/.cache/userllm" || fail "userllm train --help does not name the cache folder"
fi
echo "ok  --help names the cache folder from HOME / XDG_CACHE_HOME"

launch main
first_launch_ms=$launch_ms
screen | grep -qF "Timeline · user 1 · 272 events" || fail "user 1 not selected first"
key j j "Timeline · user 3 · 54 events"
key h h "target #52/54"
key l "target #53/54"
key Tab k k Enter "target #51/54"
key 2 "2 favourite genre"
screen | grep -qF "No trained run for movielens-100k" || fail "task panel must say there is no run"
key 3 "has no review text"
key g "Gates · tanh(α)"
key a "Attention ·"
key 1 "Tasks"
key '?' "any other key closes"
key Escape "Users (943)"
key / 4 2 Enter "/42"
screen | grep -qE "Users [0-9]+/943" || fail "filter count missing"
key Escape "Users (943)"
screen | grep -qF "Timeline · user 6 · 211 events" || fail "the filter should have selected user 6 (age 42), the first match"
T resize-window -t e2e -x 80 -y 24; wait_for "target #211/211"
[ "$(screen | sed -n 2p | tr -d '\n' | LC_ALL=C.UTF-8 wc -m)" -eq 80 ] || fail "frame is not 80 columns wide"
echo "ok  resize to 80x24"
T resize-window -t e2e -x 50 -y 12; wait_for "Terminal too small"
echo "ok  resize to 50x12 says too small"
T resize-window -t e2e -x 100 -y 30; wait_for "target #211/211"
echo "ok  resize back to 100x30"
T send-keys -t e2e q
check_sane main 0

# A signal must restore the terminal too: SIGTERM to the process we started, then Ctrl-C.
launch term
# By parent, not name: the BLAS relaunch execs /proc/self/exe, so the name can be "exe".
pid=$(pgrep -n -P "$(T display -p -t e2e '#{pane_pid}')") || fail "no userllm-tui process"
kill -TERM "$pid"
check_sane term 143
launch int
T send-keys -t e2e C-c
check_sane int 130

# First run: no run in an empty home → the explorer opens at once and trains in the
# background (preset tiny): users pane within 2 s, the cut moves while training runs, the
# encoder-alone answer appears, q mid-training saves a checkpoint, relaunch resumes.
home="$tmp/home"
# tiny with a longer LM stage (tiny trains in seconds): long enough to quit during it.
preset="$tmp/tiny-e2e.json"
python3 - "$root/Assets/presets/tiny.json" "$preset" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["name"] = "tiny-e2e"
p["stages"]["lm"]["steps"] = 400
p["stages"]["lm"]["evalEvery"] = 200
json.dump(p, open(sys.argv[2], "w"))
PY
run="$home/runs/movielens-100k-tiny-e2e"
first() {  # first NAME: starts the explorer on the empty (or partly trained) home
  rm -f "$tmp/exit.$1" "$tmp/stty.$1"
  first_t0=$(now)
  T send-keys -t e2e "clear; USERLLM_HOME='$home' '$bin' --data-dir '$data' --preset '$preset' --trace '$tmp/trace.$1.txt'; echo \$? > $tmp/exit.$1; stty -a > $tmp/stty.$1" Enter
}
first train1
wait_for "Users (943)" 2
train_launch_ms=$(( ($(now) - first_t0) / 1000000 ))
echo "ok  no run: the explorer opens at once (${train_launch_ms} ms to the users pane)"
wait_for "training encoder" 30
echo "ok  status bar shows the background job"
key h "target #271/272"
key l "target #272/272"
# Navigation while training runs (frames traced in-process: --trace).
for u in 2 3 4 5 6 7 8; do key j "Timeline · user $u ·"; done
for u in 7 6 5 4 3 2 1; do key k "Timeline · user $u ·"; done
key h h h "target #269/272"
key l l l "target #272/272"
echo "ok  the cut and the user move while training runs"
t0=$(now)
until screen | grep -qE "Encoder +[✓✗] "; do
  (( ($(now) - t0) / 1000000000 >= 300 )) && fail "no encoder-alone answer appeared"
  sleep 0.1
done
echo "ok  the encoder-alone answer appeared ($(( ($(now) - t0) / 1000000 )) ms after the first frame's checks)"
screen | grep -qE "Cross-attn\+P +. (queued for training|training )" || fail "the Perceiver column shows no training state"
echo "ok  untrained models' columns show their training state"
key t "tokens/s"
screen | grep -qF "stage ETA" || fail "no ETA on the training screen"
screen | grep -qF "s/step" || fail "no recent pace on the training screen"
T send-keys -t e2e Escape
wait_for "Users (943)" 5
echo "ok  t opens the training screen (pace, ETA); any key returns"
# Quit mid-training, in the LM stage (after the encoder and the tokenizer).
t0=$(now)
until screen | grep -qE "training lm [1-9][0-9]*/"; do
  (( ($(now) - t0) / 1000000000 >= 300 )) && fail "the lm stage did not start"
  sleep 0.1
done
T send-keys -t e2e q
check_sane train1 0
ls "$run"/checkpoints/*.resume.safetensors >/dev/null 2>&1 || fail "no resume checkpoint after quitting mid-training"
echo "ok  q during training saved $(basename "$(ls "$run"/checkpoints/*.resume.safetensors)")"
first train2
wait_for "Users (943)" 2
key t "encoder  (already trained)"
screen | grep -qE "lm +step [0-9]+/" || true
echo "ok  relaunch resumes: finished stages are not trained again"
T send-keys -t e2e Escape
wait_for "Users (943)" 5
# The encoder is trained: its answer comes at once, before the rest of training.
wait_for "Encoder" 10
t0=$(now)
until grep -q "stage lm start" "$run"/log.txt && [ "$(grep -c "stage lm start" "$run"/log.txt)" -ge 2 ]; do
  (( ($(now) - t0) / 1000000000 >= 60 )) && fail "the lm stage did not resume"
  sleep 0.1
done
grep -q "stage encoder start" "$run"/log.txt
[ "$(grep -c "stage encoder start" "$run"/log.txt)" -eq 1 ] || fail "the encoder trained twice"
echo "ok  the lm stage resumed from its checkpoint; the encoder was not retrained"
# Every model answers as soon as it is trained; wait for the last (soft prompt).
t0=$(now)
all_answer() {
  screen > "$tmp/tasks.txt"
  for m in 'Encoder +[✓✗] ' 'Cross-attn +[✓✗] ' 'Cross-attn\+P +[✓✗] ' 'Soft prompt +[✓✗] ' 'TP +[✓✗] '; do
    grep -qE "$m" "$tmp/tasks.txt" || return 1
  done
}
until all_answer; do
  (( ($(now) - t0) / 1000000000 >= 900 )) && fail "not every mode answered after training"
  sleep 0.2
done
echo "ok  every model trained in the background and answers ($(( ($(now) - t0) / 1000000000 )) s after relaunch), with hit/miss marks"
wait_for "TP ÷ Cross-attn" 60
key h "target #271/272"
wait_for "TP ÷ Cross-attn" 60
echo "ok  results follow the cut"
key 2 "2 favourite genre"
wait_for "TP ÷ Cross-attn" 60
key g "layer 1"
screen | grep -qF "(α " || fail "gate view shows no α"
key a "Attention · Cross-attn"
wait_for "(max weight)" 30
screen | grep -qF "<|answer|>" || fail "attention rows lack the prompt tokens"
key 1 "1 next item"
T send-keys -t e2e q
check_sane train2 0
first trained
t0=$(now)
wait_for "Users (943)" 20
trained_launch_ms=$(( ($(now) - t0) / 1000000 ))
echo "ok  launch with the trained run -> first frame ($trained_launch_ms ms)"
wait_for "movielens-100k-tiny-e2e" 5
screen | grep -qF "(training)" && fail "a trained run must not train again"
T send-keys -t e2e q
check_sane trained 0

sorted=$(printf '%s\n' "${key_times[@]}" | sort -n)
n=${#key_times[@]}
echo
echo "figures (through tmux: send-keys -> screen shows the change; includes tmux and polling):"
echo "  launch to first frame: ${first_launch_ms} ms (no run, --no-train), ${train_launch_ms} ms (no run, training starts), ${trained_launch_ms} ms (tiny run)"
echo "  keypress to screen:    median $(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p") ms, max $(echo "$sorted" | tail -1) ms over $n steps"
if [ -s "$tmp/trace.train1.txt" ]; then
  # Keys pressed while the background training ran (first launch, empty home).
  awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^total_ms=/) { split($i, a, "="); print a[2] } }' "$tmp/trace.train1.txt" | sort -n > "$tmp/tt.txt"
  m=$(wc -l < "$tmp/tt.txt")
  med=$(sed -n "$(( (m + 1) / 2 ))p" "$tmp/tt.txt")
  echo "  in-process input->refresh while training (--trace, $m frames): median $med ms, p90 $(sed -n "$(( (m * 9 + 9) / 10 ))p" "$tmp/tt.txt") ms, max $(tail -1 "$tmp/tt.txt") ms"
  awk -v x="$med" 'BEGIN { exit !(x < 16) }' || fail "navigation while training: median frame $med ms (16 ms budget)"
fi
if [ -s "$tmp/trace.txt" ]; then
  awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^total_ms=/) { split($i, a, "="); print a[2] } }' "$tmp/trace.txt" | sort -n > "$tmp/t.txt"
  m=$(wc -l < "$tmp/t.txt")
  echo "  in-process input->refresh (--trace, $m frames): median $(sed -n "$(( (m + 1) / 2 ))p" "$tmp/t.txt") ms, max $(tail -1 "$tmp/t.txt") ms"
fi
echo "PASS"
