#!/usr/bin/env bash
# Macro discovery at 4,000 evaluations per search (issue 11): evolution against random search at equal
# budget, 3 seeds, with SasWOT's vocabulary (macro_seed<s>) and with the opt-in terminals U and M
# (macro_um_seed<s>); every run with --transfer and the full references. Then the tables:
#   python experiments/discovery/seeds/summarize.py --runs experiments/discovery/budget/macro_seed{0,1,2} \
#       --budgets 400 1000 2000 3000 4000 --csv experiments/discovery/budget/macro.csv
# Usage: bash experiments/discovery/budget/run.sh [OUT_ROOT]
set -euo pipefail
root=${1:-runs/discovery_budget}
zeroseg stats --space micro macro --workers 2
common=(--space macro --archs 0 --samples 50 --repeats 10 --generations 100 --population 40 --workers 1
        --compare-random --transfer --no-progress)
for seed in 0 1 2; do
  zeroseg discover "${common[@]}" --seed "$seed" --out "$root/macro_seed$seed"
  zeroseg discover "${common[@]}" --seed "$seed" --extra-terminals U M --out "$root/macro_um_seed$seed"
done
