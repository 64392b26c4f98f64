#!/usr/bin/env bash
# A real single-host Slurm with its PBS wrappers (qsub/qstat/qdel from slurm-wlm-torque), without systemd.
#
#   scripts/e2e-slurm.sh up      install if needed, write the config, start munged, slurmctld, slurmd; wait idle
#   scripts/e2e-slurm.sh down    stop the daemons this script started (by their pid files)
#   scripts/e2e-slurm.sh status  exit 0 when the node answers and is usable
#
# Idempotent: `up` on a running Slurm only checks it; `down` on a stopped one does nothing. Needs root. The setup
# follows docs/end-to-end.md (measured facts: one host, no systemd, OverSubscribe so 2 cores run every job).
set -euo pipefail

RUN_DIR=/run/clusterd-e2e
CONF=/etc/slurm/slurm.conf
log() { printf 'e2e-slurm: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts slurmctld/slurmd)"; }

install_packages() {
    local missing=() p
    for p in slurm-wlm slurm-wlm-torque munge procps; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_config() {
    local host cpus mem
    host=$(hostname)
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ {print int($2/1024/2)}' /proc/meminfo)
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm "$RUN_DIR"
    local wanted
    wanted=$(cat <<EOF
# Written by clusterd scripts/e2e-slurm.sh: one host, no systemd, every job fits (OverSubscribe).
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MinJobAge=300
KillWait=5
SchedulerParameters=sched_interval=5
NodeName=$host CPUs=$cpus RealMemory=$mem
PartitionName=workq Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
)
    if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$wanted" ]; then
        printf '%s\n' "$wanted" > "$CONF"
        log "wrote $CONF ($cpus CPUs, ${mem} MB)"
    fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
    if pgrep -x munged >/dev/null && [ -S /run/munge/munge.socket.2 ]; then return 0; fi
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- munged || die "munged did not start; see /var/log/munge/munged.log"
    local i
    for i in $(seq 1 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
    : > "$RUN_DIR/started-munged"
    log "munged started"
}

wait_node_idle() {
    local i state
    for i in $(seq 1 40); do
        state=$(timeout 5 sinfo -h -N -o '%t' 2>/dev/null | head -n1 || true)
        case "$state" in
            idle|mix|alloc) return 0 ;;
            drain*|down*) scontrol update NodeName="$(hostname)" State=RESUME >/dev/null 2>&1 || true ;;
        esac
        sleep 0.5
    done
    die "the Slurm node did not become idle (state '${state:-none}'); see /var/log/slurm/slurmctld.log and slurmd.log"
}

up() {
    need_root
    install_packages
    write_config
    start_munge
    if ! alive "$RUN_DIR/slurmctld.pid"; then
        slurmctld || die "slurmctld did not start; see /var/log/slurm/slurmctld.log"
        log "slurmctld started"
    fi
    if ! alive "$RUN_DIR/slurmd.pid"; then
        slurmd || die "slurmd did not start; see /var/log/slurm/slurmd.log"
        log "slurmd started"
    fi
    wait_node_idle
    log "Slurm is up: $(timeout 5 sinfo -h -o '%P %a %D %t' | head -n1)"
}

stop_pidfile() {
    local file=$1 name=$2 pid i
    alive "$file" || { rm -f "$file"; return 0; }
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$file"
    log "$name stopped"
}

down() {
    need_root
    # Cancel what is left so no job outlives the test run.
    if alive "$RUN_DIR/slurmctld.pid"; then scancel --full --quiet "--user=$(id -un)" 2>/dev/null || true; fi
    stop_pidfile "$RUN_DIR/slurmd.pid" slurmd
    stop_pidfile "$RUN_DIR/slurmctld.pid" slurmctld
    if [ -f "$RUN_DIR/started-munged" ]; then
        local pid
        pid=$(pgrep -x munged || true)
        if [ -n "$pid" ]; then
            kill "$pid" 2>/dev/null || true
            local i
            for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            log "munged stopped"
        fi
        rm -f "$RUN_DIR/started-munged"
    fi
}

status() {
    alive "$RUN_DIR/slurmctld.pid" && alive "$RUN_DIR/slurmd.pid" || return 1
    case "$(timeout 5 sinfo -h -N -o '%t' 2>/dev/null | head -n1)" in idle|mix|alloc) return 0 ;; *) return 1 ;; esac
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
