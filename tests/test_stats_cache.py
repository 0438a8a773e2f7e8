"""zeroseg.stats cache: round trip, hits, corrupt entries, LRU eviction, concurrent writers."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from zeroseg.stats import StatsCache, cache_key, collect, load_batch, serial

from test_stats_collect import assert_stats_equal


def _stats(seed: int = 0, width: int = 8):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, 11, 1))
    x, y = load_batch(16, 2)
    return collect(model, x, y, seed=seed, input_jacobian=True)


def test_key_is_stable_and_covers_every_setting() -> None:
    args = ("micro", "64-41414-1_00_210", 256, "camvid8", 0, torch.bfloat16)
    k = cache_key(*args)
    assert k == cache_key(*args) == cache_key("micro", "64-41414-1_00_210", (256, 256), "camvid8", 0, "bfloat16")
    variants = [cache_key(*args[:i], v, *args[i + 1 :]) for i, v in enumerate(("macro", "x", 128, "b", 1, torch.float16))]
    variants += [cache_key(*args, max_rows=None), cache_key(*args, max_units=7), cache_key(*args, input_jacobian=True),
                 cache_key(*args, extra={"bn": "eval"})]
    assert len({k, *variants}) == len(variants) + 1


def test_round_trip_hit_and_miss(tmp_path: Path) -> None:
    cache, stats = StatsCache(tmp_path), _stats()
    assert cache.get("a1") is None and cache.misses == 1
    cache.put("a1", stats)
    assert_stats_equal(cache.get("a1"), stats)
    calls = []
    got = cache.get_or_compute("a1", lambda: calls.append(1) or stats)
    assert not calls and cache.hits == 2 and got.meta == stats.meta
    with pytest.raises(ValueError, match="cache key"):
        cache.get("../escape")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_corrupt_entries_are_misses_and_recomputed(tmp_path: Path, damage: str) -> None:
    cache, stats = StatsCache(tmp_path), _stats()
    cache.put("k", stats)
    path = cache.path("k")
    blob = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(blob)))
    else:  # one flipped byte in the payload
        path.write_bytes(blob[:-100] + bytes([blob[-100] ^ 1]) + blob[-99:])
    assert cache.get("k") is None and cache.corrupt == 1 and not path.exists()
    calls = []
    assert_stats_equal(cache.get_or_compute("k", lambda: calls.append(1) or stats), stats)
    assert calls == [1] and cache.get("k") is not None


def test_lru_eviction_keeps_recently_used(tmp_path: Path) -> None:
    stats = _stats()
    size = len(serial.encode(stats))
    cache = StatsCache(tmp_path, max_bytes=int(3.5 * size))
    for i, key in enumerate(["a", "b", "c"]):
        cache.put(key, stats)
        os.utime(cache.path(key), (time.time() - 100 + i, time.time() - 100 + i))
    assert cache.get("a") is not None  # a becomes the most recently used
    cache.put("d", stats)
    assert sorted(p.stem for _, _, p in cache.entries()) == ["a", "c", "d"]
    assert cache.total_bytes() <= cache.max_bytes


def _writer(root: str, stats, rounds: int) -> None:
    """A separate process: writes its statistics under shared keys, reads what is there."""
    cache = StatsCache(root)
    for i in range(rounds):
        cache.put(f"k{i % 3}", stats)
        got = cache.get(f"k{(i + 1) % 3}")
        assert got is None or got.meta["seed"] in (0, 1)
        if got is not None and got.meta["seed"] == stats.meta["seed"]:
            assert_stats_equal(got, stats)
    assert cache.corrupt == 0


def test_two_processes_writing_the_same_keys(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")  # fork after torch has started its thread pool can deadlock
    written = {seed: _stats(seed) for seed in (0, 1)}
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), written[seed], 40)) for seed in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    cache = StatsCache(tmp_path)
    assert sorted(p.stem for _, _, p in cache.entries()) == ["k0", "k1", "k2"]
    assert not list(tmp_path.glob(".*.tmp"))
    for key in ("k0", "k1", "k2"):
        got = cache.get(key)
        assert_stats_equal(got, written[got.meta["seed"]])
    assert cache.corrupt == 0


def test_arch_stats_through_the_cache(tmp_path: Path) -> None:
    from zeroseg.stats.arch import arch_stats  # imports the TNB101 tables (pandas): not in the writers

    cache = StatsCache(tmp_path)
    a = arch_stats("64-41414-1_00_210", resolution=64, batch_size=2, cache=cache)
    b = arch_stats("64-41414-1_00_210", resolution=64, batch_size=2, cache=cache)
    assert cache.misses == 1 and cache.hits == 1 and len(cache) == 1
    assert_stats_equal(a, b)
    assert a.meta["space"] == "micro" and a.meta["net_code"] == "64-41414-1_00_210"


def test_entries_written_before_keys_were_stored_are_verified_from_their_settings(tmp_path: Path) -> None:
    """A legacy entry (no stored key) is used, and upgraded, only when its own settings derive the key
    asked for; a legacy entry under another arch's key is refused like a moved one."""
    from zeroseg.stats.arch import arch_stats
    from zeroseg.stats.batch import batch_id

    codes = ("64-41414-1_00_210", "64-41414-1_00_223")
    stats = [arch_stats(c, resolution=32, batch_size=2) for c in codes]
    keys = [cache_key("micro", c, 32, batch_id(2), 0, torch.bfloat16) for c in codes]
    cache = StatsCache(tmp_path)
    for key, st in zip(keys, stats):
        cache.path(key).write_bytes(serial.encode(st))  # the old format: no key inside
    assert_stats_equal(cache.get(keys[0]), stats[0])
    assert cache.corrupt == 0 and "cache_key" in serial.decode(cache.path(keys[0]).read_bytes()).meta  # upgraded
    cache.path(keys[1]).write_bytes(serial.encode(stats[0]))  # arch 0's legacy entry under arch 1's key
    assert cache.get(keys[1]) is None and cache.corrupt == 1
