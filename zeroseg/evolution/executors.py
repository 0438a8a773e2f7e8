"""Where a batch of candidates is evaluated: in-process, in local joblib processes, or on Dask.

The engine calls ``executor.evaluate(problem, batch)``. Parallel executors split the batch into
contiguous chunks and concatenate the answers in order, and evaluation never touches the engine's
random generator, so a seed gives the same run whatever the executor or the number of workers.

Work is shipped as text: each chunk carries the individuals' ``problem.encode`` strings and a
reference to the problem. A problem with a ``spec()`` (a :class:`ProblemSpec`: factory path +
JSON-able config) is re-built on the worker once and cached per process (heavy state such as
statistics tables is then loaded once per worker, not sent with every chunk); other problems are
sent by value (cloudpickle).
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, Sequence

from zeroseg.evolution.problem import Fitness, Problem
from zeroseg.heap import retain_freed_memory


@dataclass(frozen=True)
class ProblemSpec:
    """How to rebuild a problem on a worker: ``factory`` is ``"package.module:callable"``."""

    factory: str
    config: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"factory": self.factory, "config": self.config}, sort_keys=True)


@lru_cache(maxsize=8)
def _build_from_json(spec_json: str) -> Problem:
    """Per-process cache: a worker builds each distinct problem once."""
    spec = json.loads(spec_json)
    module, _, name = spec["factory"].partition(":")
    if not name:
        raise ValueError(f"problem factory {spec['factory']!r} must look like 'package.module:callable'")
    return getattr(importlib.import_module(module), name)(**spec["config"])


def problem_ref(problem: Problem) -> Any:
    """What travels to workers: the spec's JSON when the problem has one, else the problem itself."""
    spec = getattr(problem, "spec", None)
    return spec().to_json() if callable(spec) else problem


def evaluate_chunk(ref: Any, texts: list[str]) -> list[Fitness]:
    """Worker side: rebuild (or receive) the problem, decode the chunk, evaluate it. Freed buffers
    stay in the worker process (``zeroseg.heap``: a Dask worker thread re-faulted them every pass)."""
    retain_freed_memory()
    problem = _build_from_json(ref) if isinstance(ref, str) else ref
    return problem.evaluate([problem.decode(t) for t in texts])


