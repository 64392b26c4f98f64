#!/usr/bin/env bash
# Checks an installed clusterd (after `make install`): every binary runs with a bare environment and no Swift
# toolchain on PATH or the library path, links no libswift*/Foundation/dispatch library, and the installed unit
# passes `systemd-analyze --user verify`. Exit 0 when all holds.
set -euo pipefail

BINDIR=${BINDIR:-$HOME/.local/bin}
UNITDIR=${UNITDIR:-${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user}
failed=0
fail() { echo "install-check: FAIL: $*" >&2; failed=1; }

for program in clusterd clusterctl pbs-emu; do
    binary="$BINDIR/$program"
    if [ ! -x "$binary" ]; then fail "$binary is missing (run make install)"; continue; fi
    # No toolchain: a bare PATH and no LD_LIBRARY_PATH.
    if [ "$program" = pbs-emu ]; then args=(--help); else args=(--version); fi
    if output=$(env -i PATH=/usr/bin:/bin "$binary" "${args[@]}" 2>&1); then
        echo "ok: env -i PATH=/usr/bin:/bin $binary ${args[*]} -> $(printf '%s' "$output" | head -n 1)"
    else
        fail "$binary ${args[*]} failed without the toolchain: $output"
    fi
    linked=$(ldd "$binary" 2>&1 || true)
    if printf '%s\n' "$linked" | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|not found'; then
        fail "$binary links Swift runtime libraries or misses one:"$'\n'"$linked"
    else
        echo "ok: ldd $binary: $(printf '%s\n' "$linked" | awk '{print $1}' | tr '\n' ' ')"
    fi
done

unit="$UNITDIR/clusterd.service"
if [ ! -f "$unit" ]; then
    fail "$unit is missing"
elif command -v systemd-analyze >/dev/null; then
    runtime=$(mktemp -d)
    trap 'rm -rf "$runtime"' EXIT
    chmod 700 "$runtime"
    # verify wants ExecStart's and ExecReload's binaries to exist; %h is $HOME. For a staged install (DESTDIR)
    # check a copy that runs the binaries checked above.
    copy="$runtime/clusterd.service"
    sed -e "s|^ExecStart=[^ ]*/clusterd |ExecStart=$BINDIR/clusterd |" \
        -e "s|^ExecReload=[^ ]*/clusterctl |ExecReload=$BINDIR/clusterctl |" "$unit" > "$copy"
    if ! messages=$(XDG_RUNTIME_DIR=$runtime systemd-analyze --user verify "$copy" 2>&1) || [ -n "$messages" ]; then
        fail "systemd-analyze --user verify $unit: $messages"
    else
        echo "ok: systemd-analyze --user verify $unit"
    fi
else
    echo "install-check: systemd-analyze not found, unit not verified" >&2
fi

if [ "$failed" -ne 0 ]; then exit 1; fi
echo "install-check: all good"
