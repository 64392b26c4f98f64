"""A self-healing ipyparallel client for clusters kept alive by clusterd.

:func:`connect` returns a :class:`ClusterClient`. It behaves like ``ipyparallel.Client`` (every attribute is
delegated), but it is bound to a *cluster*, not to one controller:

- before each call it looks at the cluster's handoff file (one ``stat``; the file is read again only when it
  changed). When the handoff names a new controller generation, the call first closes the old ipyparallel
  client, connects to the new controller, waits (bounded) for its engines, and prints once
  ``clusterd: controller replaced (generation 1 -> 2, job 13.srv); reconnected, 4 engines``;
- while the handoff is missing or stale the call waits for the replacement, at most ``recover_timeout`` seconds,
  then raises :class:`~clusterd.ClusterUnavailable` saying why (from clusterd's control API when reachable);
- views (``rc[:]``, ``rc.load_balanced_view()``, ``rc.direct_view()``, ``rc.broadcast_view()``) are proxies that
  re-create their ipyparallel view on the new controller, with the flags you set on them (``block``,
  ``retries``, ...), so views handed out earlier keep working;
- nothing waits forever on a dead controller. ipyparallel itself would: a blocking call (``apply_sync``,
  ``map_sync``, ``execute``, ``AsyncResult.get()`` without timeout, ``queue_status``...) whose controller died
  never returns. A watchdog thread looks at the handoff file every ``poll_interval`` seconds while calls are
  pending, and asks the controller for its queue status every ``probe_interval`` seconds. When the controller is
  gone (clusterd marked it stale or replaced it and it stops answering within a few seconds, or it did not
  answer within ``probe_timeout``), every pending call and result fails at once with
  :class:`~clusterd.ControllerLost`, which says what happened and what to do.

What is lost with a controller: the engines' namespaces (clusterd starts new engines for the new controller),
results not yet received, ``rc.history``/``rc.results`` of the old client. ipyparallel has no way to move them.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import threading
import time
import weakref
from concurrent.futures import Future
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import ipyparallel as ipp
import zmq
from ipyparallel.client.asyncresult import AsyncResult
from ipyparallel.error import CompositeError, RemoteError

from . import paths
from .api import ControlAPI
from .errors import ClusterdError, ClusterNotFound, ClusterUnavailable, ControllerLost
from .explain import why_unavailable
from .handoff import Handoff, HandoffWatcher

__all__ = [
    "ClusterClient",
    "DirectViewProxy",
    "LoadBalancedViewProxy",
    "BroadcastViewProxy",
    "connect",
    "resolve_cluster",
]

log = logging.getLogger("clusterd")

#: The ``ename`` of the error that pending results get when their controller is lost.
LOST_ENAME = "ControllerLost"

#: After clusterd marked the controller stale (or named a new one), pending calls wait at most this long for
#: an answer from the old controller before they fail (a controller being renewed may still finish them).
REPLACED_PROBE_TIMEOUT = 5.0


class RemoteControllerLost(RemoteError, ControllerLost):  # type: ignore[misc]
    """The value a pending result gets when its controller is lost.

    It is an ipyparallel ``RemoteError`` (so ipyparallel's own result handling treats it as a task failure and a
    multi-engine result raises a ``CompositeError``), and a :class:`clusterd.ControllerLost` (so
    ``except clusterd.ControllerLost`` catches it from ``AsyncResult.get()``).
    """

    def __init__(self, message: str, *, cluster: Optional[str] = None, generation: Optional[int] = None,
                 controller_job: Optional[str] = None) -> None:
        RemoteError.__init__(self, LOST_ENAME, message, "%s: %s" % (LOST_ENAME, message), {})
        ControllerLost.__init__(self, message, cluster=cluster, reason=message, generation=generation,
                                controller_job=controller_job)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.evalue)

    def __repr__(self) -> str:
        return "ControllerLost(%r)" % self.evalue

    def render_traceback(self) -> List[str]:
        """What IPython shows instead of a traceback."""
        return ["clusterd.ControllerLost: %s" % self.evalue]


def _as_lost(exc: BaseException) -> Optional[ControllerLost]:
    """The :class:`ControllerLost` that ``exc`` stands for, or None when it is another error."""
    if isinstance(exc, ControllerLost):
        return exc
    if isinstance(exc, CompositeError):
        lost = [entry for entry in exc.elist if entry and entry[0] == LOST_ENAME]
        if lost:
            message = str(lost[0][1])
            if len(lost) < len(exc.elist):
                message += " (%d of %d results of this call failed, the others for other reasons)" % (
                    len(lost), len(exc.elist))
            return ControllerLost(message, reason=message)
        return None
    if isinstance(exc, RemoteError) and exc.ename == LOST_ENAME:
        return ControllerLost(str(exc.evalue), reason=str(exc.evalue))
    return None


def _call_translating(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls ``fn``; a lost controller comes out as :class:`ControllerLost`, AsyncResults learn the same."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:
        lost = _as_lost(exc)
        if lost is not None and lost is not exc:
            raise lost from exc
        raise
    return _adapt_result(result)


# AsyncResult subclasses whose get()/result()/iteration raise ControllerLost instead of a CompositeError of lost
# results. Instances keep being AsyncResults (isinstance, rc.wait([ar]), concurrent.futures.wait all work).
_ADAPTED: Dict[type, type] = {}


def _adapted_class(base: type) -> type:
    cls = _ADAPTED.get(base)
    if cls is not None:
        return cls

    class Adapted(base):  # type: ignore[misc,valid-type,unused-ignore]
        _clusterd_adapted = True

        def get(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().get(*args, **kwargs)
            except Exception as exc:
                lost = _as_lost(exc)
                if lost is not None and lost is not exc:
                    raise lost from exc
                raise

        def result(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().result(*args, **kwargs)
            except Exception as exc:
                lost = _as_lost(exc)
                if lost is not None and lost is not exc:
                    raise lost from exc
                raise

        def __iter__(self) -> Iterator[Any]:
            try:
                yield from super().__iter__()
            except Exception as exc:
                lost = _as_lost(exc)
                if lost is not None and lost is not exc:
                    raise lost from exc
                raise

    Adapted.__name__ = base.__name__
    Adapted.__qualname__ = base.__qualname__
    _ADAPTED[base] = Adapted
    return Adapted


def _adapt_result(value: Any) -> Any:
    if isinstance(value, AsyncResult) and not getattr(type(value), "_clusterd_adapted", False):
        try:
            value.__class__ = _adapted_class(type(value))
        except TypeError:  # pragma: no cover - a class that refuses, keep it as it is
            pass
    return value


def _fail_futures(client: Any, error_for: Callable[[], Exception]) -> int:
    """Resolves every pending future of ``client`` with a lost-controller error; returns how many.

    Results of ``apply``/``execute`` requests get a :class:`RemoteControllerLost` *value* (that is how
    ipyparallel resolves results of dead engines too), hub and control requests the exception itself.
    Must run in the client's IO thread (or when it no longer runs).
    """
    failed = 0
    for _ in range(3):
        try:
            items = list(client._futures.items())
            break
        except RuntimeError:  # pragma: no cover - changed size during iteration, try again
            continue
    else:  # pragma: no cover
        return 0
    for _msg_id, future in items:
        if future.done():
            continue
        output = getattr(future, "output", None)
        try:
            if output is not None:
                future.set_result(error_for())
            else:
                future.set_exception(error_for())
            failed += 1
        except Exception:  # noqa: BLE001 - resolved meanwhile
            pass
        for extra in (output, getattr(future, "tracker", None)):
            if isinstance(extra, Future) and not extra.done():
                try:
                    extra.set_result(None)
                except Exception:  # noqa: BLE001 - resolved meanwhile
                    pass
    return failed


class _Connection:
    """One ipyparallel client on one controller generation, with what the watchdog knows about it."""

    def __init__(self, client: Any, context: Any, handoff: Handoff, epoch: int) -> None:
        self.client = client
        self.context = context
        self.handoff = handoff
        self.epoch = epoch
        self.engines_ready = False
        self.lost: Optional[str] = None
        self.lost_error: Optional[Callable[[], Exception]] = None
        self.closed = False
        self.probe: Optional["Future[Any]"] = None
        self.probe_sent = 0.0
        self.lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self.handoff.generation

    def pending(self) -> int:
        """Requests still waiting for an answer, the watchdog's own probe excluded."""
        try:
            count = len(self.client._futures)
        except Exception:  # noqa: BLE001 - a closed client
            return 0
        probe = self.probe
        if probe is not None and not probe.done():
            count -= 1
        return max(0, count)

    def send_probe(self) -> None:
        """Asks the hub for its queue status, without waiting (the watchdog looks at the answer later)."""
        self.probe_sent = time.monotonic()
        try:
            self.probe = self.client._send(self.client._query_stream, "queue_request",
                                           content={"targets": None, "verbose": False})
        except Exception:  # noqa: BLE001 - closed, or an ipyparallel without _send: no probing
            self.probe = None

    def fail_pending(self) -> None:
        """Fails every pending request, in the client's IO thread (directly when that thread does not run)."""
        error_for = self.lost_error
        if error_for is None or self.closed:
            return
        done = threading.Event()

        def run() -> None:
            try:
                _fail_futures(self.client, error_for)
            finally:
                done.set()

        try:
            self.client._io_loop.add_callback(run)
        except Exception:  # noqa: BLE001 - no IO loop
            run()
            return
        if not done.wait(5.0):
            run()

    def close(self) -> None:
        """Closes the ipyparallel client and its zmq context, failing what is still pending."""
        with self.lock:
            if self.closed:
                return
            if self.lost_error is not None:
                self.fail_pending()
            self.closed = True
        try:
            self.client.close(linger=0)
        except Exception:  # noqa: BLE001 - closing a broken client
            log.debug("closing the ipyparallel client failed", exc_info=True)
        # Every socket has LINGER 0 (set on the context), so terminating cannot wait for messages to a dead
        # controller; still, never let it block a user's call.
        terminator = threading.Thread(target=_destroy_context, args=(self.context,), name="clusterd-zmq-term",
                                      daemon=True)
        terminator.start()
        terminator.join(2.0)


