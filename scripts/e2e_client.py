"""The ipyparallel client of the end-to-end tests and the demo.

    python e2e_client.py HANDOFF EXPECTED_ENGINES TIMEOUT_SECONDS

Reads clusterd's handoff file, connects to the controller it names (its client connection file), and runs an MPI
computation on every engine until all EXPECTED_ENGINES answer or TIMEOUT_SECONDS pass. A restored or freshly
replaced controller can list engine ids that are gone, so health is a task with a timeout, never len(ids).

Prints one JSON object on stdout: {"ok", "controller_job", "generation", "engines", "results", "seconds",
"error"}; each result is {"engine", "rank", "size", "host", "value"} where value = sum(range(rank * 1000)) +
the MPI allreduce of rank over the engine's communicator. Exit 0 when ok.
"""
import json
import sys
import time


def mpi_work():
    """Runs on an engine: its MPI rank, the world size, and a value that needs every rank (allreduce)."""
    import socket
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    total = comm.allreduce(rank, op=MPI.SUM)
    return {"rank": rank, "size": comm.Get_size(), "host": socket.gethostname(),
            "value": sum(range(rank * 1000)) + total}


def attempt(handoff_path, expected, task_timeout):
    import ipyparallel as ipp
    with open(handoff_path) as f:
        handoff = json.load(f)
    if handoff.get("stale"):
        raise RuntimeError("handoff is stale (controller %s being replaced)" % handoff.get("controller_job"))
    client = ipp.Client(handoff["client_file"], timeout=5)
    try:
        ids = list(client.ids)
        if len(ids) < expected:
            raise RuntimeError("%d of %d engines registered" % (len(ids), expected))
        # One task per engine with a timeout: ids of engines that died (the controller keeps listing them until
        # their heartbeats time out) never answer; count only the engines that do.
        pending = {engine: client[engine].apply_async(mpi_work) for engine in ids}
        deadline = time.monotonic() + task_timeout
        results = []
        for engine, result in pending.items():
            try:
                value = result.get(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - a dead or busy engine: not counted
                continue
            value["engine"] = engine
            results.append(value)
        if len(results) < expected:
            raise RuntimeError("%d of %d engines answered (%d registered)" % (len(results), expected, len(ids)))
        return handoff, results
    finally:
        client.close()


def main():
    handoff_path, expected, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    start = time.monotonic()
    error = None
    while time.monotonic() - start < timeout:
        try:
            handoff, results = attempt(handoff_path, expected, task_timeout=min(5.0, timeout))
            # Every engine's MPI world must be whole: ranks 0..size-1 per world, allreduce = size*(size-1)/2.
            bad = [r for r in results
                   if r["value"] != sum(range(r["rank"] * 1000)) + r["size"] * (r["size"] - 1) // 2]
            if bad:
                raise RuntimeError("wrong MPI results: %r" % bad)
            print(json.dumps({"ok": True, "controller_job": handoff["controller_job"],
                              "generation": handoff["generation"], "engines": len(results),
                              "results": results, "seconds": round(time.monotonic() - start, 2),
                              "error": None}))
            return 0
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"; the last one is reported
            error = "%s: %s" % (type(exc).__name__, exc)
            time.sleep(0.5)
    print(json.dumps({"ok": False, "controller_job": None, "generation": None, "engines": 0, "results": [],
                      "seconds": round(time.monotonic() - start, 2), "error": error}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
