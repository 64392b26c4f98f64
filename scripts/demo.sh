#!/usr/bin/env bash
# The one-command demo (`make demo`): clusterd keeps a real ipyparallel + MPI cluster alive on pbs-emu (a PBS
# server emulated on this machine), survives the loss of its controller, and reports how long recovery took.
#
# Installs what it needs (Debian openmpi-bin, libopenmpi-dev, python3-venv; a venv with ipyparallel, mpi4py,
# notebook from PyPI), builds, runs everything in a temporary directory, and removes it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

step=0
say() { step=$((step + 1)); printf '\n[%d] %s\n' "$step" "$*"; }
info() { printf '    %s\n' "$*"; }
CURRENT_LOG=""
fail() {
    printf '\nDEMO FAILED at step %d: %s\n' "$step" "$*" >&2
    [ -n "$CURRENT_LOG" ] && printf 'Read: %s\n' "$CURRENT_LOG" >&2
    [ -n "${DEMO:-}" ] && printf '(the demo directory %s is kept for inspection)\n' "$DEMO" >&2
    KEEP=1
    exit 1
}

say "Installing what the demo needs (Debian packages, a Python venv with ipyparallel + mpi4py + notebook)"
CURRENT_LOG=/tmp/clusterd-demo-install.log
scripts/install-deps.sh >"$CURRENT_LOG" 2>&1 || fail "installing the Debian build packages"
VENV=$(scripts/e2e-venv.sh 2>>"$CURRENT_LOG") || fail "creating the Python venv"
info "venv: $VENV"

say "Building clusterd, clusterctl and pbs-emu (swift build)"
CURRENT_LOG=/tmp/clusterd-demo-build.log
swift build --product clusterd >"$CURRENT_LOG" 2>&1 && swift build --product pbs-emu >>"$CURRENT_LOG" 2>&1 \
    && swift build --product clusterctl >>"$CURRENT_LOG" 2>&1 || fail "swift build"
BIN=$(swift build --show-bin-path)

DEMO=$(mktemp -d /tmp/clusterd-demo.XXXXXX)
KEEP=0
DAEMON_PID=""
export PBS_EMU_HOME=$DEMO/emu PBS_EMU_SERVER=demo
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    "$BIN/pbs-emu" server stop >/dev/null 2>&1 || true
    if [ "$KEEP" = 0 ]; then rm -rf "$DEMO"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Starting pbs-emu and clusterd on a temporary configuration in $DEMO"
"$BIN/pbs-emu" install-links "$DEMO/bin" >/dev/null
cat >"$DEMO/clusterd.toml" <<EOF
[daemon]
poll_interval = "10s"
qstat = "$DEMO/bin/qstat"
qsub = "$DEMO/bin/qsub"
qdel = "$DEMO/bin/qdel"
state_dir = "$DEMO/state"
socket = "$DEMO/clusterd.sock"
on_sigterm = "stop-jobs"

[clusters.demo]
venv = "$VENV"
ipython_dir = "$DEMO/ipython"
workdir = "$DEMO"

[clusters.demo.controller]
select = "1:ncpus=1"
walltime = "01:00:00"
restart = { initial_backoff = "1s" }

[clusters.demo.engines]
jobs = 2
select = "1:ncpus=1:mpiprocs=2"
walltime = "01:00:00"
mpi_args = ["--oversubscribe"]
restart = { initial_backoff = "1s" }

[clusters.demo.notebook]
enabled = true
app = "notebook"
restart = { initial_backoff = "1s" }
EOF
CURRENT_LOG=$DEMO/clusterd.log
"$BIN/clusterd" check-config --config "$DEMO/clusterd.toml" >/dev/null || fail "the demo configuration is invalid"
STARTED=$(date +%s.%N)
"$BIN/clusterd" run --config "$DEMO/clusterd.toml" >"$CURRENT_LOG" 2>&1 &
DAEMON_PID=$!
info "clusterd pid $DAEMON_PID, polling every 10 s; log $CURRENT_LOG"

ctl() { "$BIN/clusterctl" "$@" --config "$DEMO/clusterd.toml"; }
# json PATH: a value from the JSON on stdin ("clusters.0.status.engines.registered").
json() {
    "$VENV/bin/python" -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[int(k)] if k.isdigit() else d[k]
print(json.dumps(d) if isinstance(d, (list, dict)) else d)' "$1"
}
show_status() {
    ctl status >"$DEMO/status.txt" 2>&1 || fail "clusterctl status (its output: $DEMO/status.txt)"
    sed 's/^/    /' "$DEMO/status.txt"
}
engine_jobs() {
    ctl status --json | "$VENV/bin/python" -c 'import json, sys
roles = json.load(sys.stdin)["clusters"][0]["status"]["roles"]
print(" ".join(sorted(j["jobID"] for r in roles if r["role"] == "engine" for j in r["jobs"] if j.get("jobID"))))'
}
qsubs() { "$BIN/pbs-emu" stats | json qsub; }
# Runs notebook cells in a kernel of the notebook job's own Jupyter server (the same kernel every time) and shows
# what they printed.
NOTEBOOK_URL=""
KERNEL=""
cells() {
    local answer
    answer=$("$VENV/bin/python" "$REPO/scripts/e2e_notebook.py" run "$NOTEBOOK_URL" ${KERNEL:+--kernel "$KERNEL"} \
        --timeout 300 "$@") || { echo "$answer" >"$DEMO/cells.json"; fail "a notebook cell failed ($DEMO/cells.json)"; }
    KERNEL=$(echo "$answer" | json kernel)
    echo "$answer" | "$VENV/bin/python" -c 'import json, sys
for cell in json.load(sys.stdin)["cells"]:
    for line in (cell["stderr"] + cell["stdout"]).splitlines():
        print("    | " + line)'
}