def n_chunks(problem: Problem, n_items: int, workers: int, chunks_per_worker: int) -> int:
    """Chunks per batch: ``workers·chunks_per_worker``, or more when the problem caps the chunk size
    (``chunk_hint``: long, uneven items such as statistics collection balance better in small chunks)."""
    hint = getattr(problem, "chunk_hint", None)
    n = workers * chunks_per_worker
    return max(n, -(-n_items // hint)) if hint else n


def split(items: Sequence[Any], n: int) -> list[list[Any]]:
    """``n`` contiguous, near-equal, non-empty chunks (order kept)."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        stop = start + size + (i < extra)
        out.append(list(items[start:stop]))
        start = stop
    return out


class Executor(Protocol):
    def evaluate(self, problem: Problem, batch: Sequence[Any]) -> list[Fitness]: ...

    def evaluate_each(self, refs: Sequence[Any], chunks: Sequence[list[str]]) -> list[list[Fitness]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """In-process: the problem evaluates the whole batch at once (no encode/decode)."""

    def evaluate(self, problem: Problem, batch: Sequence[Any]) -> list[Fitness]:
        return list(problem.evaluate(list(batch))) if batch else []

    def evaluate_each(self, refs: Sequence[Any], chunks: Sequence[list[str]]) -> list[list[Fitness]]:
        """Chunk k by the problem ``refs[k]`` (see ``DaskExecutor.evaluate_each``), here in-process."""
        return [evaluate_chunk(r, c) for r, c in zip(refs, chunks)]

    def close(self) -> None:
        return None


@lru_cache(maxsize=1)
def _exit_with_parent(poll_s: float = 1.0) -> None:
    """Worker side, once per process: exit when the process that started this worker is gone.

    loky keeps idle workers for minutes; when the main process is killed (kill -9 leaves it no chance
    to stop them) they would linger, holding memory. A daemon thread polls the parent pid.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="zeroseg-parent-watch", daemon=True).start()


def _loky_chunk(ref: Any, texts: list[str]) -> list[Fitness]:
    """``evaluate_chunk`` in a loky worker that keeps its per-process caches.

    loky shuts a worker down once its memory has grown 300 MB beyond what it held after its first
    task (a leak guard; ``process_executor._MAX_MEMORY_LEAK_SIZE``, checked between tasks). A problem
    that holds statistics in RAM per process grows by more than that on purpose, and a restarted
    worker would reload them every generation, so the bound is raised for our workers.
    """
    from joblib.externals.loky import process_executor  # heavy (joblib, loky): only for local-process executors

    process_executor._MAX_MEMORY_LEAK_SIZE = max(process_executor._MAX_MEMORY_LEAK_SIZE, 1 << 40)
    _exit_with_parent()
    return evaluate_chunk(ref, texts)


class JoblibExecutor:
    """Local processes (joblib's loky backend); ``chunks_per_worker`` chunks per worker per batch."""

    def __init__(self, workers: int, chunks_per_worker: int = 1):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers, self.chunks_per_worker = workers, chunks_per_worker

    def evaluate(self, problem: Problem, batch: Sequence[Any]) -> list[Fitness]:
        from joblib import Parallel, delayed  # heavy (joblib, loky): only for local-process executors

        if not batch:
            return []
        ref, texts = problem_ref(problem), [problem.encode(x) for x in batch]
        chunks = split(texts, n_chunks(problem, len(texts), self.workers, self.chunks_per_worker))
        return [f for part in self.evaluate_each([ref] * len(chunks), chunks) for f in part]

    def evaluate_each(self, refs: Sequence[Any], chunks: Sequence[list[str]]) -> list[list[Fitness]]:
        """Chunk k by the problem ``refs[k]`` (loky does not pin a task to a process)."""
        from joblib import Parallel, delayed  # heavy (joblib, loky): only for local-process executors

        return Parallel(n_jobs=self.workers, backend="loky")(delayed(_loky_chunk)(r, c) for r, c in zip(refs, chunks))

    def close(self) -> None:
        return None


class WorkersLost(ConnectionError):
    """The Dask cluster lost every worker (or kept killing them) while work was pending."""


class SchedulerUnreachable(ConnectionError):
    """No Dask scheduler answered at the given address."""


class DaskExecutor:
    """A Dask cluster, given as a scheduler address (``tcp://host:port``) or a ``Client``.

    Tasks are submitted with ``retries`` so a failing chunk is re-run; a chunk on a worker that
    dies is rescheduled by the scheduler on another worker, so a worker death costs a retry, not
    the run. The address is tried for ``connect_timeout`` seconds before anything else runs; while
    waiting for results, a cluster with no worker left for ``lost_after`` seconds is an error
    (``WorkersLost``), not a silent hang: the engine's checkpoint of the last finished generation
    stays intact for ``--resume``.
    """

    def __init__(self, scheduler: Any, retries: int = 3, chunks_per_worker: int = 1, connect_timeout: float = 5.0,
                 lost_after: float = 30.0, poll: float = 1.0):
        from dask.distributed import Client  # heavy (dask.distributed, ~1.5 s): only for a Dask cluster

        self._own = not isinstance(scheduler, Client)
        self.address = scheduler if self._own else scheduler.scheduler.address
        self.client = _connect(scheduler, connect_timeout) if self._own else scheduler
        self.retries, self.chunks_per_worker = retries, chunks_per_worker
        self.lost_after, self.poll = lost_after, poll

    def _n_workers(self) -> int:
        return max(1, len(self.client.nthreads()))

    def evaluate(self, problem: Problem, batch: Sequence[Any]) -> list[Fitness]:
        if not batch:
            return []
        ref, texts = problem_ref(problem), [problem.encode(x) for x in batch]
        chunks = split(texts, n_chunks(problem, len(texts), self._n_workers(), self.chunks_per_worker))
        futures = self.client.map(evaluate_chunk, [ref] * len(chunks), chunks, retries=self.retries, pure=False)
        self._wait(futures)
        try:
            parts = self.client.gather(futures)
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":  # distributed.scheduler.KilledWorker
                raise WorkersLost(f"Dask at {self.address}: a task killed {self.retries + 1} workers in a row "
                                  f"({exc}); the checkpoint of the last finished generation is intact") from None
            raise
        return [f for part in parts for f in part]

    def _wait(self, futures: list[Any]) -> None:
        """Block until every future is done; raise ``WorkersLost`` when the cluster has no worker for
        ``lost_after`` seconds meanwhile."""
        from dask.distributed import wait  # heavy (dask.distributed, ~1.5 s): only for a Dask cluster

        empty_since = None
        while True:
            try:
                wait(futures, timeout=self.poll)
                return
            except TimeoutError:
                pass
            if self.client.nthreads():
                empty_since = None
                continue
            empty_since = empty_since or time.monotonic()
            if time.monotonic() - empty_since >= self.lost_after:
                self.client.cancel(futures)
                raise WorkersLost(f"every Dask worker of {self.address} is gone (none for {self.lost_after:g} s) "
                                  "with work pending; the checkpoint of the last finished generation is intact: "
                                  "start workers again and rerun with --resume")

    def evaluate_each(self, refs: Sequence[Any], chunks: Sequence[list[str]]) -> list[list[Fitness]]:
        """Chunk k by the problem ``refs[k]``, pinned to worker k mod W (sorted addresses), so a problem
        holding a shard of the statistics stays resident on one worker run-long; if that worker dies the
        task may run elsewhere (``allow_other_workers``), which then loads that shard."""
        workers = sorted(self.client.nthreads())
        futures = [self.client.submit(evaluate_chunk, r, c, workers=[workers[k % len(workers)]],
                                      allow_other_workers=True, retries=self.retries, pure=False)
                   for k, (r, c) in enumerate(zip(refs, chunks))]
        return self.client.gather(futures)

    def close(self) -> None:
        if self._own:
            self.client.close()


def _connect(address: Any, timeout: float) -> Any:
    """A Client of ``address``, or one line saying it did not answer (instead of a 30 s wait and a traceback)."""
    from dask.distributed import Client  # heavy (dask.distributed, ~1.5 s): only for a Dask cluster

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachable(f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s "
                                   f"({type(exc).__name__}); check that `dask scheduler` runs there, that the "
                                   "host and port are right and reachable from here") from None
    except ValueError as exc:
        raise SchedulerUnreachable(f"--scheduler {address!r} is not a scheduler address ({exc}); "
                                   "give tcp://host:port") from None


def make_executor(workers: int = 1, scheduler: Any = None, retries: int = 3) -> Executor:
    """``scheduler`` (address or Client) → Dask; ``workers > 1`` → joblib; otherwise serial."""
    if scheduler is not None:
        return DaskExecutor(scheduler, retries=retries)
    if workers > 1:
        return JoblibExecutor(workers)
    return SerialExecutor()
