#!/usr/bin/env bash
# Times `clusterctl status` against `supervisorctl status` (Debian's supervisor), whole process, on this
# machine, and prints the ratio. The target is clusterctl >= 5x faster.
#
#   scripts/bench/clusterctl-status.sh [--runs N] [--skip-build]
#
# clusterctl talks to a live clusterd (one cluster: controller + 2 engines on pbs-emu); supervisorctl to a
# supervisord running one `sleep` program. Both over a unix socket in a temporary directory. Uses hyperfine
# when installed (apt-get install hyperfine), otherwise a Python loop that alternates the two commands;
# medians are reported either way.
set -euo pipefail

runs=50
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --skip-build) build=0; shift ;;
        *) echo "usage: $0 [--runs N] [--skip-build]" >&2; exit 2 ;;
    esac
done
command -v supervisord >/dev/null || { echo "needs supervisor: apt-get install supervisor" >&2; exit 2; }

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ "$build" = 1 ]; then
    swift build -c release --product clusterctl >&2
    swift build --product clusterd >&2
    swift build --product pbs-emu >&2
fi
ctl="$(swift build -c release --show-bin-path)/clusterctl"
debug="$(swift build --show-bin-path)"
clusterd="$debug/clusterd"
release="$(swift build -c release --show-bin-path)"
[ -x "$release/clusterd" ] && clusterd="$release/clusterd"

tmp="$(mktemp -d /tmp/clusterctl-bench.XXXXXX)"
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
    [ -S "$tmp/supervisor.sock" ] && supervisorctl -c "$tmp/supervisord.conf" shutdown >/dev/null 2>&1 || true
    PBS_EMU_HOME="$tmp/emu" PBS_EMU_SERVER=bench "$debug/pbs-emu" server stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# clusterd on pbs-emu.
export PBS_EMU_HOME="$tmp/emu" PBS_EMU_SERVER=bench
mkdir -p "$tmp/bin"
"$debug/pbs-emu" install-links "$tmp/bin" >/dev/null
cat > "$tmp/controller.sh" <<'SH'
#!/bin/bash
mkdir -p {{report_dir}}
echo "{\"job_id\": \"$PBS_JOBID\", \"address\": \"127.0.0.1\", \"engine_file\": \"/dev/null\"}" \
    > {{report_dir}}/.c
mv {{report_dir}}/.c {{report_dir}}/controller-$PBS_JOBID.json
exec sleep 600
SH
printf '#!/bin/bash\nexec sleep 600\n' > "$tmp/engine.sh"
cat > "$tmp/clusterd.toml" <<TOML
[daemon]
qstat = "$tmp/bin/qstat"
qsub = "$tmp/bin/qsub"
qdel = "$tmp/bin/qdel"
state_dir = "$tmp/state"
socket = "$tmp/run/clusterd.sock"
[clusters.default]
[clusters.default.controller]
script = "$tmp/controller.sh"
[clusters.default.engines]
jobs = 2
script = "$tmp/engine.sh"
TOML
"$clusterd" run --config "$tmp/clusterd.toml" --log-level warning 2>"$tmp/clusterd.log" &
daemon_pid=$!
for _ in $(seq 100); do "$ctl" status --config "$tmp/clusterd.toml" >/dev/null 2>&1 && break; sleep 0.1; done

# supervisord with one trivial program.
cat > "$tmp/supervisord.conf" <<CONF
[unix_http_server]
file = $tmp/supervisor.sock
[supervisord]
logfile = $tmp/supervisord.log
pidfile = $tmp/supervisord.pid
childlogdir = $tmp
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl = unix://$tmp/supervisor.sock
[program:sleeper]
command = sleep 600
CONF
supervisord -c "$tmp/supervisord.conf"
for _ in $(seq 100); do supervisorctl -c "$tmp/supervisord.conf" status >/dev/null 2>&1 && break; sleep 0.1; done

echo "clusterctl status:" >&2
"$ctl" status --config "$tmp/clusterd.toml" >&2
echo "supervisorctl status:" >&2
supervisorctl -c "$tmp/supervisord.conf" status >&2 || true

a="$ctl status --config $tmp/clusterd.toml"
b="supervisorctl -c $tmp/supervisord.conf status"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 5 --runs "$runs" --export-json "$tmp/h.json" "$a" "$b" >&2
    python3 - "$tmp/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ctl, sup = r[0]["median"], r[1]["median"]
print(f"clusterctl status   median {ctl*1000:.1f} ms")
print(f"supervisorctl status median {sup*1000:.1f} ms")
print(f"ratio {sup/ctl:.1f}x (target >= 5x)")
PY
else
    python3 - "$runs" "$a" "$b" <<'PY'
import shlex, statistics, subprocess, sys, time
runs, a, b = int(sys.argv[1]), shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
times = {0: [], 1: []}
for i in range(runs + 5):
    for k, cmd in ((0, a), (1, b)):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= 5: times[k].append(time.perf_counter() - t)
ctl, sup = statistics.median(times[0]), statistics.median(times[1])
print(f"clusterctl status   median {ctl*1000:.1f} ms")
print(f"supervisorctl status median {sup*1000:.1f} ms")
print(f"ratio {sup/ctl:.1f}x (target >= 5x)")
PY
fi
