"""Sentences that say why a cluster has no usable controller or engines, and what to do.

They are built from clusterd's ``ClusterDetail`` (``GET /v1/clusters/{name}``) and, for "queued since", from the
events the daemon keeps (``GET /v1/events``). When the daemon cannot be asked, from the handoff file alone.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .api import batch_job
from .errors import ClusterdError, ClusterNotFound, DaemonUnreachable
from .handoff import Handoff

__all__ = ["clock", "explain_role", "why_unavailable"]

JSON = Mapping[str, Any]


def clock(epoch: Optional[float], now: Optional[float] = None) -> str:
    """``10:42`` for a time today, ``2026-11-30 10:42`` for an older one (local time)."""
    if not epoch:
        return "?"
    now = time.time() if now is None else now
    then = time.localtime(epoch)
    if time.strftime("%Y-%m-%d", then) == time.strftime("%Y-%m-%d", time.localtime(now)):
        return time.strftime("%H:%M", then)
    return time.strftime("%Y-%m-%d %H:%M", then)


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 120:
        return "%d s" % seconds
    if seconds < 7200:
        return "%d min" % (seconds // 60)
    return "%d h %02d min" % (seconds // 3600, (seconds % 3600) // 60)


def _submitted_at(events: Sequence[JSON], job_id: Optional[str]) -> Optional[float]:
    if not job_id:
        return None
    for event in reversed(events):
        if event.get("kind") == "submitted" and event.get("jobID") == job_id:
            value = event.get("time")
            return float(value) if isinstance(value, (int, float)) else None
    return None


def _job_phrase(role: str, cluster: str, job: JSON, events: Sequence[JSON], now: float) -> str:
    job_id = job.get("jobID")
    name = ("%s job %s" % (role, job_id) if job_id else "a %s job" % role) + " of cluster %s" % cluster
    state = str(job.get("state") or "unknown")
    if state in ("submitting", "submitted"):
        text = "%s is being submitted" % name if state == "submitting" else "%s was just submitted" % name
    elif state == "queued":
        since = _submitted_at(events, job_id)
        text = "%s is queued" % name + (" since %s" % clock(since, now) if since else "")
    elif state == "running":
        host = job.get("host")
        started = job.get("startedAt")
        text = "%s is running" % name + (" on %s" % host if host else "") + (
            " since %s" % clock(started, now) if started else "")
    else:
        text = "%s is %s" % (name, state)
    retiring = job.get("retiring")
    if retiring:
        text += " (being deleted: %s)" % retiring
    return text


def _role(detail: JSON, role: str) -> Optional[JSON]:
    for entry in (detail.get("status") or {}).get("roles") or []:
        if entry.get("role") == role:
            return entry  # type: ignore[no-any-return]
    return None


def explain_role(cluster: str, detail: JSON, role: str = "controller", events: Sequence[JSON] = (),
                 now: Optional[float] = None, handoff: Optional[Handoff] = None) -> str:
    """One or two sentences on the state of ``role`` (``controller`` or ``engine``) of ``cluster``.

    E.g. ``controller job 12.srv of cluster default is queued since 10:42``, or ``the controller role of cluster
    default is failed: 5 failed starts ...; run `clusterctl reset default```.
    """
    now = time.time() if now is None else now
    label = "engine" if role == "engine" else role
    entry = _role(detail, role)
    if entry is None:
        return "clusterd runs no %s role for cluster %s" % (label, cluster)
    hold = entry.get("hold") or None
    if entry.get("desired") == "stopped":
        text = "the %s role of cluster %s is stopped; start it with `clusterctl start %s`" % (label, cluster, cluster)
    elif hold and hold.get("kind") == "failed":
        text = "the %s role of cluster %s is failed: %s; run `clusterctl reset %s`" % (
            label, cluster, hold.get("reason") or "too many failed starts", cluster)
    elif hold:
        text = "the %s role of cluster %s has %s: %s; run `clusterctl start %s`" % (
            label, cluster, hold.get("kind") or "stopped", hold.get("reason") or "", cluster)
    else:
        jobs: List[JSON] = list(entry.get("jobs") or [])
        if jobs:
            if role == "controller":
                newest = max(jobs, key=lambda job: int(job.get("generation") or 0))
                text = _job_phrase(label, cluster, newest, events, now)
                if newest.get("generation"):
                    text += " (generation %s)" % newest.get("generation")
                if newest.get("state") == "running" and (handoff is None or handoff.stale
                                                         or handoff.generation < int(newest.get("generation") or 0)):
                    text += " but has not reported its address yet"
            else:
                text = "; ".join(_job_phrase(label, cluster, job, events, now) for job in jobs)
        else:
            until = entry.get("backoffUntil")
            if isinstance(until, (int, float)) and until > now:
                text = "cluster %s has no %s job: clusterd submits the next one in %s (restart backoff)" % (
                    cluster, label, _duration(until - now))
            else:
                text = "cluster %s has no %s job yet; clusterd submits one at its next poll" % (cluster, label)
            last = entry.get("lastExit")
            if last:
                status = last.get("exitStatus")
                text += " (the last one, %s, ended with %s)" % (
                    last.get("jobID") or "?", "exit status %s" % status if status is not None else "no exit status")
    status = detail.get("status") or {}
    if status.get("stale"):
        failure = status.get("lastQueryFailure")
        text += "; note: qstat has been failing since %s%s, these states are the last known ones" % (
            clock(status.get("staleSince"), now), " (%s)" % failure if failure else "")
    return text


def _handoff_facts(path: str, handoff: Optional[Handoff], now: float) -> str:
    if handoff is None:
        if os.path.exists(path):
            return "the handoff file %s cannot be read" % path
        return ("the handoff file %s does not exist (no controller reported yet, or clusterd writes it elsewhere: "
                "set CLUSTERD_HANDOFF or pass handoff=)" % path)
    if handoff.stale:
        return "the handoff file %s says %s is stale (written at %s)" % (
            path, handoff.describe(), clock(handoff.written_at, now))
    return "the handoff file %s names %s at %s" % (path, handoff.describe(), handoff.address)


def why_unavailable(cluster: str, handoff_path: str, handoff: Optional[Handoff], api: Any,
                    role: str = "controller") -> str:
    """Why ``role`` of ``cluster`` is not usable, asking the daemon through ``api`` (a :class:`ControlAPI`).

    When the daemon cannot be reached, says so (with clusterctl's wording) and adds what the handoff file says.
    Never raises.
    """
    now = time.time()
    try:
        detail = api.cluster(cluster)
    except ClusterNotFound as exc:
        return "%s (clusterd does not manage a cluster named %s)" % (exc, cluster)
    except DaemonUnreachable as exc:
        hint = "" if batch_job() else "; if this runs on a compute node, run `clusterctl status %s` on the login " \
            "node" % cluster
        return "%s%s. %s" % (exc, hint, _capital(_handoff_facts(handoff_path, handoff, now)))
    except ClusterdError as exc:
        return "%s. %s" % (exc, _capital(_handoff_facts(handoff_path, handoff, now)))
    except Exception as exc:  # noqa: BLE001 - an explanation must never fail
        return "cannot ask clusterd (%s: %s). %s" % (type(exc).__name__, exc,
                                                   _capital(_handoff_facts(handoff_path, handoff, now)))
    events: List[Dict[str, Any]] = []
    try:
        events = list(api.events(cluster))
    except Exception:  # noqa: BLE001 - events only add "since"
        events = []
    return explain_role(cluster, detail, role=role, events=events, now=now, handoff=handoff)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
