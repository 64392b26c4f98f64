"""clusterd's Python client: ipyparallel for clusters that clusterd keeps alive on PBS.

In a notebook::

    import clusterd
    rc = clusterd.connect()              # waits (bounded) for the current controller and its engines
    view = rc.load_balanced_view()
    view.map_sync(f, range(100))         # keeps working after clusterd replaces the controller
    clusterd.status()                    # what `clusterctl status --json` shows

:func:`connect` returns a :class:`ClusterClient`, an ``ipyparallel.Client`` look-alike that follows the cluster's
handoff file to each new controller, and fails calls on a dead controller with :class:`ControllerLost` instead of
hanging. :func:`status` asks clusterd's control socket (or ``clusterctl``).
"""

from __future__ import annotations

from .api import ControlAPI, status
from .client import (
    BroadcastViewProxy,
    ClusterClient,
    DirectViewProxy,
    LoadBalancedViewProxy,
    connect,
    resolve_cluster,
)
from .errors import ClusterdError, ClusterNotFound, ClusterUnavailable, ControllerLost, DaemonUnreachable
from .handoff import Handoff, HandoffWatcher, read_handoff

__version__ = "0.1.0"

__all__ = [
    "BroadcastViewProxy",
    "ClusterClient",
    "ClusterNotFound",
    "ClusterUnavailable",
    "ClusterdError",
    "ControlAPI",
    "ControllerLost",
    "DaemonUnreachable",
    "DirectViewProxy",
    "Handoff",
    "HandoffWatcher",
    "LoadBalancedViewProxy",
    "__version__",
    "connect",
    "read_handoff",
    "resolve_cluster",
    "status",
]
