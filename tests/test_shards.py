"""Sharded discovery (issue 15): statistics split by arch and resident on real Dask workers; the fitness
equals the serial one exactly (real archs at 32×32, a real 2-worker LocalCluster)."""

from __future__ import annotations

import numpy as np
import pytest

from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.shards import ShardedDiscovery, built_shards
from zeroseg.discovery.statstore import precompute
from zeroseg.evolution.executors import DaskExecutor, SerialExecutor


@pytest.fixture(scope="module")
def problem(tmp_path_factory) -> ProxyDiscovery:
    p = ProxyDiscovery("micro", dict(cache_dir=str(tmp_path_factory.mktemp("stats")), resolution=32, batch_size=4),
                       samples=3, repeats=2, archs=4, seed=0, layer_share=0.5)
    assert precompute(p.settings, p.fitness_codes) == {}
    return p


def _batch(p: ProxyDiscovery) -> list:
    rng = np.random.default_rng(3)
    return [p.sample(rng) for _ in range(16)]


def test_sharded_in_process_equals_serial(problem):
    batch = _batch(problem)
    want = problem.evaluate(batch)
    assert ShardedDiscovery(problem, SerialExecutor(), shards=4).evaluate(batch) == want
    assert sum(f.ok for f in want) >= 3 and sum(not f.ok for f in want) >= 3  # both kinds compared


def test_sharded_on_a_local_cluster_equals_serial_and_stays_resident(problem):
    from dask.distributed import Client, LocalCluster

    batch = _batch(problem)
    want = problem.evaluate(batch)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        sharded = ShardedDiscovery(problem, DaskExecutor(client), shards=2)
        assert sharded.evaluate(batch) == want
        assert sharded.evaluate(batch[::-1]) == want[::-1]  # a second generation: no shard moves or reloads
        where = client.run(built_shards)
    shards = sorted(tuple(s) for built in where.values() for s in built)
    assert shards == sorted(tuple(c) for c in sharded.shard_codes)  # each shard built once, on one worker
    assert all(len(built) == 1 for built in where.values())
