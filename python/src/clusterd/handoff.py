"""The handoff file: where the current controller of a cluster is.

clusterd rewrites the file atomically (a temporary file renamed over it) whenever a controller reports its
address, and again with ``"stale": true`` when it learns that the controller is dead or being replaced. Its keys:

``cluster``, ``address``, ``controller_job``, ``generation`` (grows with each new controller), ``engine_file``,
``client_file`` (ipyparallel's client connection file of that controller), ``written_at`` (epoch seconds) and
``stale``. Keys added later are kept in :attr:`Handoff.extra` and otherwise ignored.

:class:`HandoffWatcher` re-reads the file only when ``stat`` shows that it changed (inode, mtime or size), so
checking it before every call costs one ``stat`` system call.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = ["Handoff", "HandoffWatcher", "read_handoff"]

_KNOWN = ("cluster", "address", "controller_job", "generation", "engine_file", "client_file", "written_at", "stale")


@dataclass(frozen=True)
class Handoff:
    """One version of a cluster's handoff file."""

    #: The cluster's name.
    cluster: str
    #: The controller's address (IP or host name).
    address: str
    #: The controller's PBS job id.
    controller_job: str
    #: The controller generation; a new controller has a larger one.
    generation: int
    #: ipyparallel's engine connection file of that controller.
    engine_file: str
    #: ipyparallel's client connection file of that controller (None when the controller did not name one).
    client_file: Optional[str]
    #: When clusterd wrote the file (seconds since the epoch).
    written_at: float
    #: True when clusterd knows the controller is dead or being replaced: do not connect to it.
    stale: bool
    #: The file it was read from.
    path: str = ""
    #: Keys this version of the client does not know.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "") -> "Handoff":
        """Builds a handoff from the file's JSON object; raises ``ValueError`` when a required key is missing."""
        if not isinstance(data, Mapping):
            raise ValueError("the handoff file does not hold a JSON object")
        try:
            generation = int(data["generation"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("the handoff file has no integer 'generation'") from None
        client_file = data.get("client_file")
        return cls(
            cluster=str(data.get("cluster") or ""),
            address=str(data.get("address") or ""),
            controller_job=str(data.get("controller_job") or ""),
            generation=generation,
            engine_file=str(data.get("engine_file") or ""),
            client_file=str(client_file) if client_file else None,
            written_at=float(data.get("written_at") or 0),
            stale=bool(data.get("stale", False)),
            path=path,
            extra={key: value for key, value in data.items() if key not in _KNOWN},
        )

    def connection_file(self) -> Optional[str]:
        """The client connection file to use.

        ``client_file`` when present; otherwise the ``...-client.json`` next to ``engine_file`` when that file
        exists (older daemons wrote only the engine file). None when neither is known.
        """
        if self.client_file:
            return self.client_file
        if self.engine_file.endswith("engine.json"):
            candidate = self.engine_file[: -len("engine.json")] + "client.json"
            if os.path.exists(candidate):
                return candidate
        return None

    def describe(self) -> str:
        """``controller job 12.srv (generation 3)`` - how messages name this controller."""
        job = self.controller_job or "?"
        return "controller job %s (generation %d)" % (job, self.generation)


def read_handoff(path: str) -> Optional[Handoff]:
    """Reads the handoff file at ``path``; None when it does not exist.

    Raises ``ValueError`` when the file exists but is not a valid handoff, and ``OSError`` when it cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("%s is not valid JSON (%s)" % (path, exc)) from None
    return Handoff.from_dict(data, path=path)


_StatKey = Optional[Tuple[int, int, int, int]]


class HandoffWatcher:
    """Cheap, repeated reads of one handoff file.

    :meth:`current` calls ``os.stat`` and re-reads the file only when its inode, mtime or size changed since the
    last read (clusterd replaces the file by rename, so every rewrite gets a new inode). Thread-safe.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._key: _StatKey = None
        self._value: Optional[Handoff] = None
        self._error: Optional[str] = None
        self._reads = 0

    @property
    def reads(self) -> int:
        """How many times the file was actually read (for tests and curiosity)."""
        return self._reads

    @property
    def error(self) -> Optional[str]:
        """Why the last read failed (invalid JSON, permission), or None."""
        return self._error

    def current(self) -> Optional[Handoff]:
        """The handoff as the file says now; None while the file does not exist.

        A file that cannot be parsed (a writer that does not rename) keeps the last good value, and is read again
        at the next call.
        """
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            with self._lock:
                self._key, self._value, self._error = None, None, None
            return None
        except OSError as exc:
            with self._lock:
                self._error = "cannot stat %s: %s" % (self.path, exc)
                return self._value
        key = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if key == self._key:
                return self._value
            self._reads += 1
            try:
                value = read_handoff(self.path)
            except (OSError, ValueError) as exc:
                self._error = str(exc)
                return self._value
            self._key, self._value, self._error = key, value, None
            return value


def _json_dump(data: Dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_handoff(path: str, data: Mapping[str, Any]) -> None:
    """Writes a handoff file atomically (temporary file, fsync, rename), mode 0600, as clusterd does.

    Meant for tests and tools that stand in for clusterd; notebooks only read the file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, ".%s.tmp-%d" % (os.path.basename(path), os.getpid()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, _json_dump(dict(data)))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
