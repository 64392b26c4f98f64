#!/usr/bin/env bash
# Runs the clusterd Python client's tests against real ipyparallel, Open MPI and mpi4py.
#
#   python/run-tests.sh VENV [pytest arguments...]
#
# VENV is used as it is when it exists (CI passes the end-to-end venv that already has ipyparallel, mpi4py and
# notebook), and created with `python3 -m venv` otherwise ($PYTHON picks the interpreter). The package is installed
# into it with its test extras (pytest, mpi4py); only PyPI is needed. mpirun (Open MPI) must be on PATH for the MPI
# test; as root, the tests set OMPI_ALLOW_RUN_AS_ROOT themselves. The run takes well under two minutes on 2 cores
# and leaves no process behind.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
venv=$1
shift
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$venv/bin/python" ]; then
    echo "run-tests.sh: creating $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
venv=$(cd "$venv" && pwd)    # the tests run from $here: a relative VENV must still name the same place
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$here[test]"
cd "$here"
exec "$venv/bin/python" -m pytest tests -p no:cacheprovider "$@"
