"""The exceptions of the clusterd client.

Every exception says what happened and, where it can, what to do next. They all derive from
:class:`ClusterdError`, so ``except clusterd.ClusterdError`` catches everything this package raises on its own.
"""

from __future__ import annotations

__all__ = [
    "ClusterdError",
    "ClusterUnavailable",
    "ControllerLost",
    "DaemonUnreachable",
    "ClusterNotFound",
]


class ClusterdError(Exception):
    """Base class of every error raised by the clusterd client."""


class ClusterUnavailable(ClusterdError):
    """No usable controller within the time allowed.

    Raised by :func:`clusterd.connect` when the handoff stays missing or stale for ``timeout`` seconds, and by a
    call on a :class:`clusterd.ClusterClient` when the replacement of a lost controller (or its engines) did not
    come up within ``recover_timeout`` / ``engine_timeout``. The message says why, from clusterd's control API
    when it is reachable (job queued, role failed, ...), and what to do.

    ``cluster`` is the cluster's name and ``reason`` the explanation alone (the message without its first
    sentence), both for programs.
    """

    def __init__(self, message: str, *, cluster: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.cluster = cluster
        self.reason = reason


class ControllerLost(ClusterUnavailable):
    """The controller died (or was replaced) while a call was waiting for it.

    The call's results are lost: ipyparallel has no way to move work from one controller to the next, and the
    engines of the old controller are restarted by clusterd. Run the call again; the next call on the same client
    waits (bounded) for the replacement controller and reconnects by itself.

    ``generation`` and ``controller_job`` name the controller that was lost.
    """

    def __init__(self, message: str, *, cluster: str | None = None, reason: str | None = None,
                 generation: int | None = None, controller_job: str | None = None) -> None:
        super().__init__(message, cluster=cluster, reason=reason)
        self.generation = generation
        self.controller_job = controller_job


class DaemonUnreachable(ClusterdError):
    """clusterd's control API could not be reached (no socket, connection refused, or no ``clusterctl``)."""


class ClusterNotFound(ClusterdError):
    """clusterd has no cluster of that name (the control API answered ``cluster_not_found``)."""
