#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs the fast test targets, then the slow end-to-end
# target with real ipyparallel + MPI + Jupyter, on pbs-emu and on a real Slurm (PBS wrappers) set up here and
# stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "== swift build (debug, with tests)"
swift build --build-tests
echo "== swift test (fast suite)"
swift test --skip-build --skip EndToEndTests

echo "== release build (static, what make install ships): install-check and idle cost"
stage=$(mktemp -d /tmp/clusterd-stage.XXXXXX)
make install DESTDIR="$stage" PREFIX=/usr/local
make install-check DESTDIR="$stage" PREFIX=/usr/local
# The supervisor's cost target: an idle daemon at or under 25 MiB RSS, one qstat per tick.
BIN="$stage/usr/local/bin" MAX_RSS_KB=25600 scripts/bench/daemon-idle.sh 30
rm -rf "$stage"

# Both end-to-end suites run here, one test at a time: pbs-emu (real ipyparallel, Open MPI and Jupyter; no Slurm
# needed) and the real Slurm below.
echo "== end to end: pbs-emu and Slurm with PBS wrappers, ipyparallel + MPI + Jupyter venv"
started_slurm=0
if ! scripts/e2e-slurm.sh status 2>/dev/null; then
    scripts/e2e-slurm.sh up
    started_slurm=1
fi
# Stop only what this run started (a developer's running Slurm stays up).
trap 'if [ "$started_slurm" = 1 ]; then scripts/e2e-slurm.sh down; fi' EXIT
export CLUSTERD_E2E_VENV
CLUSTERD_E2E_VENV=$(scripts/e2e-venv.sh)
echo "== python client (python/: import clusterd) against real ipyparallel + Open MPI"
python/run-tests.sh "$CLUSTERD_E2E_VENV" -q
export CLUSTERD_E2E_TIMINGS
CLUSTERD_E2E_TIMINGS=$(mktemp /tmp/clusterd-e2e-timings.XXXXXX)
echo "== swift test --filter EndToEndTests"
status=0
swift test --skip-build --filter EndToEndTests || status=$?
echo "== end-to-end timings (seconds; counts where the name says so)"
sed 's/^/    /' "$CLUSTERD_E2E_TIMINGS"
rm -f "$CLUSTERD_E2E_TIMINGS"
exit $status
