"""``report.json`` (everything, standard JSON) and ``report.md`` (the figures of issue 16, item 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADLINES = {
    "cuda_tests": "CUDA tests (pytest -m cuda)",
    "score": "statistics + `zeroseg score` per TNB101 arch vs a bare forward+backward",
    "discovery": "discovery candidate evaluations per second",
    "throughput": "`zeroseg train` throughput (AMP on CUDA)",
    "miou": "val mIoU under one time budget: searched vs random genotype",
}


def fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "–" if v is None else str(v)


def stage_title(name: str) -> str:
    if name.startswith("search_"):
        return f"`zeroseg search` of {name.removeprefix('search_')} (wall time)"
    return HEADLINES.get(name, name)


def markdown(doc: dict[str, Any]) -> str:
    dev, data = doc["device"], doc["data"]
    lines = [f"# zeroseg single-GPU check ({doc['mode']})", "",
             f"Device {dev['device']} ({dev['name']}), torch {dev['torch']} (CUDA {dev['cuda']}), {dev['cpus']} CPUs, "
             f"load {', '.join(f'{x:.1f}' for x in dev['load_avg'])}, started {dev['started_utc']} UTC.",
             f"Data: {data['source']} ({data['root']}). Total {doc['total_s']:.0f} s of a {doc['budget_s']:.0f} s budget.",
             "", "| stage | status | seconds / box (CPU s) | figures |", "|---|---|---|---|"]
    for st in doc["stages"]:
        figures = ", ".join(f"{k} {fmt(v)}" for k, v in st["summary"].items()) or (st["error"] or "")
        lines.append(f"| {stage_title(st['name'])} | {st['status']} | {st['seconds']:.1f} / {st['box_s']:g} ({st['cpu_s']:.1f}) | {figures} |")
    problems = [st for st in doc["stages"] if st["error"]]
    if problems:
        lines += ["", "## Cut, skipped or failed", ""]
        lines += [f"- **{st['name']}** ({st['status']}): {st['error']}" for st in problems]
    failures = next((st["details"].get("failures") for st in doc["stages"] if st["name"] == "cuda_tests"), None)
    if failures:
        lines += ["", "## Failing CUDA tests", ""] + [f"- `{f['test']}`: {f['message']}" for f in failures]
    lines += ["", "Sizes: " + ", ".join(f"{k}={v}" for k, v in doc["sizes"].items() if k != "boxes"), ""]
    return "\n".join(lines)


def write_report(doc: dict[str, Any], out: Path) -> tuple[Path, Path]:
    js, md = out / "report.json", out / "report.md"
    js.write_text(json.dumps(doc, indent=2, allow_nan=False))
    md.write_text(markdown(doc))
    return js, md
