"""clusterd's control API: HTTP/1.1 and JSON over a unix socket, with ``clusterctl`` as a fallback.

Only reads are offered here (``GET /v1/clusters``, ``/v1/clusters/{name}``, ``/v1/status``, ``/v1/events``);
commands (restart, scale, reset) are ``clusterctl``'s job. JSON keys are the daemon's (``jobID``,
``walltimeLeft``, ...), see ``docs/control-api.md`` of clusterd.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from . import paths
from .errors import ClusterdError, ClusterNotFound, DaemonUnreachable

__all__ = ["ControlAPI", "status"]

JSON = Dict[str, Any]


class _UnixHTTPConnection(http.client.HTTPConnection):
    """``http.client`` over ``AF_UNIX``; the host name is only used for the ``Host`` header."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = path

    def connect(self) -> None:  # noqa: D102 - http.client's hook
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def batch_job() -> Optional[str]:
    """The batch job this process runs in (``PBS_JOBID``, ``SLURM_JOB_ID``), or None (a login node)."""
    return os.environ.get("PBS_JOBID") or os.environ.get("SLURM_JOB_ID") or None


def not_running_message(path: str) -> str:
    """Why the daemon does not answer on ``path``: clusterctl's sentence (exit code 3) on the login node.

    Inside a batch job the socket usually lives on another machine (the login node, often under a private
    ``/run/user``), so "not running" would be wrong there and "start it" bad advice.
    """
    job = batch_job()
    if job:
        return ("clusterd's socket %s is not reachable from this node (%s, in batch job %s): clusterd runs on the "
                "login node; ask it there with `clusterctl status`" % (path, socket.gethostname(), job))
    return ("clusterd is not running (no socket at %s). Start it with: systemctl --user start clusterd" % path)


class ControlAPI:
    """A small blocking client of the control API; one HTTP request per call.

    ``socket_path`` defaults to :func:`clusterd.paths.socket_path`. ``timeout`` bounds each request.
    """

    def __init__(self, socket_path: Optional[str] = None, timeout: float = 10.0) -> None:
        self.socket_path = socket_path or paths.socket_path()
        self.timeout = timeout

    def reachable(self) -> bool:
        """True when the daemon answers ``GET /v1/health``."""
        try:
            self.get("/v1/health")
            return True
        except ClusterdError:
            return False

    def get(self, path: str) -> Any:
        """``GET path`` and its decoded JSON body.

        Raises :class:`DaemonUnreachable` when nothing listens on the socket, :class:`ClusterNotFound` for a
        ``cluster_not_found`` answer, and :class:`ClusterdError` with the daemon's message for other errors.
        """
        if not os.path.exists(self.socket_path):
            raise DaemonUnreachable(not_running_message(self.socket_path))
        conn = _UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            body = response.read()
            code = response.status
        except (ConnectionRefusedError, FileNotFoundError):
            raise DaemonUnreachable(not_running_message(self.socket_path)) from None
        except PermissionError as exc:
            raise DaemonUnreachable("cannot open clusterd's socket %s: %s" % (self.socket_path, exc)) from None
        except (OSError, http.client.HTTPException) as exc:
            raise DaemonUnreachable("clusterd's socket %s did not answer: %s" % (self.socket_path, exc)) from None
        finally:
            conn.close()
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ClusterdError("clusterd answered %s with a body that is not JSON (HTTP %d)" % (path, code)) from None
        if code >= 400:
            error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            message = error.get("message") or ("HTTP %d for %s" % (code, path))
            if error.get("code") == "cluster_not_found":
                raise ClusterNotFound(message)
            raise ClusterdError("clusterd refused %s: %s" % (path, message))
        return data

    def clusters(self) -> JSON:
        """``GET /v1/clusters``: ``{"clusters": [ClusterDetail, ...]}``, sorted by name."""
        return self.get("/v1/clusters")  # type: ignore[no-any-return]

    def cluster(self, name: str) -> JSON:
        """``GET /v1/clusters/{name}``: one ClusterDetail (``name``, ``status``, ``handoffFile``, ``handoff``...)."""
        return self.get("/v1/clusters/" + quote(name, safe=""))  # type: ignore[no-any-return]

    def daemon_status(self) -> JSON:
        """``GET /v1/status``: version, pid, host, last tick, poll interval, ``stale``, clusters."""
        return self.get("/v1/status")  # type: ignore[no-any-return]

    def events(self, cluster: Optional[str] = None, since: Optional[float] = None) -> List[JSON]:
        """``GET /v1/events``: the events kept in memory (at most 1,000), oldest first."""
        query = []
        if cluster:
            query.append("cluster=" + quote(cluster, safe=""))
        if since is not None:
            query.append("since=%d" % int(since))
        return self.get("/v1/events" + ("?" + "&".join(query) if query else ""))  # type: ignore[no-any-return]


def _clusterctl_status(cluster: Optional[str], timeout: float) -> Optional[JSON]:
    """``clusterctl status [cluster] --json`` when clusterctl is on PATH; None when it is not."""
    exe = shutil.which("clusterctl")
    if exe is None:
        return None
    argv = [exe, "status"] + ([cluster] if cluster else []) + ["--json"]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DaemonUnreachable("`%s` did not finish within %g s" % (" ".join(argv), timeout)) from None
    except OSError as exc:
        raise DaemonUnreachable("cannot run %s: %s" % (exe, exc)) from None
    err = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode == 3:
        raise DaemonUnreachable(err or "clusterd is not running (clusterctl exit 3)")
    if done.returncode == 4:
        raise ClusterNotFound(err or "no cluster %r" % cluster)
    if done.returncode != 0:
        raise ClusterdError("`%s` failed (exit %d): %s" % (" ".join(argv), done.returncode, err))
    try:
        return json.loads(done.stdout.decode("utf-8"))  # type: ignore[no-any-return]
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ClusterdError("`%s` printed something that is not JSON" % " ".join(argv)) from None


def status(cluster: Optional[str] = None, *, socket_path: Optional[str] = None, timeout: float = 10.0) -> JSON:
    """What ``clusterctl status [cluster] --json`` prints, as a dict.

    Without ``cluster``: the ``ClusterList`` ``{"clusters": [ClusterDetail, ...]}``. With it: that cluster's
    ``ClusterDetail`` (``name``, ``status`` with its ``roles`` and their ``jobs``, ``handoffFile``, ``handoff``,
    ``logDir``, ``notebook``).

    Asked through the control socket (``socket_path``, default :func:`clusterd.paths.socket_path`). When the
    socket cannot be reached and ``clusterctl`` is on ``PATH``, runs ``clusterctl status --json`` instead (it knows
    the socket named in clusterd's configuration); not inside a batch job, where the socket usually lives on the
    login node. Raises :class:`DaemonUnreachable` when neither works,
    :class:`ClusterNotFound` for an unknown cluster.
    """
    api = ControlAPI(socket_path, timeout=timeout)
    try:
        return api.cluster(cluster) if cluster else api.clusters()
    except DaemonUnreachable as exc:
        first = exc
    if batch_job():
        # The job script exported the daemon's socket (CLUSTERD_SOCKET): clusterctl on this node would knock on the
        # same unreachable door and answer "not running, start it", wrong advice on a compute node.
        raise first
    try:
        answer = _clusterctl_status(cluster, timeout)
    except DaemonUnreachable as exc:
        raise DaemonUnreachable("%s; clusterctl says: %s" % (first, exc)) from None
    if answer is None:
        raise DaemonUnreachable("%s (and clusterctl is not on PATH to ask it another way). From a compute node, "
                                "run `clusterctl status` on the login node where clusterd runs." % first)
    return answer
