"""connect(): which cluster, and the clear errors when no controller comes (fake clusterd socket)."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Any, Dict

import pytest

import clusterd
from clusterd.explain import clock, explain_role

from .conftest import FakeDaemon, HandoffFile, load_fixture


def _events_for_queued(submitted_at: float) -> list:  # type: ignore[type-arg]
    return [{"cluster": "default", "jobID": "5.vm", "kind": "submitted", "role": "controller",
             "message": "submitted controller job 5.vm (generation 3)", "time": submitted_at}]


def test_connect_times_out_on_a_stale_handoff_and_says_the_job_is_queued(
        fake_daemon: FakeDaemon, handoff: HandoffFile, capfd: pytest.CaptureFixture[str]) -> None:
    submitted = time.time() - 300
    fake_daemon.serve_cluster_list(load_fixture("clusterlist-queued.json"), events=_events_for_queued(submitted),
                                   handoff_file=handoff.path)
    handoff.write(generation=2, job="3.vm", stale=True, client_file="/nonexistent/client.json", engine_file="")
    started = time.monotonic()
    with pytest.raises(clusterd.ClusterUnavailable) as caught:
        clusterd.connect(timeout=2)
    elapsed = time.monotonic() - started
    assert 1.9 < elapsed < 6
    message = str(caught.value)
    assert message.startswith("no usable controller for cluster default after 2 s: ")
    assert "controller job 5.vm of cluster default is queued since %s (generation 3)" % clock(submitted) in message
    assert caught.value.cluster == "default"
    err = capfd.readouterr().err
    assert err.count("clusterd: waiting up to") == 1, err
    assert "controller job 5.vm of cluster default is queued" in err


def test_connect_says_when_the_controller_role_failed(fake_daemon: FakeDaemon, handoff: HandoffFile) -> None:
    fake_daemon.serve_cluster_list(load_fixture("clusterlist-failed.json"), handoff_file=handoff.path)
    handoff.write(generation=2, job="3.vm", stale=True, client_file="/nonexistent/client.json", engine_file="")
    with pytest.raises(clusterd.ClusterUnavailable) as caught:
        clusterd.connect(timeout=0.5, quiet=True)
    message = str(caught.value)
    assert "the controller role of cluster default is failed: 5 failed starts within 600 s" in message
    assert message.endswith("run `clusterctl reset default`")


def test_connect_without_clusterd_says_it_is_not_running(tmp: Path) -> None:
    with pytest.raises(clusterd.ClusterUnavailable) as caught:
        clusterd.connect(timeout=0.3, quiet=True)
    message = str(caught.value)
    socket = tmp / "run" / "clusterd" / "clusterd.sock"
    assert "clusterd is not running (no socket at %s)" % socket in message
    assert "run `clusterctl status default` on the login node" in message
    assert "the handoff file %s does not exist" % (tmp / "state" / "clusterd" / "default" / "controller.json") in (
        message.lower())


def test_connect_inside_a_job_says_the_socket_is_not_reachable_from_its_node(
        tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PBS_JOBID", "12.srv")
    with pytest.raises(clusterd.ClusterUnavailable) as caught:
        clusterd.connect(timeout=0.3, quiet=True)
    message = str(caught.value)
    socket = tmp / "run" / "clusterd" / "clusterd.sock"
    assert "clusterd's socket %s is not reachable from this node (%s, in batch job 12.srv)" % (
        socket, os.uname().nodename) in message
    assert "clusterd runs on the login node; ask it there with `clusterctl status`" in message
    assert "not running" not in message and "systemctl" not in message
    assert "the handoff file %s does not exist" % (tmp / "state" / "clusterd" / "default" / "controller.json") in (
        message.lower())


def test_connect_to_an_unknown_cluster_fails_at_once(fake_daemon: FakeDaemon) -> None:
    fake_daemon.serve_cluster_list(load_fixture("clusterlist-running.json"))
    fake_daemon.routes["/v1/clusters/big"] = (
        404, {"error": {"code": "cluster_not_found", "message": 'no cluster "big" is configured'}})
    started = time.monotonic()
    with pytest.raises(clusterd.ClusterNotFound):
        clusterd.connect("big", timeout=30)
    assert time.monotonic() - started < 5


def _list_of(names: list) -> Dict[str, Any]:  # type: ignore[type-arg]
    template = load_fixture("clusterlist-running.json")["clusters"][0]
    clusters = []
    for name in names:
        detail = copy.deepcopy(template)
        detail["name"] = name
        detail["handoffFile"] = "/handoffs/%s.json" % name
        clusters.append(detail)
    return {"clusters": clusters}


@pytest.mark.parametrize("names, expected", [(["solo"], "solo"), (["a", "default"], "default")])
def test_the_only_cluster_or_default(fake_daemon: FakeDaemon, names: list, expected: str) -> None:  # type: ignore[type-arg]
    fake_daemon.serve_cluster_list(_list_of(names))
    assert clusterd.resolve_cluster() == (expected, "/handoffs/%s.json" % expected)


def test_several_clusters_and_no_default_is_an_error(fake_daemon: FakeDaemon) -> None:
    fake_daemon.serve_cluster_list(_list_of(["a", "b"]))
    with pytest.raises(clusterd.ClusterdError, match=r"several clusters \(a, b\).*pass cluster=NAME"):
        clusterd.resolve_cluster()


def test_environment_names_the_cluster_or_the_file(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp / "state" / "clusterd"
    assert clusterd.resolve_cluster() == ("default", str(state / "default" / "controller.json"))
    monkeypatch.setenv("CLUSTERD_CLUSTER", "big")
    assert clusterd.resolve_cluster() == ("big", str(state / "big" / "controller.json"))
    assert clusterd.resolve_cluster("small") == ("small", str(state / "small" / "controller.json"))
    handoff = HandoffFile(tmp / "elsewhere" / "controller.json")
    handoff.write(generation=1, job="1.srv", cluster="gpu", client_file="/x", engine_file="/y")
    monkeypatch.setenv("CLUSTERD_HANDOFF", handoff.path)
    assert clusterd.resolve_cluster() == ("gpu", handoff.path)


def test_without_daemon_the_handoff_files_present_decide(tmp: Path) -> None:
    HandoffFile(tmp / "state" / "clusterd" / "only" / "controller.json").write(
        generation=1, job="1.srv", cluster="only", client_file="/x", engine_file="/y")
    assert clusterd.resolve_cluster()[0] == "only"


def test_configuration_file_is_read_when_the_daemon_is_away(tmp: Path) -> None:
    pytest.importorskip("tomllib")
    config = tmp / "config" / "clusterd" / "clusterd.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[daemon]\nstate_dir = "%s/st"\n\n[clusters.gpu]\nhandoff_file = "~/gpu.json"\n' % tmp)
    name, path = clusterd.resolve_cluster()
    assert name == "gpu" and path.endswith("/gpu.json")
    assert clusterd.resolve_cluster("cpu")[1] == "%s/st/cpu/controller.json" % tmp


def test_explanations_of_real_cluster_lists() -> None:
    now = 1796158700.0
    running = load_fixture("clusterlist-running.json")["clusters"][0]
    text = explain_role("default", running, "engine", now=now)
    assert text.startswith("engine job 2.vm of cluster default is running on vm since")
    queued = load_fixture("clusterlist-queued.json")["clusters"][0]
    assert explain_role("default", queued, "controller", now=now) == (
        "controller job 5.vm of cluster default is queued (generation 3)")
    assert explain_role("default", queued, "engine", now=now) == (
        "cluster default has no engine job yet; clusterd submits one at its next poll "
        "(the last one, 4.vm, ended with exit status 271)")
    stopped = copy.deepcopy(queued)
    stopped["status"]["roles"][0]["desired"] = "stopped"
    assert explain_role("default", stopped, now=now) == (
        "the controller role of cluster default is stopped; start it with `clusterctl start default`")
    qstat_failing = copy.deepcopy(queued)
    qstat_failing["status"].update(stale=True, staleSince=now - 60, lastQueryFailure="qstat exit 255")
    assert "qstat has been failing since" in explain_role("default", qstat_failing, now=now)
