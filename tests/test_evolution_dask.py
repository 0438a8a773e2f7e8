"""The engine on a real 2-worker Dask LocalCluster: same run as serial, survives a worker death."""

from __future__ import annotations

import pytest

from zeroseg.evolution.engine import EvolutionConfig, evolve
from zeroseg.evolution.executors import DaskExecutor
from zeroseg.evolution.toy import BitMatch

CFG = EvolutionConfig(population=12, topk=3, generations=6, seed=5)


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as c:
            yield c


def _fingerprint(r):
    return r.best, r.evaluations, r.rejected, r.log.drop(columns="wall").to_dict("list")


def test_dask_gives_the_serial_result(client):
    serial = evolve(BitMatch(), CFG, progress=False)
    dask = evolve(BitMatch(), CFG, executor=DaskExecutor(client), progress=False)
    assert _fingerprint(dask) == _fingerprint(serial)


def test_worker_death_mid_generation_costs_a_retry_not_the_run(client, tmp_path):
    marker = tmp_path / "crashed"
    dying = BitMatch(crash_marker=str(marker))  # the first worker to evaluate dies hard (os._exit)
    before = set(client.nthreads())
    r = evolve(dying, CFG, executor=DaskExecutor(client, retries=2), progress=False)
    assert marker.exists(), "no worker was killed: the test proved nothing"
    assert _fingerprint(r) == _fingerprint(evolve(BitMatch(), CFG, progress=False))
    client.wait_for_workers(2, timeout=30)
    assert set(client.nthreads()) != before  # the dead worker was replaced by its nanny
