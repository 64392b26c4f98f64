"""Fixtures: real ipyparallel controllers and engines (each in its own process group, killed at the end), handoff
files written the way clusterd writes them, and a fake clusterd control socket.

Everything lives in a short temporary directory (unix socket paths are limited to 107 bytes); IPYTHONDIR points
there too, so nothing touches ~/.ipython.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from clusterd.handoff import write_handoff

DATA = Path(__file__).parent / "data"


def load_fixture(name: str) -> Dict[str, Any]:
    """A ClusterList captured from a real clusterd (`clusterctl status --json`), see data/README.md."""
    with open(DATA / name) as handle:
        return json.load(handle)  # type: ignore[no-any-return]


@pytest.fixture
def tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short temporary directory, IPYTHONDIR and XDG dirs inside it, CLUSTERD_* variables cleared."""
    root = Path(tempfile.mkdtemp(prefix="cdpy-", dir="/tmp"))
    monkeypatch.setenv("IPYTHONDIR", str(root / "ipython"))
    monkeypatch.setenv("XDG_STATE_HOME", str(root / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(root / "run"))
    for name in ("CLUSTERD_SOCKET", "CLUSTERD_HANDOFF", "CLUSTERD_CLUSTER", "PBS_JOBID", "SLURM_JOB_ID"):
        monkeypatch.delenv(name, raising=False)
    yield root
    shutil.rmtree(root, ignore_errors=True)


class Processes:
    """Starts processes in their own process group and kills every group at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: List[subprocess.Popen] = []  # type: ignore[type-arg]

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        if os.geteuid() == 0:
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env.setdefault("TMPDIR", str(self.root))
        return env

    def start(self, argv: List[str], log_name: str) -> "subprocess.Popen[bytes]":
        log = open(self.root / log_name, "wb")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=self.env(), start_new_session=True, cwd=str(self.root))
        log.close()
        self.procs.append(proc)
        return proc

    def kill(self, proc: "subprocess.Popen[bytes]") -> None:
        """SIGKILL to the whole process group (controller schedulers, mpirun and its ranks), then reap."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass

    def kill_all(self) -> None:
        for proc in self.procs:
            self.kill(proc)
        self.procs = []
        # Anything that left its process group (ipengine's nanny starts its own session) but still carries this
        # test's unique IPYTHONDIR is ours too.
        for pid in leftovers(str(self.root)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def leftovers(marker: str) -> List[int]:
    """Processes of this user whose environment mentions ``marker`` (this test's temporary directory)."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as handle:
                if needle in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.fixture
def procs(tmp: Path) -> Iterator[Processes]:
    processes = Processes(tmp)
    try:
        yield processes
    finally:
        processes.kill_all()


class Controller:
    """A real `ipcontroller --cluster-id=ID --ip=127.0.0.1` and its connection files."""

    def __init__(self, procs: Processes, cluster_id: str) -> None:
        self.procs = procs
        self.cluster_id = cluster_id
        security = Path(os.environ["IPYTHONDIR"]) / "profile_default" / "security"
        self.client_file = str(security / ("ipcontroller-%s-client.json" % cluster_id))
        self.engine_file = str(security / ("ipcontroller-%s-engine.json" % cluster_id))
        self.proc = procs.start([sys.executable, "-m", "ipyparallel.controller", "--cluster-id=" + cluster_id,
                                 "--ip=127.0.0.1", "--log-level=WARN",
                                 # engines register after the first heartbeat: 0.5 s instead of 3 s for speed
                                 "--HeartMonitor.period=500"], "controller-%s.log" % cluster_id)
        self.engines: List["subprocess.Popen[bytes]"] = []
        deadline = time.monotonic() + 30
        while not (os.path.exists(self.client_file) and os.path.exists(self.engine_file)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("ipcontroller %s did not start; see %s" % (cluster_id, procs.root))
            time.sleep(0.05)

    def start_mpi_engines(self, n: int = 2) -> None:
        """`mpirun -np N ipengine --mpi --file=<engine json>` on loopback only."""
        mpirun = shutil.which("mpirun")
        if mpirun is None:
            pytest.skip("mpirun is not installed")
        argv = [mpirun, "-np", str(n), "--oversubscribe", "--mca", "oob_tcp_if_include", "lo",
                "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none",
                sys.executable, "-m", "ipyparallel.engine", "--mpi", "--file=" + self.engine_file,
                "--log-level=WARN"]
        self.engines.append(self.procs.start(argv, "engines-%s-mpi.log" % self.cluster_id))

    def start_engine(self) -> None:
        """One plain `ipengine --file=<engine json>`."""
        argv = [sys.executable, "-m", "ipyparallel.engine", "--file=" + self.engine_file, "--log-level=WARN"]
        self.engines.append(self.procs.start(argv, "engine-%s-%d.log" % (self.cluster_id, len(self.engines))))

    def kill(self) -> None:
        """SIGKILL the controller and its engines, as a deleted PBS job would end."""
        self.procs.kill(self.proc)
        for engine in self.engines:
            self.procs.kill(engine)


@pytest.fixture
def controllers(procs: Processes) -> Callable[[str], Controller]:
    return lambda cluster_id: Controller(procs, cluster_id)


class HandoffFile:
    """Writes the handoff the way clusterd does (atomic rename)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.data: Dict[str, Any] = {}

    def write(self, controller: Optional[Controller] = None, *, generation: Optional[int] = None,
              stale: Optional[bool] = None, job: Optional[str] = None, **extra: Any) -> None:
        data = dict(self.data)
        if controller is not None:  # a controller reported its address: a fresh handoff unless told otherwise
            data.update(client_file=controller.client_file, engine_file=controller.engine_file, address="127.0.0.1",
                        stale=False)
        if generation is not None:
            data["generation"] = generation
        if stale is not None:
            data["stale"] = stale
        if job is not None:
            data["controller_job"] = job
        data.setdefault("cluster", "default")
        data.setdefault("stale", False)
        data["written_at"] = int(time.time())
        data.update(extra)
        write_handoff(self.path, data)
        self.data = data


@pytest.fixture
def handoff(tmp: Path) -> HandoffFile:
    return HandoffFile(tmp / "state" / "clusterd" / "default" / "controller.json")


class FakeDaemon:
    """A unix-socket HTTP server answering GET requests from a table, like clusterd's control API."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.routes: Dict[str, Tuple[int, Any]] = {"/v1/health": (200, {"status": "ok"})}
        self.requests: List[str] = []
        daemon = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                daemon.requests.append(self.path)
                route = self.path.split("?", 1)[0]
                status, body = daemon.routes.get(
                    route, (404, {"error": {"code": "not_found", "message": "no route %s" % route}}))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

            def address_string(self) -> str:
                return "unix"

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.server = Server(path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def serve_cluster_list(self, cluster_list: Dict[str, Any], events: Optional[List[Dict[str, Any]]] = None,
                           handoff_file: Optional[str] = None) -> None:
        """Routes for /v1/status, /v1/clusters, /v1/clusters/{name} and /v1/events from one ClusterList."""
        names = [detail["name"] for detail in cluster_list["clusters"]]
        if handoff_file is not None:
            for detail in cluster_list["clusters"]:
                detail["handoffFile"] = handoff_file
        self.routes["/v1/status"] = (200, {"clusters": names, "version": "0.1.0", "pid": 1, "host": "login",
                                           "startedAt": 0, "uptimeSeconds": 1, "ticks": 1, "pollInterval": 10,
                                           "stale": False, "configPath": "/dev/null"})
        self.routes["/v1/clusters"] = (200, cluster_list)
        for detail in cluster_list["clusters"]:
            self.routes["/v1/clusters/" + detail["name"]] = (200, detail)
        self.routes["/v1/events"] = (200, events or [])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


@pytest.fixture
def fake_daemon(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDaemon]:
    """A fake clusterd listening at the default socket path ($XDG_RUNTIME_DIR/clusterd/clusterd.sock)."""
    daemon = FakeDaemon(str(tmp / "run" / "clusterd" / "clusterd.sock"))
    try:
        yield daemon
    finally:
        daemon.stop()
