#!/usr/bin/env bash
# Idle cost of the daemon: RSS and CPU time between ticks, and qstat calls per tick, on pbs-emu.
# Usage: scripts/bench/daemon-idle.sh [seconds to watch, default 60]
#        BIN=.build-static/release scripts/bench/daemon-idle.sh   (the binaries `make install` ships)
#        MAX_RSS_KB=25600 ... exits 1 when the RSS is above that or a tick ran more than one qstat (CI's check).
set -euo pipefail
cd "$(dirname "$0")/../.."
watch=${1:-60}
if [ -z "${BIN:-}" ]; then
    swift build -c release --product clusterd >/dev/null
    swift build -c release --product pbs-emu >/dev/null
fi
bin=${BIN:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d)
daemon=
trap '"$bin/pbs-emu" server stop >/dev/null 2>&1 || true; kill "$daemon" 2>/dev/null || true; rm -rf "$work"' EXIT
export PBS_EMU_HOME=$work/emu PBS_EMU_SERVER=emu HOME=$work
"$bin/pbs-emu" install-links "$work/bin" >/dev/null
cat > "$work/ctl.sh" <<'T'
#!/bin/bash
mkdir -p {{report_dir}}
printf '{"job_id": "%s", "address": "127.0.0.1", "engine_file": "/tmp/e.json"}' "$PBS_JOBID" \
    > {{report_dir}}/controller-$PBS_JOBID.json
exec sleep 3600
T
printf '#!/bin/bash\nexec sleep 3600\n' > "$work/eng.sh"
cat > "$work/c.toml" <<C
[daemon]
qstat = "$work/bin/qstat"
qsub = "$work/bin/qsub"
qdel = "$work/bin/qdel"
state_dir = "$work/state"
poll_interval = "10s"
[clusters.default.controller]
script = "$work/ctl.sh"
[clusters.default.engines]
script = "$work/eng.sh"
jobs = 4
C
"$bin/clusterd" run --config "$work/c.toml" 2>"$work/daemon.log" &
daemon=$!
sleep 25   # bring-up: controller, handoff, 4 engines
if ! kill -0 "$daemon" 2>/dev/null; then
    echo "daemon-idle: clusterd exited during bring-up; its log:" >&2
    cat "$work/daemon.log" >&2
    exit 1
fi
"$bin/pbs-emu" stats reset >/dev/null
t1=$(awk '{print $14+$15}' /proc/$daemon/stat)
sleep "$watch"
t2=$(awk '{print $14+$15}' /proc/$daemon/stat)
rss=$(awk '/VmRSS/ {print $2}' /proc/$daemon/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$daemon/status)
qstat=$("$bin/pbs-emu" stats | grep -o '"qstat": *[0-9]*' | grep -o '[0-9]*$')
hz=$(getconf CLK_TCK)
echo "watched ${watch}s with poll_interval 10s, 1 cluster, 5 jobs"
echo "RSS ${rss} kB (peak ${hwm} kB)"
echo "CPU $(( (t2 - t1) * 1000 / hz )) ms in ${watch}s"
echo "qstat calls: $qstat (expected about $(( watch / 10 )): one per tick)"
if [ -n "${MAX_RSS_KB:-}" ]; then
    ok=1
    if [ "$rss" -gt "$MAX_RSS_KB" ]; then echo "FAIL: RSS ${rss} kB is above ${MAX_RSS_KB} kB" >&2; ok=0; fi
    if [ "$qstat" -gt $(( watch / 10 + 1 )) ]; then echo "FAIL: more than one qstat per tick" >&2; ok=0; fi
    if [ "$ok" = 0 ]; then
        echo "thread names:" >&2
        cat /proc/$daemon/task/*/comm | sort | uniq -c >&2
        exit 1
    fi
    echo "ok: RSS at most ${MAX_RSS_KB} kB, one qstat per tick"
fi
