"""The dashboards' cache on its own: tokens, time to live, one build at a time, stale while
rebuilding, and its bound on size."""

from __future__ import annotations

import threading
import time

from letterpress.web.analytics.cache import DashboardCache


def _builder(value: str, token: int, calls: list[str]):  # type: ignore[no-untyped-def]
    def build() -> tuple[str, int]:
        calls.append(value)
        return value, token
    return build


def test_an_entry_is_used_while_its_token_holds() -> None:
    cache = DashboardCache(ttl=60)
    calls: list[str] = []
    assert cache.get_or_build("k", lambda: 1, _builder("one", 1, calls)).value == "one"
    assert cache.get_or_build("k", lambda: 1, _builder("two", 1, calls)).value == "one"
    assert calls == ["one"]
    # The data moved: rebuilt, and stamped with the token the build says it read.
    assert cache.get_or_build("k", lambda: 2, _builder("three", 2, calls)).value == "three"
    assert cache.get_or_build("other", lambda: 2, _builder("four", 2, calls)).value == "four"
    assert calls == ["one", "three", "four"] and cache.builds == 3


def test_past_its_time_an_entry_is_rebuilt_and_served_stale_meanwhile() -> None:
    cache = DashboardCache(ttl=0.05)
    calls: list[str] = []
    cache.get_or_build("k", lambda: 1, _builder("old", 1, calls))
    time.sleep(0.06)
    # Another request holds the build: this one gets the old entry at once.
    with cache._build_lock:
        entry = cache.get_or_build("k", lambda: 1, _builder("new", 1, calls))
    assert entry.value == "old" and calls == ["old"]
    # Nobody building: this request rebuilds.
    assert cache.get_or_build("k", lambda: 1, _builder("new", 1, calls)).value == "new"
    # A changed token never gets the stale entry, even while another build runs.
    time.sleep(0.06)
    done: list[str] = []

    def other() -> None:
        done.append(cache.get_or_build("k", lambda: 2, _builder("newer", 2, calls)).value)

    with cache._build_lock:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.1)
        assert thread.is_alive() and done == []  # waits for the build in progress
    thread.join(5)
    assert done == ["newer"]


def test_one_build_at_a_time_and_waiters_take_its_result() -> None:
    cache = DashboardCache(ttl=60)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> tuple[str, int]:
        calls.append("slow")
        started.set()
        release.wait(5)
        return "value", 1

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(
        cache.get_or_build("k", lambda: 1, slow).value))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(
        cache.get_or_build("k", lambda: 1, _builder("again", 1, calls)).value))
    second.start()
    time.sleep(0.05)
    release.set()
    first.join(5)
    second.join(5)
    assert results == ["value", "value"] and calls == ["slow"]


def test_no_ttl_means_no_cache_and_the_size_is_bounded() -> None:
    calls: list[str] = []
    off = DashboardCache(ttl=0)
    off.get_or_build("k", lambda: 1, _builder("a", 1, calls))
    off.get_or_build("k", lambda: 1, _builder("b", 1, calls))
    assert calls == ["a", "b"]
    small = DashboardCache(ttl=60, size=2)
    for key in ("x", "y", "z"):
        small.get_or_build(key, lambda: 1, _builder(key, 1, calls))
    small.get_or_build("x", lambda: 1, _builder("x2", 1, calls))
    assert calls[-1] == "x2"  # the oldest went first
    small.clear()
    small.get_or_build("y", lambda: 1, _builder("y2", 1, calls))
    assert calls[-1] == "y2"
