#!/usr/bin/env bash
# The one-command demo on the embedded default. For now: build, then validate the example configuration and show
# what clusterd would run. (The full demo with pbs-emu, ipyparallel and MPI arrives with the end-to-end issue.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "== building clusterd"
swift build --product clusterd
echo "== clusterd check-config --config config/clusterd.example.toml"
.build/debug/clusterd check-config --config config/clusterd.example.toml
