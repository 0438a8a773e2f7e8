"""Check every found block of every discovery report for the references a reviewer raises (issue 11).

    python experiments/discovery/check_reports.py [ROOT]   (default experiments/discovery)

A found block is a dict holding ``references`` and ``margin``. Each must carry single proxies, the best
own AVT pair and triple, ridge and boosted trees over our scores, and an encoding predictor, each with a
paired 95% CI; its margin must be over the strongest self-contained proxy or linear reference (by mean
test τ). Blocks without transfer tables (in the block or its report) are listed; that is by design for
random-search blocks and runs made without ``--transfer``. Exit status 1 if a required part is missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

NEEDED_KINDS = {"single", "avt_pair", "avt_triple", "ridge", "gbt"}
LINEAR_OR_PROXY = ("single", "avt_pair", "avt_triple", "ridge")


def blocks(d: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(d, dict):
        if "references" in d and "margin" in d:
            yield path, d
        for k, v in d.items():
            yield from blocks(v, f"{path}.{k}")
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from blocks(v, f"{path}[{i}]")


def problems(block: dict) -> list[str]:
    refs = block["references"]
    names = {r["name"] for r in refs}
    out = [f"no {k} reference" for k in sorted(NEEDED_KINDS - {r["kind"] for r in refs})]
    out += [f"no {n}" for n in ("ridge[ours]", "gbt[ours]") if n not in names]
    if not any("encoding" in n for n in names):
        out.append("no encoding predictor")
    out += [f"{r['name']}: no paired CI" for r in refs if len(r["found_minus_reference"]["ci95"]) != 2]
    own = [r for r in refs if r["self_contained"] and r["kind"] in LINEAR_OR_PROXY]
    top = max(own, key=lambda r: r["test"]["kendall_mean"])["name"] if own else None
    if block["margin"]["over"] != top:
        out.append(f"margin over {block['margin']['over']}, strongest self-contained is {top}")
    return out


def main(argv: list[str] | None = None) -> int:
    root = Path((argv or sys.argv[1:] or ["experiments/discovery"])[0])
    files = sorted(root.glob("**/report.json"))
    if not files:
        print(f"[check] no report.json under {root}", file=sys.stderr)
        return 2
    n = bad = 0
    for f in files:
        report = json.loads(f.read_text())
        for path, block in blocks(report):
            n += 1
            found = problems(block)
            bad += bool(found)
            transfer = "" if "transfer" in block or "transfer" in report else "  (no transfer tables)"
            print(f"{'PROBLEM' if found else 'ok'} {f}{path or ' (top)'}: margin over {block['margin']['over']}"
                  f"{transfer}{'; ' + '; '.join(found) if found else ''}")
    print(f"[check] {n} found blocks in {len(files)} reports, {bad} missing a required part", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
