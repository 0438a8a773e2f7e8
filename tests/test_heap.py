"""zeroseg.heap: freed buffers stay in the process (latency timing, Dask worker threads).

Each probe runs in a fresh interpreter: the heap's earlier history decides how many passes a
retained heap needs before it is fully touched, and a process that already changed glibc's
thresholds cannot show glibc's default any more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

BUFFER_PAGES = 2**14  # 64 MiB of 4 KiB pages

KEPT_PROBE = """
import json, resource, torch
from zeroseg.heap import kept_memory

def faults():  # minor page faults (all threads) of three 64 MiB buffers, allocated, written and freed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3):
        torch.empty(16 * 2**20).fill_(1.0)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

default = [faults() for _ in range(3)]
with kept_memory() as ok:
    kept = [faults() for _ in range(8)]
print(json.dumps({"ok": ok, "default": default, "kept": kept}))
"""

THREAD_PROBE = """
import json, resource, sys, threading, torch
from zeroseg.heap import retain_freed_memory

torch.set_num_threads(1)
ok = retain_freed_memory() if sys.argv[1] == "retain" else None
out = []

def passes():  # one long-lived worker thread, as a Dask worker's: faults per pass of 20 × 8 MiB buffers
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        for _ in range(20):
            torch.empty(2 * 2**20).fill_(1.0)
        out.append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)

t = threading.Thread(target=passes)
t.start()
t.join()
print(json.dumps({"ok": ok, "passes": out}))
"""


def _probe(code: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout)


def test_kept_memory_stops_refaulting_freed_buffers() -> None:
    """glibc returns large freed blocks to the OS (re-faulted every forward); inside kept_memory it must not."""
    res = _probe(KEPT_PROBE)
    assert res["ok"], "mallopt unavailable: this test machine runs glibc"
    assert min(res["default"]) >= 3 * BUFFER_PAGES * 0.9, res  # every buffer mmapped and faulted anew
    assert min(res["kept"]) < BUFFER_PAGES / 4, res  # a steady state without re-faults


def test_retained_memory_stops_refaulting_in_a_dask_like_worker_thread() -> None:
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536: a worker thread then re-faults its buffers on
    every pass; after retain_freed_memory (what evaluate_chunk calls) the steady state has none."""
    dask_env = {"MALLOC_TRIM_THRESHOLD_": "65536"}
    default = _probe(THREAD_PROBE, "default", env=dask_env)["passes"]
    retained = _probe(THREAD_PROBE, "retain", env=dask_env)
    assert retained["ok"], "mallopt unavailable: this test machine runs glibc"
    assert min(default[1:]) >= 20 * 2048 * 0.9, default  # 20 buffers of 2048 pages, every pass
    assert max(retained["passes"][1:]) < 2048, retained  # not even one buffer re-faulted
