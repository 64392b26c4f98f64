/// The built-in job scripts: the seed's three PBS scripts with ipyparallel 9 flags.
///
/// Each script runs under PBS (PBS_JOBID, PBS_O_WORKDIR) or Slurm's PBS wrappers (SLURM_JOB_ID), as root or
/// not. Jobs report what the daemon needs (the controller's address, the notebook's host and port) by writing a
/// small JSON file into `{{report_dir}}` atomically (temp file, then `mv`).
enum BuiltInTemplates {
    static let prologue = """
        #!/bin/bash
        # clusterd {{cluster_name}}: {{role}} job. Rendered by clusterd; see `clusterd render-scripts`.
        set -u
        JOBID="${PBS_JOBID:-${SLURM_JOB_ID:-unknown}}"
        REPORT_DIR={{report_dir}}
        mkdir -p "$REPORT_DIR"
        # Write a report atomically: report NAME JSON
        report() { printf '%s\\n' "$2" > "$REPORT_DIR/.$1.$$" && mv -f "$REPORT_DIR/.$1.$$" "$REPORT_DIR/$1"; }
        # The IPv4 address of an interface, or of the first global one for "auto".
        address_of() {
            local a
            if [ "$1" = auto ]; then
                a=$(hostname -I 2>/dev/null | awk '{print $1}')
                [ -n "$a" ] || a=$(ip -4 -o addr show scope global 2>/dev/null \\
                    | awk '{split($4,p,"/"); print p[1]; exit}')
                [ -n "$a" ] || a=127.0.0.1
            else
                a=$(ip -4 -o addr show dev "$1" 2>/dev/null | awk '{split($4,p,"/"); print p[1]; exit}')
            fi
            printf '%s' "$a"
        }
        cd {{workdir}} || { echo "clusterd: cannot cd to "{{workdir}} >&2; exit 1; }
        {{environment}}
        if [ -n {{venv}} ]; then
            # shellcheck disable=SC1090
            source {{venv}}/bin/activate || { echo "clusterd: cannot activate the venv "{{venv}} >&2; exit 1; }
        fi
        if [ "$(id -u)" = 0 ]; then
            # Open MPI refuses to run as root without both.
            export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        fi

        """

    static let controller = prologue + """
        ADDR=$(address_of {{interface}})
        if [ -z "$ADDR" ]; then
            echo "clusterd: no IPv4 address on interface "{{interface}} >&2
            exit 1
        fi
        if [ {{seed_ip_file}} = yes ]; then
            mkdir -p "$HOME/$JOBID" && echo "$ADDR" > "$HOME/$JOBID/ipcontroller_current_ip"
        fi
        ENGINE_FILE="${IPYTHONDIR:-$HOME/.ipython}/profile_"{{profile}}"/security/ipcontroller-engine.json"
        CLIENT_FILE="${IPYTHONDIR:-$HOME/.ipython}/profile_"{{profile}}"/security/ipcontroller-client.json"
        rm -f "$ENGINE_FILE"
        ipcontroller --profile={{profile}} --ip="$ADDR" {{controller_args}} &
        CHILD=$!
        trap 'kill -TERM $CHILD 2>/dev/null' TERM INT
        # Report only once the controller has written its connection files: then engines can connect.
        while kill -0 $CHILD 2>/dev/null && [ ! -s "$ENGINE_FILE" ]; do sleep 0.5; done
        if [ -s "$ENGINE_FILE" ]; then
            report "controller-$JOBID.json" "{\\"job_id\\": \\"$JOBID\\", \\"address\\": \\"$ADDR\\", \\
        \\"host\\": \\"$(hostname)\\", \\"engine_file\\": \\"$ENGINE_FILE\\", \\"client_file\\": \\"$CLIENT_FILE\\"}"
        fi
        wait $CHILD
        STATUS=$?
        # A trapped signal interrupts `wait`; keep waiting for the real exit status.
        while kill -0 $CHILD 2>/dev/null; do wait $CHILD; STATUS=$?; done
        exit $STATUS

        """

    static let engines = prologue + """
        HANDOFF={{handoff_file}}
        if [ ! -s "$HANDOFF" ]; then
            echo "clusterd: no controller handoff at $HANDOFF" >&2
            exit 1
        fi
        ENGINE_FILE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["engine_file"])' "$HANDOFF")
        NP=""
        if [ -n "${PBS_NODEFILE:-}" ] && [ -r "$PBS_NODEFILE" ]; then
            NP=$(wc -l < "$PBS_NODEFILE")
        elif [ -n "${SLURM_NTASKS:-}" ]; then
            NP=$SLURM_NTASKS
        fi
        {{mpi_launcher}} ${NP:+-np "$NP"} {{mpi_args}} ipengine --mpi --profile={{profile}} --file="$ENGINE_FILE" \\
            {{engine_args}} &
        CHILD=$!
        trap 'kill -TERM $CHILD 2>/dev/null' TERM INT
        wait $CHILD
        STATUS=$?
        # A trapped signal interrupts `wait`; keep waiting for the real exit status.
        while kill -0 $CHILD 2>/dev/null; do wait $CHILD; STATUS=$?; done
        exit $STATUS

        """

    static let notebook = prologue + """
        ADDR=$(address_of auto)
        report "notebook-$JOBID.json" "{\\"job_id\\": \\"$JOBID\\", \\"host\\": \\"$(hostname)\\", \\
        \\"address\\": \\"$ADDR\\", \\"port\\": "{{port}}"}"
        exec jupyter {{app}} --no-browser --ip="$ADDR" --port={{port}} {{notebook_args}}

        """
}
