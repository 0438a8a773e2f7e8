#!/usr/bin/env bash
# Evolution vs random search at equal budget (600 evaluations), seeds 1 and 2 of each space (issue 11);
# seed 0 is experiments/discovery/self_contained/<space>_seed0 (same flags plus --transfer --bootstrap 1000).
# Usage: bash experiments/discovery/seeds/run.sh [OUT_ROOT]   (then summarize.py reads experiments/discovery/seeds)
set -euo pipefail
root=${1:-runs/discovery_seeds}
zeroseg stats --space micro macro --workers 2
for space in macro micro; do for seed in 1 2; do
  zeroseg discover --space "$space" --seed "$seed" --archs 0 --samples 50 --repeats 10 --generations 30 \
      --population 20 --workers 2 --compare-random --no-progress --bootstrap 200 --out "$root/${space}_seed${seed}"
done; done
