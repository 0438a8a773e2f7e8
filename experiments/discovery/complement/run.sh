#!/usr/bin/env bash
# Searches for the term that adds to macro's library fit (issue 11, item 4): the fitness of a candidate is
# the best over w ∈ {0.25, 0.5, 1} of the train τ of w·AVT(candidate) + AVT(found_macro_pooled), where
# found_macro_pooled = activations − 0.5·flops − 0.25·nwot (the library fit; library:<proxy> partner).
# Three seeds, 2,000 evaluations each, whole macro split; then one pooled fit over their candidates:
#   python experiments/discovery/pooled/run.py --space macro --transfer --out experiments/discovery/complement/pooled \
#       --runs experiments/discovery/complement/macro_seed{0,1,2}
# With EXTRA="U M" the search may also draw the opt-in layer terminals U (output units) and M (MACs); the runs
# are then macro_um_seed<s>:
#   EXTRA="U M" bash experiments/discovery/complement/run.sh experiments/discovery/complement 0 1 2
# Usage: [EXTRA="U M"] bash experiments/discovery/complement/run.sh [OUT_ROOT] [SEED ...]
set -euo pipefail
root=${1:-runs/discovery_complement}
shift || true
seeds=("${@:-0 1 2}")
extra=()
name=macro_seed
if [[ -n "${EXTRA:-}" ]]; then
  read -r -a terminals <<< "$EXTRA"
  extra=(--extra-terminals "${terminals[@]}")
  name=macro_$(echo "$EXTRA" | tr -d ' ' | tr '[:upper:]' '[:lower:]')_seed
fi
common=(--space macro --archs 0 --samples 50 --repeats 10 --generations 50 --population 40 --budget 2000
        --workers 1 --partner proxy:found_macro_pooled --partner-weights 0.25 0.5 1 --no-progress)
for seed in ${seeds[@]}; do
  zeroseg discover "${common[@]}" "${extra[@]}" --seed "$seed" --out "$root/$name$seed"
done
