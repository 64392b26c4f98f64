"""Where clusterd keeps its files, computed the way the daemon computes them.

- state directory: ``$XDG_STATE_HOME/clusterd``, or ``~/.local/state/clusterd`` (``daemon.state_dir`` in the
  configuration file overrides it);
- handoff file of a cluster: ``<state_dir>/<cluster>/controller.json`` (``clusters.<name>.handoff_file``
  overrides it; the environment variable ``CLUSTERD_HANDOFF`` names the file to use when no cluster is named);
- control socket: ``$CLUSTERD_SOCKET``, else ``daemon.socket`` from the configuration, else
  ``$XDG_RUNTIME_DIR/clusterd/clusterd.sock``, or ``<state_dir>/clusterd.sock`` when ``XDG_RUNTIME_DIR`` is unset;
- configuration file: ``$XDG_CONFIG_HOME/clusterd/clusterd.toml`` or ``~/.config/clusterd/clusterd.toml``
  (read only on Python 3.11+, or when ``tomli`` is installed; everything works without it).

Empty environment variables count as unset, as in the daemon.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

__all__ = [
    "config_path",
    "state_dir",
    "socket_path",
    "handoff_path",
    "configured_clusters",
]


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name)
    return value if value else None


def _home() -> str:
    return _env("HOME") or os.path.expanduser("~")


def _expand(path: str) -> str:
    if path == "~":
        return _home()
    if path.startswith("~/"):
        return _home() + path[1:]
    return path


def config_path() -> str:
    """The configuration file clusterd reads by default."""
    base = _env("XDG_CONFIG_HOME") or os.path.join(_home(), ".config")
    return os.path.join(base, "clusterd", "clusterd.toml")


def _load_config() -> Dict[str, Any]:
    """The configuration file as a dict, or ``{}`` when it is absent, unreadable or TOML cannot be parsed here."""
    try:
        import tomllib as toml  # type: ignore[import-not-found,unused-ignore]  # novermin (3.11+, guarded)
    except ImportError:  # pragma: no cover - depends on the Python version
        try:
            import tomli as toml  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            return {}
    try:
        with open(config_path(), "rb") as handle:
            data = toml.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _config_daemon(config: Dict[str, Any]) -> Dict[str, Any]:
    daemon = config.get("daemon")
    return daemon if isinstance(daemon, dict) else {}


def state_dir(config: Optional[Dict[str, Any]] = None) -> str:
    """clusterd's state directory (``daemon.state_dir``, ``$XDG_STATE_HOME/clusterd`` or ``~/.local/state/clusterd``)."""
    config = _load_config() if config is None else config
    configured = _config_daemon(config).get("state_dir")
    if isinstance(configured, str) and configured:
        return _expand(configured)
    base = _env("XDG_STATE_HOME") or os.path.join(_home(), ".local", "state")
    return os.path.join(base, "clusterd")


def socket_path(config: Optional[Dict[str, Any]] = None) -> str:
    """The control socket: ``$CLUSTERD_SOCKET``, ``daemon.socket``, or the daemon's default."""
    explicit = _env("CLUSTERD_SOCKET")
    if explicit:
        return explicit
    config = _load_config() if config is None else config
    configured = _config_daemon(config).get("socket")
    if isinstance(configured, str) and configured:
        return _expand(configured)
    runtime = _env("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "clusterd", "clusterd.sock")
    return os.path.join(state_dir(config), "clusterd.sock")


def handoff_path(cluster: str, config: Optional[Dict[str, Any]] = None) -> str:
    """The handoff file of ``cluster`` as configured, else ``<state_dir>/<cluster>/controller.json``."""
    config = _load_config() if config is None else config
    clusters = config.get("clusters")
    if isinstance(clusters, dict):
        table = clusters.get(cluster)
        if isinstance(table, dict):
            configured = table.get("handoff_file")
            if isinstance(configured, str) and configured:
                return _expand(configured)
    return os.path.join(state_dir(config), cluster, "controller.json")


def configured_clusters(config: Optional[Dict[str, Any]] = None) -> List[str]:
    """The clusters named in the configuration file, sorted; ``[]`` when it cannot be read."""
    config = _load_config() if config is None else config
    clusters = config.get("clusters")
    return sorted(clusters) if isinstance(clusters, dict) else []


def load_config() -> Dict[str, Any]:
    """The parsed configuration file (``{}`` when absent or unreadable here)."""
    return _load_config()