say "Waiting for the controller, 2 MPI engine jobs (2 ranks each) and the Jupyter notebook job"
ENGINES=0
for _ in $(seq 1 150); do
    NOTEBOOK_URL=$(ctl connect --json 2>/dev/null | json notebook.url 2>/dev/null || true)
    ENGINES=$(ctl status --json 2>/dev/null | json clusters.0.status.engines.registered 2>/dev/null || echo 0)
    [ -n "$NOTEBOOK_URL" ] && [ "$ENGINES" = 4 ] && break
    kill -0 $DAEMON_PID || fail "clusterd exited"
    sleep 1
done
[ -n "$NOTEBOOK_URL" ] && [ "$ENGINES" = 4 ] || fail "the cluster did not come up in 150 s"
BRINGUP=$(awk -v a="$(date +%s.%N)" -v b="$STARTED" 'BEGIN {print a - b}')
show_status
info "cluster up in ${BRINGUP%.*} s"

say "How you reach it: clusterctl connect"
ctl connect | sed 's/^/    /'
"$VENV/bin/python" "$REPO/scripts/e2e_notebook.py" status "$NOTEBOOK_URL" >/dev/null \
    || fail "the notebook URL does not answer"
info "(GET /api/status with that token answers: a real Jupyter server runs as the notebook job)"

COMPUTE='def where():
    from mpi4py import MPI
    import socket
    comm = MPI.COMM_WORLD
    return comm.Get_rank(), comm.Get_size(), socket.gethostname(), comm.allreduce(comm.Get_rank())
for engine, (rank, size, host, total) in zip(rc.ids, view.apply_sync(where)):
    print(f"engine {engine}: MPI rank {rank} of {size} on {host}, allreduce(rank) = {total}")'
say "Notebook cells connect (import clusterd; rc = clusterd.connect()) and compute with MPI on every engine"
cells 'import clusterd
rc = clusterd.connect()
view = rc[:]' "$COMPUTE"
CONTROLLER=$(ctl connect --json | json controllerJob)
ENGINE_JOBS=$(engine_jobs)
QSUBS_BEFORE=$(qsubs)

say "The system kills the controller job $CONTROLLER (pbs-emu kill $CONTROLLER --exit 1)"
KILLED=$(date +%s.%N)
"$BIN/pbs-emu" kill "$CONTROLLER" --exit 1 >/dev/null || fail "pbs-emu kill $CONTROLLER"
info "clusterd notices at its next poll, submits a new controller and rewrites the handoff; the engine"
info "jobs ($ENGINE_JOBS) stay in their allocations and start new engines for the new controller"

for _ in $(seq 1 60); do
    HANDOFF_NOW=$(ctl connect --json 2>/dev/null | json controllerJob 2>/dev/null || true)
    STALE=$(ctl connect --json 2>/dev/null | json handoffStale 2>/dev/null || true)
    [ "$HANDOFF_NOW" != "$CONTROLLER" ] || [ "$STALE" = True ] && break
    sleep 1
done
info "clusterd noticed after $(awk -v a="$(date +%s.%N)" -v b="$KILLED" 'BEGIN {printf "%.0f", a - b}') s" \
    "(a cell running at that moment fails with clusterd.ControllerLost instead of hanging: run it again)"

say "The same cell runs again, with the same rc and view: the client reconnects by itself"
cells "$COMPUTE"
RECOVERY=$(awk -v a="$(date +%s.%N)" -v b="$KILLED" 'BEGIN {print a - b}')
# The health report of the new controller reaches `status` at clusterd's next poll.
for _ in $(seq 1 30); do
    [ "$(ctl status --json 2>/dev/null | json clusters.0.status.engines.controllerJob 2>/dev/null)" != "$CONTROLLER" ] \
        && [ "$(ctl status --json 2>/dev/null | json clusters.0.status.engines.registered 2>/dev/null)" = 4 ] && break
    sleep 1
done
show_status
[ "$(engine_jobs)" = "$ENGINE_JOBS" ] || fail "the engine jobs changed: $(engine_jobs), were $ENGINE_JOBS"
info "engine jobs now: $(engine_jobs) (the same); engine jobs resubmitted: $(($(qsubs) - QSUBS_BEFORE - 1))"
printf '\n    recovery time (controller killed -> the same cell computes on all 4 engines again): %.1f s\n' \
    "$RECOVERY"

say "Stopping clusterd (on_sigterm = stop-jobs deletes every job) and pbs-emu; removing $DEMO"
kill -TERM "$DAEMON_PID"
for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
DAEMON_PID=""
# Deleted jobs get SIGTERM, then SIGKILL after the kill delay, as on real PBS: wait for the queue to drain.
for _ in $(seq 1 30); do
    LEFT=$("$DEMO/bin/qstat" 2>/dev/null | awk 'NR > 2 && $5 != "F"' | wc -l)
    [ "$LEFT" = 0 ] && break
    sleep 0.5
done
info "jobs left in the queue: $LEFT"
printf '\nDemo finished: bring-up %.1f s, controller recovery %.1f s, no engine job resubmitted.\n' \
    "$BRINGUP" "$RECOVERY"
