"""End to end against real ipyparallel: controller replacement, calls in flight, dead controllers."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Tuple

import pytest
from ipyparallel import interactive

import clusterd

from .conftest import Controller, HandoffFile


@interactive  # run by value on the engines, which cannot import this module
def mpi_rank() -> Tuple[int, int]:
    """Runs on an engine: its MPI rank and the world size, after an allreduce that needs every rank."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    total = comm.allreduce(comm.Get_rank(), op=MPI.SUM)
    assert total == comm.Get_size() * (comm.Get_size() - 1) // 2
    return comm.Get_rank(), comm.Get_size()


@interactive
def square(x: int) -> int:
    return x * x


@interactive
def sleep_then(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "slept"


def later(seconds: float, action: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    thread.start()
    return thread


def test_same_client_and_view_survive_a_controller_replacement(
        controllers: Callable[[str], Controller], handoff: HandoffFile, capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("mpi4py")
    a = controllers("A")
    a.start_mpi_engines(2)
    handoff.write(a, generation=1, job="1.test")

    rc = clusterd.connect(timeout=30, engine_timeout=30, min_engines=2)
    try:
        assert rc.generation == 1
        view = rc[:]
        lbview = rc.load_balanced_view()
        everywhere = rc.direct_view()
        assert sorted(view.apply_sync(mpi_rank)) == [(0, 2), (1, 2)]
        assert lbview.map_sync(square, range(6)) == [0, 1, 4, 9, 16, 25]
        assert len(rc) == 2 and rc.ids == [0, 1]

        # clusterd learns that controller A died: its job (and the engines) are gone, the handoff goes stale.
        # The replacement B comes a little later, while the next call is already waiting for it.
        a.kill()
        handoff.write(stale=True)
        replacement: dict = {}  # type: ignore[type-arg]

        def clusterd_replaces_the_controller() -> None:
            b = controllers("B")
            b.start_mpi_engines(2)
            handoff.write(b, generation=2, job="2.test", stale=False)
            replacement["b"] = b

        later(1.5, clusterd_replaces_the_controller)
        started = time.monotonic()
        assert sorted(view.apply_sync(mpi_rank)) == [(0, 2), (1, 2)]  # the SAME view, now on B
        reconnect_seconds = time.monotonic() - started
        b = replacement["b"]
        assert lbview.map_sync(square, range(6)) == [0, 1, 4, 9, 16, 25]
        assert everywhere.apply_sync(mpi_rank) and rc.ids == [0, 1]
        ar = lbview.apply_async(square, 7)
        assert ar.get(timeout=10) == 49
        assert rc.generation == 2
        assert rc.handoff is not None and rc.handoff.client_file == b.client_file
        assert {0, 1} <= set(rc.queue_status())  # a delegated Client method, on B
    finally:
        rc.close()

    err = capfd.readouterr().err
    assert err.count("controller replaced") == 1, err
    assert err.count("waiting up to") == 1, err
    assert "controller job 1.test (generation 1) of cluster default is gone; waiting up to 300 s" in err
    assert "clusterd: controller replaced (generation 1 -> 2, job 2.test); reconnected, 2 engines" in err
    assert reconnect_seconds < 20


def test_call_in_flight_fails_when_the_controller_dies(
        controllers: Callable[[str], Controller], handoff: HandoffFile, capfd: pytest.CaptureFixture[str]) -> None:
    a = controllers("A")
    a.start_engine()
    a.start_engine()
    handoff.write(a, generation=1, job="1.test")
    rc = clusterd.connect(timeout=30, min_engines=2, recover_timeout=3)
    try:
        view = rc.load_balanced_view()
        assert view.apply_sync(square, 3) == 9
        pending = rc[:].apply_async(sleep_then, 60)  # several engines: a CompositeError underneath

        def controller_dies() -> None:
            a.kill()
            handoff.write(stale=True)

        later(1.0, controller_dies)
        started = time.monotonic()
        with pytest.raises(clusterd.ControllerLost) as caught:
            view.apply_sync(sleep_then, 60)
        elapsed = time.monotonic() - started
        assert elapsed < 15, elapsed
        message = str(caught.value)
        assert "controller job 1.test (generation 1) of cluster default was lost" in message
        assert "Run it again" in message

        # An AsyncResult handed out before the loss fails too, at once, as ControllerLost.
        with pytest.raises(clusterd.ControllerLost):
            pending.get()
        assert pending.ready()

        # No replacement comes: the next call waits recover_timeout, then says why.
        started = time.monotonic()
        with pytest.raises(clusterd.ClusterUnavailable) as unavailable:
            view.apply_sync(square, 2)
        assert 2.5 < time.monotonic() - started < 15
        assert "no usable controller for cluster default" in str(unavailable.value)
        assert "stale" in str(unavailable.value)

        # The replacement comes after all: the same view goes on, and says from which generation.
        b = controllers("B")
        b.start_engine()
        b.start_engine()
        handoff.write(b, generation=2, job="2.test")
        assert view.apply_sync(square, 6) == 36
    finally:
        rc.close()
    err = capfd.readouterr().err
    assert err.count("controller replaced (generation 1 -> 2, job 2.test); reconnected, 2 engines") == 1, err


def test_dead_controller_is_noticed_without_clusterd(
        controllers: Callable[[str], Controller], handoff: HandoffFile) -> None:
    """The handoff never changes (clusterd is down): the watchdog's probe notices the dead controller."""
    a = controllers("A")
    a.start_engine()
    handoff.write(a, generation=1, job="1.test")
    rc = clusterd.connect(timeout=30, quiet=True, probe_interval=0.5, probe_timeout=2, recover_timeout=2)
    try:
        view = rc[0]
        assert view.apply_sync(square, 4) == 16
        later(1.0, a.kill)
        started = time.monotonic()
        with pytest.raises(clusterd.ControllerLost) as caught:
            view.apply_sync(sleep_then, 60)
        assert time.monotonic() - started < 10
        assert "did not answer a status request within 2 s" in str(caught.value)
        with pytest.raises(clusterd.ClusterUnavailable) as unavailable:
            rc.ids
        assert "clusterd is not running (no socket at" in str(unavailable.value)
    finally:
        rc.close()


def test_results_of_a_controller_being_renewed_still_arrive(
        controllers: Callable[[str], Controller], handoff: HandoffFile) -> None:
    """A renewal: clusterd starts controller B while A still runs; A's pending results are not thrown away."""
    a = controllers("A")
    a.start_engine()
    handoff.write(a, generation=1, job="1.test")
    rc = clusterd.connect(timeout=30, quiet=True)
    try:
        view = rc.load_balanced_view()
        on_a = view.apply_async(sleep_then, 3)
        b = controllers("B")
        b.start_engine()
        handoff.write(b, generation=2, job="2.test")
        assert view.apply_sync(square, 5) == 25  # on B
        assert rc.generation == 2
        assert on_a.get(timeout=15) == "slept"  # A (still alive) delivered it
        deadline = time.monotonic() + 5
        while rc._retiring and time.monotonic() < deadline:  # the watchdog closes A's client once idle
            time.sleep(0.2)
        assert not rc._retiring
    finally:
        rc.close()


def test_connect_says_when_no_engine_registers(
        controllers: Callable[[str], Controller], handoff: HandoffFile) -> None:
    a = controllers("A")  # no engines
    handoff.write(a, generation=1, job="1.test")
    started = time.monotonic()
    with pytest.raises(clusterd.ClusterUnavailable) as caught:
        clusterd.connect(timeout=10, engine_timeout=1, quiet=True)
    assert time.monotonic() - started < 8
    message = str(caught.value)
    assert message.startswith("controller job 1.test (generation 1) of cluster default is up, but 0 engine(s) "
                              "registered within 1 s (1 wanted): clusterd is not running"), message


def test_view_features_follow_the_reconnect(controllers: Callable[[str], Controller], handoff: HandoffFile) -> None:
    """Flags, item access, execute/push/pull/scatter/gather, executor and @remote through the proxies."""
    a = controllers("A")
    a.start_engine()
    handoff.write(a, generation=1, job="1.test")
    rc = clusterd.connect(timeout=30, quiet=True)
    try:
        dview = rc.direct_view()
        lbview = rc.load_balanced_view()
        dview.block = True
        lbview.set_flags(retries=1)
        executor = lbview.executor

        @dview.remote(block=True)
        @interactive
        def where() -> int:
            return 42

        def check() -> None:
            dview["x"] = 5
            assert dview["x"] == [5]
            dview.execute("y = x * 2")
            assert dview.pull("y") == [10]
            dview.scatter("seq", list(range(4)))
            assert dview.gather("seq") == [0, 1, 2, 3]
            assert dview.apply(square, 3) == [9]  # block=True set on the proxy
            assert executor.submit(square, 4).result(timeout=10) == 16
            assert list(executor.map(square, [1, 2])) == [1, 4]
            assert where() == [42]
            assert isinstance(lbview.apply_async(square, 1), clusterd.client.AsyncResult)
            assert dview.client is rc

        check()
        a.kill()
        b = controllers("B")
        b.start_engine()
        handoff.write(b, generation=2, job="2.test")
        check()  # same proxies, same flags, on B
        assert rc.generation == 2 and lbview.retries == 1 and dview.block is True
    finally:
        rc.close()
