#!/usr/bin/env bash
# Times `clusterd inspect-qstat` against the Python yardsticks on a 10,000-job listing, whole process,
# and fails unless clusterd is at least 3x faster and peaks at most 3x the input size in memory.
#
#   scripts/bench/qstat-parsers.sh [--jobs N] [--runs N] [--skip-build]
#
# JSON:  python3 -c 'json.loads(...)'          vs  clusterd inspect-qstat --dialect openpbs-json FILE
# text:  python3 scripts/bench/parse_text.py   vs  clusterd inspect-qstat --dialect pbs-text FILE
# Runs alternate (python, clusterd, python, ...) after one warm-up each; wall time is a monotonic clock
# around spawn and reap, peak memory the child's ru_maxrss; medians are reported.
set -euo pipefail

jobs=10000
runs=7
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --skip-build) build=0; shift ;;
        *) echo "usage: $0 [--jobs N] [--runs N] [--skip-build]" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ "$build" = 1 ]; then
    swift build -c release --product clusterd >&2
fi
clusterd="$(swift build -c release --show-bin-path)/clusterd"
[ -x "$clusterd" ] || { echo "no release clusterd at $clusterd" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 scripts/bench/gen_qstat.py --jobs "$jobs" --format json "$work/listing.json"
python3 scripts/bench/gen_qstat.py --jobs "$jobs" --format text "$work/listing.txt"

# Both sides must agree on what they parsed before their speed means anything.
for pair in "openpbs-json listing.json" "pbs-text listing.txt"; do
    set -- $pair
    lines="$("$clusterd" inspect-qstat --dialect "$1" "$work/$2" | wc -l)"
    if [ "$lines" != "$jobs" ]; then
        echo "clusterd printed $lines jobs for $2, expected $jobs" >&2
        exit 1
    fi
done
if [ "$(python3 scripts/bench/parse_text.py "$work/listing.txt")" != "$jobs" ]; then
    echo "parse_text.py disagrees on the number of jobs" >&2
    exit 1
fi

# Time the interpreter itself, not a version-manager shim in front of it (pyenv's adds ~0.1 s).
python="$(python3 -c 'import sys; print(sys.executable)')"

python3 - "$work" "$runs" "$clusterd" "$python" <<'EOF'
import os
import platform
import statistics
import subprocess
import sys
import time

work, runs, clusterd, python = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
root = os.getcwd()


def measure(command):
    """Wall seconds (monotonic clock around spawn..reap) and peak RSS in KB of one whole process."""
    with open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=devnull)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit("%s exited %d" % (command, child.returncode))
    return wall, usage.ru_maxrss


cases = [
    ("JSON", "listing.json",
     [python, "-c", "import json,sys; json.loads(open(sys.argv[1],'rb').read())"],
     [clusterd, "inspect-qstat", "--dialect", "openpbs-json"]),
    ("text", "listing.txt",
     [python, os.path.join(root, "scripts/bench/parse_text.py")],
     [clusterd, "inspect-qstat", "--dialect", "pbs-text"]),
]
failed = False
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
print("machine: %s, %d cpus (%s); python: %s (%s)" % (
    platform.machine(), os.cpu_count(), cpu, python, platform.python_version()))
print("%-5s %8s  %-22s %-22s %7s  %s" % ("", "input", "python median (peak)", "clusterd median (peak)",
                                        "ratio*", "clusterd peak / input"))
for name, file, python, swift in cases:
    path = os.path.join(work, file)
    size = os.path.getsize(path)
    measure(python + [path])
    measure(swift + [path])
    py, sw = [], []
    for _ in range(runs):
        py.append(measure(python + [path]))
        sw.append(measure(swift + [path]))
    py_wall = statistics.median(w for w, _ in py)
    sw_wall = statistics.median(w for w, _ in sw)
    py_rss = statistics.median(r for _, r in py)
    sw_rss = statistics.median(r for _, r in sw)
    # Runs alternate, so each pair saw the same machine: the median of the pair ratios is the figure.
    ratio = statistics.median(p / s for (p, _), (s, _) in zip(py, sw))
    memory = sw_rss * 1024 / size
    print("%-5s %6.1fMB  %6.3fs (%6.1f MB)     %6.3fs (%6.1f MB)     %6.2fx  %.2fx" % (
        name, size / 1e6, py_wall, py_rss / 1024, sw_wall, sw_rss / 1024, ratio, memory))
    if ratio < 3:
        print("FAIL: %s ratio %.2f is below 3" % (name, ratio))
        failed = True
    if memory > 3:
        print("FAIL: %s peak memory is %.2fx the input (limit 3x)" % (name, memory))
        failed = True
print("* median over the alternating pairs of python wall / clusterd wall; peaks are ru_maxrss")
sys.exit(1 if failed else 0)
EOF
