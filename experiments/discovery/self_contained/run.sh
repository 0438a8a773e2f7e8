#!/usr/bin/env bash
# Self-contained discovery on whole splits (issue 11): the found proxy is a weighted AVT sum of evolved DSL
# terms and zeroseg's own proxies, fitted on train folds; every reference and the transfer tables in report.json.
# Usage: bash experiments/discovery/self_contained/run.sh SPACE SEED [OUT_ROOT]
set -euo pipefail
space=$1; seed=$2; root=${3:-runs/discovery_self_contained}
zeroseg stats --space micro macro --workers 2
zeroseg discover --space "$space" --seed "$seed" --archs 0 --samples 50 --repeats 10 \
    --generations 30 --population 20 --workers 2 --compare-random --transfer --no-progress \
    --out "$root/${space}_seed${seed}"
