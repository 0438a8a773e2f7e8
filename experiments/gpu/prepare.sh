#!/usr/bin/env bash
# Run on the CPU machine before the device call: puts what the GPU machine lacks into the ignored
# folder .cache/gpu_carry (name it in the run's `carry`): deap (pure Python; the GPU image has no
# deap and reaches no registry) and a JPEG copy of CamVid train+val (~37 MiB; ../shared does not travel).
#   bash experiments/gpu/prepare.sh [CAMVID_DIR]     (default $ZEROSEG_CAMVID, else ../shared/data/camvid)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
CARRY=.cache/gpu_carry
SRC="${1:-${ZEROSEG_CAMVID:-$ROOT/../shared/data/camvid}}"
mkdir -p "$CARRY/site"
DEAP="$(python3 -c 'import deap, os; print(os.path.dirname(deap.__file__))')"
rm -rf "$CARRY/site/deap" && cp -r "$DEAP" "$CARRY/site/deap"
find "$CARRY/site" -name __pycache__ -prune -exec rm -rf {} +
if [ ! -f "$CARRY/camvid/val.txt" ]; then
  PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" python3 experiments/gpu/minicamvid.py "$SRC" "$CARRY/camvid"
fi
echo "prepared $CARRY ($(du -sh "$CARRY" | cut -f1)); device run: carry [\"$CARRY\"], command: bash experiments/gpu/check.sh --out \$OUT"
