"""clusterd.status(): the control socket, the clusterctl fallback, and the errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import clusterd
from clusterd import paths

from .conftest import FakeDaemon, load_fixture


def test_status_reads_the_cluster_list_over_the_socket(fake_daemon: FakeDaemon) -> None:
    cluster_list = load_fixture("clusterlist-running.json")
    fake_daemon.serve_cluster_list(cluster_list)
    assert clusterd.status() == cluster_list
    detail = clusterd.status("default")
    assert detail["name"] == "default"
    assert [role["role"] for role in detail["status"]["roles"]] == ["controller", "engine"]
    assert fake_daemon.requests[-2:] == ["/v1/clusters", "/v1/clusters/default"]


def test_unknown_cluster(fake_daemon: FakeDaemon) -> None:
    fake_daemon.serve_cluster_list(load_fixture("clusterlist-running.json"))
    fake_daemon.routes["/v1/clusters/big"] = (
        404, {"error": {"code": "cluster_not_found", "message": 'no cluster "big" is configured'}})
    with pytest.raises(clusterd.ClusterNotFound, match='no cluster "big" is configured'):
        clusterd.status("big")


def test_socket_path_follows_the_daemons_rules(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.socket_path() == str(tmp / "run" / "clusterd" / "clusterd.sock")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert paths.socket_path() == str(tmp / "state" / "clusterd" / "clusterd.sock")
    monkeypatch.setenv("CLUSTERD_SOCKET", "/x/y.sock")
    assert paths.socket_path() == "/x/y.sock"
    assert paths.handoff_path("default") == str(tmp / "state" / "clusterd" / "default" / "controller.json")


def test_no_daemon_and_no_clusterctl(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp / "empty-bin"))
    with pytest.raises(clusterd.DaemonUnreachable) as caught:
        clusterd.status()
    message = str(caught.value)
    assert "clusterd is not running (no socket at %s)" % (tmp / "run" / "clusterd" / "clusterd.sock") in message
    assert "clusterctl is not on PATH" in message


def _fake_clusterctl(bin_dir: Path, script: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / "clusterctl"
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_falls_back_to_clusterctl_when_the_socket_is_unreachable(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = Path(__file__).parent / "data" / "clusterlist-queued.json"
    _fake_clusterctl(tmp / "bin", 'echo "$@" > "%s/args"\ncat "%s"\n' % (tmp, fixture))
    monkeypatch.setenv("PATH", str(tmp / "bin") + os.pathsep + "/usr/bin:/bin")
    assert clusterd.status() == load_fixture("clusterlist-queued.json")
    assert (tmp / "args").read_text().split() == ["status", "--json"]


def test_inside_a_job_the_unreachable_socket_is_the_answer(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_clusterctl(tmp / "bin", 'echo "clusterd is not running (no socket at /elsewhere.sock)." >&2\nexit 3\n')
    monkeypatch.setenv("PATH", str(tmp / "bin") + os.pathsep + "/usr/bin:/bin")
    monkeypatch.setenv("SLURM_JOB_ID", "77")
    with pytest.raises(clusterd.DaemonUnreachable) as caught:
        clusterd.status()
    message = str(caught.value)
    assert "is not reachable from this node" in message and "in batch job 77" in message
    assert "clusterctl says" not in message and "systemctl" not in message


def test_clusterctl_fallback_reports_its_errors(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_clusterctl(tmp / "bin", 'echo "clusterd is not running (no socket at /elsewhere.sock)." >&2\nexit 3\n')
    monkeypatch.setenv("PATH", str(tmp / "bin") + os.pathsep + "/usr/bin:/bin")
    with pytest.raises(clusterd.DaemonUnreachable, match="clusterctl says: clusterd is not running"):
        clusterd.status()
