"""Counts the engines that answer, every ~0.5 s, through clusterd's Python client (end-to-end tests).

    python e2e_probe.py CLUSTER STOP_FILE MAX_SECONDS

Connects with ``clusterd.connect(CLUSTER)`` (the same client a notebook uses: it follows the handoff file from one
controller to the next by itself) and then, until STOP_FILE exists or MAX_SECONDS pass, sends one small task to
every engine the client lists and counts the answers that arrive within 2 s. Prints one JSON line per sample,
flushed at once so a test can read them while the probe runs:

    {"t": seconds since start, "at": epoch seconds when the answers were in, "took": seconds the sample took,
     "generation": the client's controller generation,
     "controller_job": its job, "listed": engine ids listed, "answered": engines that answered,
     "ranks": sorted MPI ranks of the answers, "error": null or "Type: message"}

A sample that fails (a reconnect that raises, a lost controller) is printed with "answered": 0 and its error: to
the caller that is no engine answering. The task is deliberately not collective: an allreduce sent to one rank of
a world whose other rank is being stopped would never return. Exit 0 at the stop file, 1 when connect failed.
"""
import json
import os
import sys
import time


def whoami():
    """Runs on an engine: its MPI rank (the engines run under mpirun --mpi) and its process id."""
    import os
    from mpi4py import MPI
    return MPI.COMM_WORLD.Get_rank(), os.getpid()


def sample(rc, started):
    """One round: a task per listed engine, answers counted within 2 s; returns the JSON-ready record."""
    began = time.monotonic()
    record = {"t": round(began - started, 2), "generation": None, "controller_job": None, "listed": 0,
              "answered": 0, "ranks": [], "error": None}
    try:
        ids = rc.ids  # reconnects first when the handoff names another controller
        record["generation"] = rc.generation
        record["controller_job"] = rc.handoff.controller_job if rc.handoff is not None else None
        record["listed"] = len(ids)
        pending = [rc[engine].apply_async(whoami) for engine in ids]
        deadline = began + 2.0
        ranks = []
        for result in pending:
            try:
                rank, _pid = result.get(timeout=max(0.05, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - an engine that is gone or busy does not count
                continue
            ranks.append(rank)
        record["answered"] = len(ranks)
        record["ranks"] = sorted(ranks)
    except Exception as exc:  # noqa: BLE001 - any failure is a sample without answers; say why
        record["error"] = "%s: %s" % (type(exc).__name__, exc)
    record["took"] = round(time.monotonic() - began, 2)
    record["at"] = round(time.time(), 3)
    return record


def main():
    cluster, stop_file, max_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    started = time.monotonic()
    import clusterd
    try:
        rc = clusterd.connect(cluster, timeout=120, quiet=True)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        print(json.dumps({"t": round(time.monotonic() - started, 2), "error": "connect: %s: %s" % (
            type(exc).__name__, exc), "answered": 0}), flush=True)
        return 1
    try:
        while not os.path.exists(stop_file) and time.monotonic() - started < max_seconds:
            record = sample(rc, started)
            print(json.dumps(record), flush=True)
            time.sleep(max(0.0, 0.5 - record["took"]))
    finally:
        rc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
