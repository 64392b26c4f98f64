"""The handoff file: parsing, unknown keys, cheap change detection."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clusterd import Handoff, HandoffWatcher, read_handoff
from clusterd.handoff import write_handoff

DOC = {
    "address": "10.0.0.5",
    "client_file": "/home/u/.ipython/profile_pbs/security/ipcontroller-c1-12.srv-client.json",
    "cluster": "default",
    "controller_job": "12.srv",
    "engine_file": "/home/u/.ipython/profile_pbs/security/ipcontroller-c1-12.srv-engine.json",
    "generation": 3,
    "stale": False,
    "written_at": 1796158631,
}


def test_reads_the_documented_keys_and_keeps_unknown_ones(tmp_path: Path) -> None:
    path = tmp_path / "controller.json"
    path.write_text(json.dumps(dict(DOC, future_key={"x": 1})))
    handoff = read_handoff(str(path))
    assert handoff is not None
    assert (handoff.cluster, handoff.controller_job, handoff.generation, handoff.stale) == ("default", "12.srv", 3,
                                                                                           False)
    assert handoff.client_file == DOC["client_file"]
    assert handoff.connection_file() == DOC["client_file"]
    assert handoff.extra == {"future_key": {"x": 1}}
    assert handoff.describe() == "controller job 12.srv (generation 3)"


def test_missing_file_is_none_and_invalid_file_is_an_error(tmp_path: Path) -> None:
    assert read_handoff(str(tmp_path / "nothing.json")) is None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError):
        read_handoff(str(bad))
    bad.write_text(json.dumps({"cluster": "default"}))
    with pytest.raises(ValueError, match="generation"):
        read_handoff(str(bad))


def test_client_file_falls_back_to_the_engine_files_sibling(tmp_path: Path) -> None:
    engine = tmp_path / "ipcontroller-engine.json"
    client = tmp_path / "ipcontroller-client.json"
    handoff = Handoff.from_dict(dict(DOC, client_file=None, engine_file=str(engine)))
    assert handoff.connection_file() is None
    client.write_text("{}")
    assert handoff.connection_file() == str(client)


def test_watcher_rereads_only_when_the_file_changes(tmp_path: Path) -> None:
    path = str(tmp_path / "default" / "controller.json")
    watcher = HandoffWatcher(path)
    assert watcher.current() is None
    write_handoff(path, DOC)
    first = watcher.current()
    assert first is not None and first.generation == 3
    for _ in range(100):
        assert watcher.current() is first
    assert watcher.reads == 1

    write_handoff(path, dict(DOC, stale=True))  # atomic rename: a new inode, same size class
    assert watcher.current().stale is True  # type: ignore[union-attr]
    write_handoff(path, dict(DOC, generation=4, controller_job="13.srv"))
    assert watcher.current().generation == 4  # type: ignore[union-attr]
    assert watcher.reads == 3
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_watcher_keeps_the_last_good_value_over_a_torn_write(tmp_path: Path) -> None:
    path = tmp_path / "controller.json"
    write_handoff(str(path), DOC)
    watcher = HandoffWatcher(str(path))
    assert watcher.current().generation == 3  # type: ignore[union-attr]
    path.write_text('{"generation": ')  # a writer that does not rename, caught half-way
    assert watcher.current().generation == 3  # type: ignore[union-attr]
    assert watcher.error is not None
    path.write_text(json.dumps(dict(DOC, generation=5)))
    assert watcher.current().generation == 5  # type: ignore[union-attr]
    os.unlink(path)
    assert watcher.current() is None
