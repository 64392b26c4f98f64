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
EOF
CURRENT_LOG=$DEMO/clusterd.log
"$BIN/clusterd" check-config --config "$DEMO/clusterd.toml" >/dev/null || fail "the demo configuration is invalid"
STARTED=$(date +%s.%N)
"$BIN/clusterd" run --config "$DEMO/clusterd.toml" >"$CURRENT_LOG" 2>&1 &
DAEMON_PID=$!
info "clusterd pid $DAEMON_PID, polling every 10 s; log $CURRENT_LOG"

HANDOFF=$DEMO/state/demo/controller.json
client() {  # client TIMEOUT -> JSON answer on stdout
    IPYTHONDIR=$DEMO/ipython "$VENV/bin/python" "$REPO/scripts/e2e_client.py" "$HANDOFF" 4 "$1"
}
field() { "$VENV/bin/python" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
show_status() {
    "$BIN/clusterctl" status --config "$DEMO/clusterd.toml" >"$DEMO/status.txt" 2>&1 \
        || fail "clusterctl status (its output: $DEMO/status.txt)"
    sed 's/^/    /' "$DEMO/status.txt"
}
show_results() {
    "$VENV/bin/python" - "$1" <<'EOF'
import json, sys
answer = json.loads(sys.argv[1])
for r in answer["results"]:
    print("    engine %d: MPI rank %d of %d on %s -> %d" % (r["engine"], r["rank"], r["size"], r["host"],
                                                           r["value"]))
EOF
}

say "Waiting for the controller job and 2 MPI engine jobs (2 ranks each)"
for _ in $(seq 1 90); do [ -s "$HANDOFF" ] && break; kill -0 $DAEMON_PID || fail "clusterd exited"; sleep 1; done
[ -s "$HANDOFF" ] || fail "no controller handoff after 90 s"
ANSWER=$(client 120) || fail "the engines did not come up: $(field "$ANSWER" error 2>/dev/null || echo "$ANSWER")"
BRINGUP=$(awk -v a="$(date +%s.%N)" -v b="$STARTED" 'BEGIN {print a - b}')
show_status
info "cluster up in ${BRINGUP%.*} s"

say "An ipyparallel client runs an MPI computation (allreduce) on every engine"
show_results "$ANSWER"
CONTROLLER=$(field "$ANSWER" controller_job)

say "The system kills the controller job $CONTROLLER (pbs-emu kill $CONTROLLER --exit 1)"
KILLED=$(date +%s.%N)
"$BIN/pbs-emu" kill "$CONTROLLER" --exit 1 >/dev/null || fail "pbs-emu kill $CONTROLLER"
info "clusterd notices at its next poll, submits a new controller, rewrites the handoff, cycles the engines"

say "The client reconnects through the handoff file and computes again"
for _ in $(seq 1 120); do
    [ "$(field "$(cat "$HANDOFF")" controller_job 2>/dev/null)" != "$CONTROLLER" ] && break
    sleep 0.5
done
ANSWER=$(client 120) || fail "the cluster did not recover: $(field "$ANSWER" error 2>/dev/null || echo "$ANSWER")"
RECOVERY=$(awk -v a="$(date +%s.%N)" -v b="$KILLED" 'BEGIN {print a - b}')
show_status
show_results "$ANSWER"
info "new controller job $(field "$ANSWER" controller_job), handoff generation $(field "$ANSWER" generation)"
printf '\n    recovery time (controller killed -> all 4 engines compute again): %.1f s\n' "$RECOVERY"

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
printf '\nDemo finished: bring-up %.1f s, controller recovery %.1f s.\n' "$BRINGUP" "$RECOVERY"