def _destroy_context(context: Any) -> None:
    try:
        context.destroy(linger=0)
    except Exception:  # noqa: BLE001
        log.debug("destroying the zmq context failed", exc_info=True)


class _Watchdog(threading.Thread):
    """Fails pending calls of a dead controller; see :class:`ClusterClient`."""

    def __init__(self, owner: "ClusterClient") -> None:
        super().__init__(name="clusterd-watchdog", daemon=True)
        self._owner = weakref.ref(owner)  # a client dropped without close() can still be collected
        self._interval = owner._poll_interval
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.wait(self._interval):
            owner = self._owner()
            if owner is None:
                return
            try:
                owner._watch()
            except Exception:  # noqa: BLE001 - the watchdog must survive anything
                log.debug("clusterd watchdog tick failed", exc_info=True)
            del owner


class _ViewProxy:
    """A view bound to a cluster rather than to one controller; see :class:`ClusterClient`.

    Attribute reads and method calls go to an ipyparallel view on the current controller. After a reconnect the
    view is made again, the same way (``rc[:]``, ``rc.load_balanced_view(targets)``, ...), and the flags set on
    the proxy (``view.block = True``, ``view.set_flags(retries=2)``...) are set again.
    """

    _factory_name = "direct_view"

    def __init__(self, owner: "ClusterClient", factory: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> None:
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_factory", factory)
        object.__setattr__(self, "_args", args)
        object.__setattr__(self, "_kwargs", kwargs)
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_view", None)
        object.__setattr__(self, "_epoch", -1)
        object.__setattr__(self, "_view_lock", threading.Lock())

    def _resolve(self) -> Any:
        """The ipyparallel view on the current controller (reconnecting first when needed)."""
        conn = self._owner._connection()
        with self._view_lock:
            if self._view is None or self._epoch != conn.epoch:
                client = conn.client
                if self._factory == "__getitem__":
                    view = client[self._args[0]]
                else:
                    view = getattr(client, self._factory)(*self._args, **self._kwargs)
                for name, value in self._flags.items():
                    setattr(view, name, value)
                object.__setattr__(self, "_view", view)
                object.__setattr__(self, "_epoch", conn.epoch)
            return self._view

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _call_translating(getattr(self._resolve(), name), *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") or name in _VIEW_OWN:
            raise AttributeError(name)
        if name == "client":
            return self._owner
        value = getattr(self._resolve(), name)
        if inspect.ismethod(value):
            def method(*args: Any, **kwargs: Any) -> Any:
                return self._call(name, *args, **kwargs)

            method.__name__ = name
            method.__doc__ = value.__doc__
            return method
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        view = self._resolve()
        setattr(view, name, value)
        self._flags[name] = value

    def set_flags(self, **kwargs: Any) -> None:
        """``View.set_flags``; the flags are set again on the view of a new controller."""
        self._resolve().set_flags(**kwargs)
        self._flags.update(kwargs)

    def __len__(self) -> int:
        return len(self._resolve())

    def __dir__(self) -> List[str]:
        names = set(object.__dir__(self))
        view = self._view
        if view is not None:
            names.update(dir(view))
        return sorted(names)

    def __repr__(self) -> str:
        view = self._view
        return "<%s of %r>" % (type(self).__name__, view) if view is not None else "<%s (not bound yet)>" % (
            type(self).__name__)

    @property
    def executor(self) -> Any:
        """A PEP-3148 executor on this view (``ipyparallel.ViewExecutor``), surviving reconnects like the view."""
        from ipyparallel.client.view import ViewExecutor

        return ViewExecutor(self)

    def remote(self, block: Optional[bool] = None, **flags: Any) -> Any:
        """``@view.remote()``: the decorated function runs through this proxy."""
        from ipyparallel.client.remotefunction import remote

        return remote(self, block=block, **flags)

    def parallel(self, dist: str = "b", block: Optional[bool] = None, **flags: Any) -> Any:
        """``@view.parallel()``: the decorated function runs through this proxy."""
        from ipyparallel.client.remotefunction import parallel

        return parallel(self, dist=dist, block=block, **flags)


class DirectViewProxy(_ViewProxy):
    """A ``DirectView`` that survives controller replacements (``rc[:]``, ``rc[0]``, ``rc.direct_view()``)."""

    def __getitem__(self, key: Any) -> Any:
        return self._call("__getitem__", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._call("__setitem__", key, value)

    def activate(self, suffix: str = "") -> None:
        """Registers the ``%px`` magics on this proxy, so they keep working after a reconnect."""
        from ipyparallel.client.view import DirectView

        DirectView.activate(self, suffix)


class LoadBalancedViewProxy(_ViewProxy):
    """A ``LoadBalancedView`` that survives controller replacements (``rc.load_balanced_view()``)."""


class BroadcastViewProxy(DirectViewProxy):
    """A ``BroadcastView`` that survives controller replacements (``rc.broadcast_view()``)."""


class ClusterClient:
    """An ``ipyparallel.Client`` for a clusterd cluster that reconnects by itself; made by :func:`connect`.

    Use it as an ipyparallel client: ``rc.ids``, ``len(rc)``, ``rc[:]``, ``rc.load_balanced_view()``,
    ``rc.direct_view()``, ``rc.wait()``, ``rc.queue_status()``... (every attribute is delegated to the
    ipyparallel client of the current controller). See the module documentation for what happens when the
    controller is replaced.

    Attributes for programs: :attr:`cluster`, :attr:`handoff_path`, :attr:`handoff` (the handoff of the controller
    in use), :attr:`generation`, :attr:`ipp_client` (the current ipyparallel client; do not keep it).
    """

    def __init__(self, cluster: str, handoff_path: str, *, socket_path: Optional[str] = None,
                 recover_timeout: float = 300.0, engine_timeout: float = 60.0, min_engines: int = 1,
                 probe_interval: float = 10.0, probe_timeout: float = 30.0, poll_interval: float = 1.0,
                 connect_timeout: float = 10.0, quiet: bool = False,
                 client_kwargs: Optional[Dict[str, Any]] = None) -> None:
        self.cluster = cluster
        self.handoff_path = handoff_path
        self._api = ControlAPI(socket_path, timeout=5.0)
        self._watcher = HandoffWatcher(handoff_path)
        self._recover_timeout = float(recover_timeout)
        self._engine_timeout = float(engine_timeout)
        self._min_engines = max(0, int(min_engines))
        self._probe_interval = float(probe_interval)
        self._probe_timeout = float(probe_timeout)
        self._poll_interval = float(poll_interval)
        self._connect_timeout = float(connect_timeout)
        self._quiet = quiet
        self._client_kwargs = dict(client_kwargs or {})
        self._lock = threading.RLock()
        self._conn: Optional[_Connection] = None
        self._retiring: List[_Connection] = []
        self._epoch = 0
        self._engine_target = self._min_engines
        self._closed = False
        self._watchdog: Optional[_Watchdog] = None
        self._last: Optional[Handoff] = None  # the handoff of the last controller used, kept across failures

    # ------------------------------------------------------------------ messages

    def _say(self, message: str) -> None:
        log.info("%s", message)
        if not self._quiet:
            print("clusterd: " + message, file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ connecting

    def _why(self, role: str = "controller") -> str:
        return why_unavailable(self.cluster, self.handoff_path, self._watcher.current(), self._api, role=role)

    def _open(self, handoff: Handoff, timeout: float) -> _Connection:
        """Connects to the controller of ``handoff``; raises on failure (closing what it opened)."""
        url_file = handoff.connection_file()
        if not url_file:
            raise ClusterdError("the handoff names no client connection file")
        context = zmq.Context()
        # ipyparallel's IO loop closes its sockets with the default LINGER (forever): messages queued for a dead
        # controller would then block the context's termination. LINGER 0 for every socket of this client.
        context.setsockopt(zmq.LINGER, 0)
        try:
            client = ipp.Client(url_file, timeout=max(0.5, timeout), context=context, **self._client_kwargs)
        except BaseException:
            context.destroy(linger=0)
            raise
        return _Connection(client, context, handoff, self._epoch + 1)

    def _establish(self, deadline: float, waiting: Callable[[str, int], str]) -> _Connection:
        """Waits until the handoff names a controller that answers, and connects to it.

        Raises :class:`ClusterUnavailable` (saying why) at ``deadline``. After 1 s of waiting, prints one line made
        by ``waiting(reason, total_seconds)``.
        """
        started = time.monotonic()
        announced = False
        tried: Dict[Tuple[int, float, str], float] = {}
        last_error = ""
        while True:
            handoff = self._watcher.current()
            now = time.monotonic()
            url_file = handoff.connection_file() if handoff is not None and not handoff.stale else None
            if handoff is not None and url_file is not None and os.path.exists(url_file):
                key = (handoff.generation, handoff.written_at, url_file)
                if now - tried.get(key, -1e9) >= 5.0:
                    tried[key] = now
                    try:
                        return self._open(handoff, min(self._connect_timeout, max(0.5, deadline - now)))
                    except Exception as exc:  # noqa: BLE001 - not answering (yet): wait and retry
                        last_error = "%s: %s" % (type(exc).__name__, exc)
                        log.debug("connecting to %s failed: %s", url_file, last_error)
            now = time.monotonic()
            if now >= deadline:
                why = self._why("controller")
                if last_error:
                    why += " (connecting to the controller failed: %s)" % last_error
                raise ClusterUnavailable(
                    "no usable controller for cluster %s after %d s: %s" % (self.cluster, round(now - started), why),
                    cluster=self.cluster, reason=why)
            if not announced and now - started >= 1.0:
                announced = True
                if last_error and handoff is not None:
                    reason = "%s does not answer (%s)" % (handoff.describe(), last_error)
                else:
                    reason = self._why("controller")
                self._say(waiting(reason, round(deadline - started)))
            time.sleep(min(0.2, max(0.0, deadline - now)))

    def _await_engines(self, conn: _Connection, target: int, deadline: float, settle: float) -> int:
        """Waits for engines; returns how many registered.

        Done when ``target`` engines are registered and none arrived in the last ``settle`` seconds; or when at
        least ``min_engines`` (and one) are, fewer than ``target``, and none arrived for 3 s; or at the deadline.
        """
        last_count, last_change = -1, time.monotonic()
        while True:
            count = len(conn.client.ids)
            now = time.monotonic()
            if count != last_count:
                last_count, last_change = count, now
            quiet = now - last_change
            if count >= target and quiet >= settle:
                return count
            if 0 < count < target and count >= self._min_engines and quiet >= 3.0:
                return count
            if now >= deadline:
                return count
            time.sleep(0.1)

    def _ready(self, conn: _Connection, target: int, settle: float = 0.0) -> int:
        """Waits for the engines of a new connection; raises ClusterUnavailable when too few come."""
        count = self._await_engines(conn, max(target, self._min_engines), time.monotonic() + self._engine_timeout,
                                    settle)
        conn.engines_ready = count >= self._min_engines
        if not conn.engines_ready:
            why = self._why("engine")
            raise ClusterUnavailable(
                "%s of cluster %s is up, but %d engine(s) registered within %d s (%d wanted): %s" % (
                    conn.handoff.describe(), self.cluster, count, round(self._engine_timeout),
                    self._min_engines, why), cluster=self.cluster, reason=why)
        self._engine_target = max(self._min_engines, count)
        return count

    def _start(self, timeout: float) -> None:
        """The first connection (from :func:`connect`)."""
        started = time.monotonic()
        conn = self._establish(started + timeout, lambda reason, left: (
            "waiting up to %d s for the controller of cluster %s: %s" % (left, self.cluster, reason)))
        waited = time.monotonic() - started > 1.0
        try:
            # Engines of one MPI job register within a fraction of a second: let them all arrive.
            count = self._ready(conn, self._min_engines, settle=1.0)
        except BaseException:
            conn.close()
            raise
        self._install(conn)
        if waited:
            self._say("connected to cluster %s (%s), %d engines, after %d s" % (
                self.cluster, conn.handoff.describe(), count, round(time.monotonic() - started)))

    def _install(self, conn: _Connection) -> None:
        self._conn = conn
        self._epoch = conn.epoch
        self._last = conn.handoff
        if self._watchdog is None:
            self._watchdog = _Watchdog(self)
            self._watchdog.start()

    def _healthy(self, conn: Optional[_Connection], handoff: Optional[Handoff]) -> bool:
        if conn is None or conn.lost is not None or conn.closed or not conn.engines_ready:
            return False
        if handoff is None:  # the file went away: keep what works
            return True
        return handoff.generation == conn.generation and not handoff.stale

    def _connection(self) -> _Connection:
        """The connection to use for the next call: the current one when the handoff still names it, otherwise
        a new one (bounded waits; raises ClusterUnavailable)."""
        if self._closed:
            raise ClusterdError("this clusterd client was closed")
        conn = self._conn
        if self._healthy(conn, self._watcher.current()):
            return conn  # type: ignore[return-value]
        with self._lock:
            if self._closed:
                raise ClusterdError("this clusterd client was closed")
            conn = self._conn
            handoff = self._watcher.current()
            if self._healthy(conn, handoff):
                return conn  # type: ignore[return-value]
            if conn is not None and conn.lost is None and not conn.closed and not conn.engines_ready and (
                    handoff is None or (handoff.generation == conn.generation and not handoff.stale)):
                self._ready(conn, self._engine_target)
                return conn
            return self._replace(conn, handoff)

    def _replace(self, old: Optional[_Connection], handoff: Optional[Handoff]) -> _Connection:
        """Leaves ``old`` and connects to the controller the handoff names (or will name)."""
        if old is not None:
            self._conn = None
            if old.lost is None:
                if handoff is not None and handoff.generation != old.generation and not handoff.stale:
                    why = "it was replaced by %s" % handoff.describe()
                else:
                    why = "clusterd marked it stale"
                if old.pending() > 0:
                    # It may still be alive (a renewal): let the watchdog wait for its results, within bounds.
                    self._retiring.append(old)
                else:
                    self._mark_lost(old, why)
                    old.close()
            else:
                old.close()
        last = old.handoff if old is not None else self._last  # after a failed recovery, old is None
        previous_generation = last.generation if last is not None else None
        gone = last.describe() if last is not None else "the controller"

        def waiting(reason: str, left: int) -> str:
            return "%s of cluster %s is gone; waiting up to %d s for its replacement: %s" % (
                gone, self.cluster, left, reason)

        conn = self._establish(time.monotonic() + self._recover_timeout, waiting)
        try:
            count = self._ready(conn, self._engine_target)
        except ClusterUnavailable:
            self._install(conn)  # connected; the next call waits for engines again
            raise
        self._install(conn)
        if previous_generation is not None and previous_generation != conn.generation:
            self._say("controller replaced (generation %d -> %d, job %s); reconnected, %d engines" % (
                previous_generation, conn.generation, conn.handoff.controller_job or "?", count))
        elif previous_generation is not None:
            self._say("reconnected to %s, %d engines" % (conn.handoff.describe(), count))
        return conn

    # ------------------------------------------------------------------ the watchdog

    def _lost_message(self, conn: _Connection, why: str) -> str:
        return ("%s of cluster %s was lost while this call waited for it (%s); its results are lost. Run it again: "
                "the next call waits up to %d s for the new controller and reconnects (`clusterctl status %s` "
                "shows the cluster)." % (conn.handoff.describe(), self.cluster, why, round(self._recover_timeout),
                                         self.cluster))

    def _mark_lost(self, conn: _Connection, why: str) -> None:
        if conn.lost is not None:
            return
        message = self._lost_message(conn, why)
        handoff = conn.handoff

        def error_for() -> Exception:
            return RemoteControllerLost(message, cluster=self.cluster, generation=handoff.generation,
                                        controller_job=handoff.controller_job)

        conn.lost_error = error_for
        conn.lost = why
        log.info("%s", message)
        conn.fail_pending()

    def _watch(self) -> None:
        """One watchdog tick: probe controllers with pending calls, fail the calls of dead ones."""
        conns = list(self._retiring)
        current = self._conn
        if current is not None:
            conns.append(current)
        if not any(conn.pending() > 0 or conn is not current for conn in conns):
            return  # idle: not even a stat
        handoff = self._watcher.current()
        now = time.monotonic()
        for conn in conns:
            if conn.closed:
                continue
            retiring = conn is not current
            if conn.lost is not None:
                if conn.pending() > 0:
                    conn.fail_pending()  # calls that slipped in after it was marked
                if retiring:
                    self._retire(conn)
                continue
            if conn.pending() == 0:
                if retiring:
                    self._retire(conn)
                continue
            replaced = retiring or (handoff is not None and (handoff.generation != conn.generation or handoff.stale))
            interval = 1.0 if replaced else self._probe_interval
            timeout = min(self._probe_timeout, REPLACED_PROBE_TIMEOUT) if replaced else self._probe_timeout
            probe = conn.probe
            if probe is not None:
                if probe.done():
                    conn.probe = None
                elif now - conn.probe_sent > timeout:
                    why = ("clusterd marked it stale and it did not answer within %g s" % timeout if replaced
                           else "it did not answer a status request within %g s" % timeout)
                    self._mark_lost(conn, why)
                    if retiring:
                        self._retire(conn)
                    continue
            if conn.probe is None and now - conn.probe_sent >= interval:
                conn.send_probe()

    def _retire(self, conn: _Connection) -> None:
        conn.close()
        try:
            self._retiring.remove(conn)
        except ValueError:
            pass

    # ------------------------------------------------------------------ the ipyparallel.Client face

    @property
    def ipp_client(self) -> Any:
        """The ipyparallel client of the current controller (reconnecting first when needed)."""
        return self._connection().client

    @property
    def handoff(self) -> Optional[Handoff]:
        """The handoff of the controller in use (None before the first connection)."""
        conn = self._conn
        return conn.handoff if conn is not None else None

    @property
    def generation(self) -> Optional[int]:
        """The controller generation in use."""
        conn = self._conn
        return conn.generation if conn is not None else None

    @property
    def ids(self) -> List[int]:
        """The engine ids of the current controller."""
        return list(self._connection().client.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, key: Any) -> DirectViewProxy:
        if not isinstance(key, (int, slice, tuple, list, range)):
            raise TypeError("key by int/slice/iterable of ints only, not %s" % type(key))
        self._connection()
        return DirectViewProxy(self, "__getitem__", (key,), {})

    def __iter__(self) -> Iterator[DirectViewProxy]:
        for engine in self.ids:
            yield DirectViewProxy(self, "direct_view", (engine,), {})

    def direct_view(self, targets: Any = "all", **kwargs: Any) -> DirectViewProxy:
        """``Client.direct_view`` as a proxy that survives reconnects (``'all'`` follows the engines)."""
        self._connection()
        return DirectViewProxy(self, "direct_view", (targets,), kwargs)

    def load_balanced_view(self, targets: Any = None, **kwargs: Any) -> LoadBalancedViewProxy:
        """``Client.load_balanced_view`` as a proxy that survives reconnects."""
        self._connection()
        return LoadBalancedViewProxy(self, "load_balanced_view", (targets,), kwargs)

    def broadcast_view(self, targets: Any = "all", is_coalescing: bool = False, **kwargs: Any) -> BroadcastViewProxy:
        """``Client.broadcast_view`` as a proxy that survives reconnects."""
        self._connection()
        return BroadcastViewProxy(self, "broadcast_view", (targets,), dict(kwargs, is_coalescing=is_coalescing))

    def executor(self, targets: Any = None) -> Any:
        """A PEP-3148 executor on a load-balanced view that survives reconnects."""
        return self.load_balanced_view(targets).executor

    def activate(self, targets: Any = "all", suffix: str = "") -> DirectViewProxy:
        """``Client.activate``: ``%px`` magics on a blocking view proxy that survives reconnects."""
        view = self.direct_view(targets)
        view.block = True
        view.activate(suffix)
        return view

    def wait_for_engines(self, n: Optional[int] = None, *, timeout: float = -1, **_ignored: Any) -> None:
        """Waits until ``n`` engines are registered (default: as many as before the last reconnect, at least
        ``min_engines``); raises ``TimeoutError`` after ``timeout`` seconds (-1: no limit).

        Unlike ipyparallel's, this follows controller replacements instead of waiting on a dead controller.
        """
        wanted = self._engine_target if n is None else int(n)
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while True:
            count = len(self._connection().client.ids)
            if count >= wanted:
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError("%d engines not ready in %g seconds; %d registered" % (wanted, timeout, count))
            time.sleep(0.1)

    def close(self, linger: Optional[int] = None) -> None:
        """Closes the ipyparallel client(s) and stops the watchdog; the object cannot be used afterwards."""
        with self._lock:
            self._closed = True
            if self._watchdog is not None:
                self._watchdog.stop()
            conns = list(self._retiring) + ([self._conn] if self._conn is not None else [])
            self._retiring = []
            self._conn = None
        for conn in conns:
            if conn.pending() > 0 and conn.lost is None:
                self._mark_lost(conn, "the clusterd client was closed")
            conn.close()

    def __enter__(self) -> "ClusterClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") or name in _OWN:
            raise AttributeError(name)
        value = getattr(self._connection().client, name)
        if inspect.ismethod(value):
            def method(*args: Any, **kwargs: Any) -> Any:
                return _call_translating(getattr(self._connection().client, name), *args, **kwargs)

            method.__name__ = name
            method.__doc__ = value.__doc__
            return method
        return value

    def __dir__(self) -> List[str]:
        names = set(object.__dir__(self))
        conn = self._conn
        if conn is not None:
            names.update(name for name in dir(conn.client) if not name.startswith("_"))
        return sorted(names)

    def __repr__(self) -> str:
        conn = self._conn
        if conn is None:
            return "<clusterd.ClusterClient cluster=%r (not connected)>" % self.cluster
        return "<clusterd.ClusterClient cluster=%r %s, %d engines>" % (
            self.cluster, conn.handoff.describe(), len(conn.client.ids))


# Attributes __getattr__ must never delegate (set in __init__; reaching __getattr__ means they are missing, e.g.
# on a half-made object, and delegating would recurse).
_OWN = frozenset((
    "_api", "_watcher", "_recover_timeout", "_engine_timeout", "_min_engines", "_probe_interval",
    "_probe_timeout", "_poll_interval", "_connect_timeout", "_quiet", "_client_kwargs", "_lock", "_conn",
    "_retiring", "_epoch", "_engine_target", "_closed", "_watchdog", "_last",
))
_VIEW_OWN = frozenset(("_owner", "_factory", "_args", "_kwargs", "_flags", "_view", "_epoch", "_view_lock"))


def _cluster_names(api: ControlAPI) -> Optional[List[str]]:
    try:
        names = api.daemon_status().get("clusters")
        return [str(name) for name in names] if isinstance(names, list) else None
    except ClusterdError:
        return None


def resolve_cluster(cluster: Optional[str] = None, handoff: Optional[str] = None,
                    socket_path: Optional[str] = None) -> Tuple[str, str]:
    """Which cluster :func:`connect` uses and where its handoff file is; returns ``(cluster, handoff_path)``.

    The cluster, when not given:

    1. ``$CLUSTERD_HANDOFF`` set: that file, and the cluster it names;
    2. ``$CLUSTERD_CLUSTER`` (clusterd sets it in the jobs it starts, the notebook job included);
    3. the clusters clusterd manages (asked through its socket; when that cannot be reached, those of the
       configuration file, or else the handoff files present in the state directory): the only one, or the one
       named ``default``. Several clusters and none named ``default`` is an error: name one.

    The handoff file, when not given: the one clusterd reports for the cluster (``handoffFile``), else the
    configured ``handoff_file``, else ``<state_dir>/<cluster>/controller.json``.
    """
    api = ControlAPI(socket_path, timeout=3.0)
    if handoff:
        return cluster or _cluster_in_file(handoff), handoff
    env_handoff = os.environ.get("CLUSTERD_HANDOFF")
    if cluster is None and env_handoff:
        return _cluster_in_file(env_handoff), env_handoff
    if cluster is None:
        cluster = os.environ.get("CLUSTERD_CLUSTER") or None
    config = paths.load_config()
    reachable = True
    if cluster is None:
        names = _cluster_names(api)
        if names is None:
            reachable = False
            names = paths.configured_clusters(config) or _handoff_dirs(paths.state_dir(config))
        if len(names) == 1:
            cluster = names[0]
        elif not names or "default" in names:
            cluster = "default"
        else:
            raise ClusterdError("clusterd manages several clusters (%s) and none is named default: "
                                "pass cluster=NAME" % ", ".join(names))
    if reachable:
        try:
            path = api.cluster(cluster).get("handoffFile")
            if isinstance(path, str) and path:
                return cluster, path
        except ClusterNotFound:
            raise
        except ClusterdError:
            pass
    return cluster, paths.handoff_path(cluster, config)


def _cluster_in_file(path: str) -> str:
    try:
        from .handoff import read_handoff

        found = read_handoff(path)
        if found is not None and found.cluster:
            return found.cluster
    except (OSError, ValueError):
        pass
    return os.path.basename(os.path.dirname(os.path.abspath(path))) or "default"


def _handoff_dirs(state: str) -> List[str]:
    try:
        return sorted(name for name in os.listdir(state)
                      if os.path.exists(os.path.join(state, name, "controller.json")))
    except OSError:
        return []


def connect(cluster: Optional[str] = None, timeout: float = 120.0, *, handoff: Optional[str] = None,
            socket: Optional[str] = None, min_engines: int = 1, engine_timeout: float = 60.0,
            recover_timeout: float = 300.0, probe_interval: float = 10.0, probe_timeout: float = 30.0,
            quiet: bool = False, **client_kwargs: Any) -> ClusterClient:
    """Connects to the current controller of a clusterd cluster; returns a :class:`ClusterClient`.

    :param cluster: the cluster's name; see :func:`resolve_cluster` for the rule when None (in short:
        ``$CLUSTERD_CLUSTER``, else the only cluster, else ``default``).
    :param timeout: how long to wait for a usable controller while the handoff file is missing or stale. Then
        :class:`ClusterUnavailable` says why (``controller job 12.srv of cluster default is queued since
        10:42``, ``the controller role ... is failed: ...; run `clusterctl reset default```, ``clusterd is not
        running (no socket at ...)``). One line is printed when the wait begins.
    :param handoff: the handoff file, when it is not where clusterd reports or puts it by default
        (``$CLUSTERD_HANDOFF`` does the same when no cluster is named).
    :param socket: clusterd's control socket, asked only to explain waits (default
        :func:`clusterd.paths.socket_path`).
    :param min_engines: engines that must be registered before the client is returned, and after each reconnect
        (0: do not wait). More are awaited while they keep arriving (1 s without a new one ends the wait); after a
        reconnect, as many as before, or 3 s without a new one once ``min_engines`` are there.
    :param engine_timeout: how long to wait for those engines once the controller answers.
    :param recover_timeout: how long a later call waits for the replacement of a lost controller.
    :param probe_interval: while calls are pending, how often the watchdog asks the controller for its status.
    :param probe_timeout: a controller that does not answer within this long is lost (5 s once clusterd marked it
        stale or replaced it).
    :param quiet: print nothing (progress and reconnect lines still go to the ``clusterd`` logger).
    :param client_kwargs: passed to ``ipyparallel.Client`` (e.g. ``sshserver=``).
    """
    name, path = resolve_cluster(cluster, handoff, socket)
    client = ClusterClient(name, path, socket_path=socket, recover_timeout=recover_timeout,
                           engine_timeout=engine_timeout, min_engines=min_engines, probe_interval=probe_interval,
                           probe_timeout=probe_timeout, quiet=quiet, client_kwargs=client_kwargs)
    client._start(timeout)
    return client

