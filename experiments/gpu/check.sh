#!/usr/bin/env bash
# The prepared single-GPU check of issue 16 (see experiments/gpu/README.md).
#   bash experiments/gpu/check.sh --out "$OUT"      # on one GPU: <= 8 minutes, report.json + report.md
#   bash experiments/gpu/check.sh --smoke           # on CPU: the same stages at tiny sizes, seconds
# Works from `pip install -e .` or a bare checkout: the repo (and .cache/gpu_carry/site, where
# experiments/gpu/prepare.sh puts packages the GPU machine lacks) go on PYTHONPATH.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
export PYTHONPATH="$ROOT/.cache/gpu_carry/site:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" experiments/gpu/check.py "$@"
