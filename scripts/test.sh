#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test target.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "== swift build (debug, with tests)"
swift build --build-tests
echo "== swift test"
swift test --skip-build
