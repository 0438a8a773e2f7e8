#!/usr/bin/env bash
# One proxy for micro and macro at once (issue 11, item 5): fitness = the lower of the two mean train τ;
# the found proxy is fitted on both train splits and judged on each test split.
# Usage: bash experiments/discovery/joint/run.sh [OUT]
set -euo pipefail
out=${1:-runs/discovery_joint}
zeroseg stats --space micro macro --workers 2
zeroseg discover-joint --seed 0 --archs 0 --samples 50 --repeats 10 --generations 10 --population 20 \
    --workers 1 --compare-random --no-progress --bootstrap 1000 --out "$out"
