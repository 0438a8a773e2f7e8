#!/usr/bin/env bash
# Issue 6 check: a genotype of a registered space (GAS, the paper whose recipe zeroseg train follows)
# trains on CamVid at 192x256 for 10 minutes on CPU; val mIoU vs. the constant predictor.
# Checkpoints go to $RUN_DIR (outside the repo); CSV/JSON/PNG results to $RESULTS (default runs/train_camvid).
# Knobs for a smoke run: BUDGET (seconds), LIMIT (train/val samples), THREADS, RUN_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
EXP=experiments/train_camvid
RES=${RESULTS:-runs/train_camvid}  # the committed results: RESULTS=$EXP/results
ROOT=${ZEROSEG_CAMVID:-$(cd .. && pwd)/shared/data/camvid}
RUN=${RUN_DIR:-/tmp/zeroseg_train_camvid}
BUDGET=${BUDGET:-600}
THREADS=${THREADS:-1}
LIMIT_ARGS=${LIMIT:+--limit $LIMIT}
mkdir -p "$RES"
rm -rf "$RUN"

# Widths pinned (GAS's defaults when this was run; they later changed to 24/256): the sidecar stores
# them, so eval/export rebuild exactly the trained network.
OPTS=(--space-opt channels=16 --space-opt head_channels=128)
python -c "import numpy as np; from zeroseg.spaces import create_space; s = create_space('gas', channels=16, \
head_channels=128); print(s.encode(s.sample(np.random.default_rng(0))))" > "$RES/genotype.txt"

zeroseg train --space gas "${OPTS[@]}" --genotype-file "$RES/genotype.txt" --dataset camvid --data-root "$ROOT" \
  --input-size 192 256 --scale-range 0.75 1.5 --time-budget "$BUDGET" --batch-size 8 --lr 0.02 \
  --seed 0 --device cpu --threads "$THREADS" --workers 1 --ckpt-every 100 --out "$RUN" $LIMIT_ARGS

zeroseg eval --checkpoint "$RUN" --split val --data-root "$ROOT" --threads "$THREADS" \
  --fps --fps-size 360 480 --fps-runs 30 --panel 4 --out "$RES" $LIMIT_ARGS

cp "$RUN/train_log.csv" "$RUN/loss.png" "$RUN/model.json" "$RES/"
python "$EXP/summarise.py" --data-root "$ROOT" --results "$RES"
