#!/usr/bin/env bash
# Times `clusterd inspect-qstat` against the Python yardsticks on a 10,000-job listing, whole process,
# and fails unless clusterd is at least 3x faster and peaks at most 3x the input size in memory.
#
#   scripts/bench/qstat-parsers.sh [--jobs N] [--runs N] [--skip-build]
#
# JSON:  python3 -c 'json.loads(...)'          vs  clusterd inspect-qstat --dialect openpbs-json FILE
# text:  python3 scripts/bench/parse_text.py   vs  clusterd inspect-qstat --dialect pbs-text FILE
# Runs alternate (python, clusterd, python, ...) after one warm-up each; medians are reported.
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
[ "$(python3 scripts/bench/parse_text.py "$work/listing.txt")" = "$jobs" ] || { echo "parse_text.py disagrees" >&2; exit 1; }

python3 - "$work" "$runs" "$clusterd" <<'EOF'
import os
import platform
import statistics
import subprocess
import sys

work, runs, clusterd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
root = os.getcwd()


def measure(command):
    """Wall seconds and peak RSS (KB) of one whole process, via GNU time."""
    out = os.path.join(work, "time.out")
    with open(os.devnull, "wb") as devnull:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out] + command,
                       stdout=devnull, check=True)
    wall, rss = open(out).read().split()[-2:]
    return float(wall), int(rss)


cases = [
    ("JSON", "listing.json",
     ["python3", "-c", "import json,sys; json.loads(open(sys.argv[1],'rb').read())"],
     [clusterd, "inspect-qstat", "--dialect", "openpbs-json"]),
    ("text", "listing.txt",
     ["python3", os.path.join(root, "scripts/bench/parse_text.py")],
     [clusterd, "inspect-qstat", "--dialect", "pbs-text"]),
]
failed = False
print("machine: %s, %d cpus, python %s" % (platform.machine(), os.cpu_count(), platform.python_version()))
print("%-5s %8s  %-22s %-22s %7s  %s" % ("", "input", "python median (peak)", "clusterd median (peak)",
                                        "ratio", "clusterd peak / input"))
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
    ratio = py_wall / sw_wall if sw_wall > 0 else float("inf")
    memory = sw_rss * 1024 / size
    print("%-5s %6.1fMB  %6.3fs (%6.1f MB)     %6.3fs (%6.1f MB)     %6.2fx  %.2fx" % (
        name, size / 1e6, py_wall, py_rss / 1024, sw_wall, sw_rss / 1024, ratio, memory))
    if ratio < 3:
        print("FAIL: %s ratio %.2f is below 3" % (name, ratio))
        failed = True
    if memory > 3:
        print("FAIL: %s peak memory is %.2fx the input (limit 3x)" % (name, memory))
        failed = True
sys.exit(1 if failed else 0)
EOF
