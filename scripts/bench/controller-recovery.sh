#!/usr/bin/env bash
# What users feel when the controller is lost: the time until every engine computes again, and how many engine
# jobs went back through the queue. Real ipyparallel + Open MPI on pbs-emu, engine jobs made to wait in the queue
# (QUEUE_WAIT) the way they do on a busy cluster; the controller job itself is scheduled at once.
#
#   scripts/bench/controller-recovery.sh [RUNS]
#
#   BIN=.build/debug              clusterd, clusterctl, pbs-emu to measure
#   BASELINE_BIN=<dir>            another build's clusterd measured in the same run (e.g. the commit before engines
#                                 followed the controller); pbs-emu and the venv are shared
#   QUEUE_WAIT=60s                how long a new engine job waits in the queue
#   POLL_MS=2000                  the daemons' poll interval (test setting; real servers: >= 10 s)
#   VENV=<venv>                   ipyparallel + mpi4py (default: scripts/e2e-venv.sh)
#
# Prints one line per run and the medians; with a baseline, the ratio baseline / measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
RUNS=${1:-3}
BIN=${BIN:-$(swift build --show-bin-path)}
QUEUE_WAIT=${QUEUE_WAIT:-60s}
POLL_MS=${POLL_MS:-2000}
VENV=${VENV:-$(scripts/e2e-venv.sh)}

run_once() {  # run_once CLUSTERD -> "recovery_seconds engine_qsubs"
    local clusterd=$1 dir
    dir=$(mktemp -d /tmp/clusterd-recovery.XXXXXX)
    export PBS_EMU_HOME=$dir/emu PBS_EMU_SERVER=bench
    "$BIN/pbs-emu" install-links "$dir/bin" >/dev/null
    cat >"$dir/clusterd.toml" <<EOF
[daemon]
qstat = "$dir/bin/qstat"
qsub = "$dir/bin/qsub"
qdel = "$dir/bin/qdel"
state_dir = "$dir/state"
socket = "$dir/cd.sock"
on_sigterm = "stop-jobs"
[clusters.bench]
venv = "$VENV"
ipython_dir = "$dir/ipython"
workdir = "$dir"
[clusters.bench.controller]
restart = { initial_backoff = "1s" }
[clusters.bench.engines]
jobs = 2
select = "1:ncpus=1:mpiprocs=2"
mpi_args = ["--oversubscribe"]
restart = { initial_backoff = "1s" }
EOF
    CLUSTERD_TEST_POLL_INTERVAL_MS=$POLL_MS "$clusterd" run --config "$dir/clusterd.toml" >"$dir/clusterd.log" 2>&1 &
    local daemon=$! handoff=$dir/state/bench/controller.json
    client() { IPYTHONDIR=$dir/ipython "$VENV/bin/python" "$REPO/scripts/e2e_client.py" "$handoff" 4 "$1"; }
    for _ in $(seq 1 120); do [ -s "$handoff" ] && break; sleep 0.5; done
    client 120 >/dev/null || { echo "bring-up failed, see $dir" >&2; kill "$daemon"; exit 1; }
    "$BIN/pbs-emu" config queue-wait "$QUEUE_WAIT" --name 'cd-*-engine*' >/dev/null
    local before controller killed answer end
    before=$("$BIN/pbs-emu" stats | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["qsub"])')
    controller=$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["controller_job"])' \
        "$handoff")
    killed=$(date +%s.%N)
    "$BIN/pbs-emu" kill "$controller" --exit 1 >/dev/null
    for _ in $(seq 1 600); do
        grep -q "\"controller_job\" *: *\"$controller\"" "$handoff" || break
        sleep 0.2
    done
    answer=$(client 900) || { echo "no recovery, see $dir" >&2; kill "$daemon"; exit 1; }
    end=$(date +%s.%N)
    local after
    after=$("$BIN/pbs-emu" stats | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["qsub"])')
    kill -TERM "$daemon"
    wait "$daemon" 2>/dev/null || true
    "$BIN/pbs-emu" server stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    # qsubs during recovery, minus the new controller itself: the engine jobs sent back to the queue.
    awk -v a="$end" -v b="$killed" -v q=$((after - before - 1)) 'BEGIN { printf "%.1f %d\n", a - b, q }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

measure() {  # measure NAME CLUSTERD
    local name=$1 clusterd=$2 times=() qsubs=() line
    for run in $(seq 1 "$RUNS"); do
        line=$(run_once "$clusterd")
        printf '%-10s run %d: all 4 engines compute again after %6s s, engine jobs resubmitted: %s\n' \
            "$name" "$run" ${line} >&2
        times+=("${line% *}")
        qsubs+=("${line#* }")
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s\n' "${qsubs[@]}" | median)"
}

echo "controller lost -> all engines compute again (queue wait for engine jobs $QUEUE_WAIT, poll ${POLL_MS} ms)"
measured=$(measure measured "$BIN/clusterd" | tail -1)
if [ -n "${BASELINE_BIN:-}" ]; then
    baseline=$(measure baseline "$BASELINE_BIN/clusterd" | tail -1)
    printf '\nmedian recovery: baseline %s s (%s engine qsubs), measured %s s (%s engine qsubs): %.1fx faster\n' \
        "${baseline% *}" "${baseline#* }" "${measured% *}" "${measured#* }" \
        "$(awk -v b="${baseline% *}" -v m="${measured% *}" 'BEGIN { print b / m }')"
else
    printf '\nmedian recovery: %s s, engine jobs resubmitted: %s\n' "${measured% *}" "${measured#* }"
fi
