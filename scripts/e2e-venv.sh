#!/usr/bin/env bash
# The Python side of the end-to-end tests and the demo: Debian's Open MPI and python3-venv, then a venv with
# ipyparallel, mpi4py and notebook from PyPI (notebook brings tornado and jupyter_client, which the notebook
# scenario's scripts/e2e_notebook.py uses), and this repository's Python client (python/, `import clusterd`),
# reinstalled on every run so the tests always use the checked-out version. Idempotent; prints the venv path.
#
#   scripts/e2e-venv.sh [VENV]     default: $CLUSTERD_E2E_VENV or <repo>/.build/e2e-venv
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${1:-${CLUSTERD_E2E_VENV:-$PWD/.build/e2e-venv}}
log() { printf 'e2e-venv: %s\n' "$*" >&2; }

missing=()
for p in openmpi-bin libopenmpi-dev python3-venv; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { log "ERROR: need root to install: ${missing[*]}"; exit 1; }
        sudo="sudo"
    fi
    log "installing ${missing[*]}"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

check='import ipyparallel, mpi4py, notebook, tornado.websocket; from mpi4py import MPI'
if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" 2>/dev/null; }; then
    log "creating $venv (ipyparallel, mpi4py, notebook from PyPI; a minute or two)"
    # Debian's interpreter: its venv module comes from python3-venv, whatever python3 is first on PATH.
    [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check ipyparallel mpi4py notebook >&2 \
        || { log "ERROR: pip install failed (is PyPI reachable?)"; exit 1; }
    "$venv/bin/python" -c "$check" \
        || { log "ERROR: the venv at $venv cannot import ipyparallel/mpi4py/notebook"; exit 1; }
fi
# The client under test: always the checked-out python/ (a few seconds), its dependencies are already there.
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps ./python >&2 \
    || { log "ERROR: pip install ./python failed"; exit 1; }
"$venv/bin/python" -c 'import clusterd' || { log "ERROR: the venv at $venv cannot import clusterd"; exit 1; }
echo "$venv"
