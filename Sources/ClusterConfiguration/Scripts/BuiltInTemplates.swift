/// The built-in job scripts: the seed's three PBS scripts with ipyparallel 9 flags, grown into what keeps the
/// cluster alive (docs/reconciler.md, "Engines follow the controller").
///
/// Each script runs under PBS (PBS_JOBID, PBS_O_WORKDIR) or Slurm's PBS wrappers (SLURM_JOB_ID), as root or
/// not. Jobs report what the daemon needs by writing small JSON files into `{{report_dir}}` atomically (temp
/// file, then `mv`): the controller its address and connection files (`controller-<id>.json`) and, every few
/// seconds, the engines registered with it (`health-<id>.json`); engine jobs their MPI process count
/// (`engine-<id>.json`); the notebook its URL and token (`notebook-<id>.json`, mode 0600).
///
/// - The controller runs `ipcontroller --cluster-id=<cluster>-<job id>`: its connection files are its own, so a
///   renewal, a replacement or another cluster on the same profile never shares or deletes them.
/// - Engine jobs follow the handoff file: when it names another controller (its `engines` part first), they start
///   new `ipengine`s against it inside their allocation and stop the old ones once the new ones registered
///   (make-before-break); without a usable controller for `controller_wait` they exit and free the allocation.
enum BuiltInTemplates {
    static let prologue = """
        #!/bin/bash
        # clusterd {{cluster_name}}: {{role}} job. Rendered by clusterd; see `clusterd render-scripts`.
        set -u
        # Job control: every background child gets its own process group, so `kill -- -PID` also reaches the
        # grandchildren it leaves behind (ipcontroller's schedulers, MPI ranks). Same session, so PBS still tracks
        # (and kills) them. (ipengine's nannies start their own session; each exits within ~3 s of its engine.)
        set -m
        JOBID="${PBS_JOBID:-${SLURM_JOB_ID:-unknown}}"
        # The job id as a file-name and cluster-id word: 12.server -> 12.server, 6[3].server -> 6_3_.server
        SAFE_JOBID=$(printf '%s' "$JOBID" | tr -c 'A-Za-z0-9_.-' '_')
        REPORT_DIR={{report_dir}}
        mkdir -p "$REPORT_DIR"
        # Write a report atomically, readable by the user only (the notebook's holds its token): report NAME JSON
        report() {
            (umask 077 && printf '%s\\n' "$2" > "$REPORT_DIR/.$1.$$") && mv -f "$REPORT_DIR/.$1.$$" "$REPORT_DIR/$1"
        }
        say() { printf '%s clusterd: %s\\n' "$(date '+%F %T')" "$*"; }
        # The node address a selector names, printed on stdout (nothing when none fits): "auto" (the first address of
        # `hostname -I`, else the first global one, else 127.0.0.1), an interface name (its first IPv4 address), an
        # address (when the node has it) or a network in CIDR form (the node's first address inside it).
        pick_address() {
            python3 -I -S - "$1" "$(ip -o addr show 2>/dev/null)" "$(hostname -I 2>/dev/null)" <<'PY'
        import ipaddress, sys
        selector, listing, first = sys.argv[1], sys.argv[2], sys.argv[3].split()
        found = []  # (interface, address, global?)
        for line in listing.splitlines():
            words = line.split()
            if len(words) >= 4 and words[2] in ("inet", "inet6"):
                found.append((words[1], words[3].split("/")[0], "scope global" in line))
        def pick(address):
            print(address)
            sys.exit(0)
        if selector == "auto":
            for address in [a for a in first if ":" not in a] + first:
                pick(address)
            for name, address, is_global in found:
                if is_global and ":" not in address:
                    pick(address)
            pick("127.0.0.1")
        try:
            network = ipaddress.ip_network(selector, strict=False)
        except ValueError:
            network = None
        for name, address, is_global in found:
            if network is not None and ipaddress.ip_address(address) in network:
                pick(address)
            if network is None and name == selector and ":" not in address:
                pick(address)
        print("clusterd: no address of this node matches %s (it has: %s)" % (
            selector, ", ".join(a for _, a, _ in found) or "none"), file=sys.stderr)
        sys.exit(1)
        PY
        }
        # Stop a background child and its process group: TERM, then KILL after $2 seconds (default 10).
        stop_group() {
            local pid=$1 i
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
            for ((i = 0; i < ${2:-10} * 10; i++)); do
                kill -0 -- "-$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL -- "-$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
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

    /// The controller's health sidecar (standard library only): counts the engines ipcontroller has registered.
    static let healthSidecar = """
        # clusterd health sidecar: python3 -I -S -c "$HEALTH_PY" JOBID CONTROLLER_PID STATE_FILE HEALTH_FILE INTERVAL
        # Every INTERVAL seconds, writes HEALTH_FILE atomically: the engines registered with this controller, read from
        # the hub's own engine-state file (rewritten by ipcontroller on every registration and unregistration).
        # Exits as soon as the controller or the job shell is gone. Standard library only: a few MB, no zmq.
        import json, os, sys, time
        job, pid, state, health, interval = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
        parent, ids = os.getppid(), []
        tmp = os.path.join(os.path.dirname(health), "." + os.path.basename(health) + ".%d" % os.getpid())
        def alive(p):
            try:
                os.kill(p, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                pass
            return True
        while alive(pid) and os.getppid() == parent:
            try:
                with open(state) as f:
                    ids = sorted(int(e) for e in json.load(f)["engines"])
            except FileNotFoundError:
                ids = []
            except (OSError, ValueError, KeyError, TypeError):
                pass  # caught ipcontroller mid-write: keep the last count
            doc = {"job_id": job, "registered": len(ids), "engine_ids": ids, "time": int(time.time())}
            try:
                with open(tmp, "w") as f:
                    json.dump(doc, f)
                os.replace(tmp, health)
            except OSError as e:
                print("clusterd health: cannot write %s: %s" % (health, e), file=sys.stderr, flush=True)
            time.sleep(interval)
        """

    static let controller = prologue + """
        ADDR=$(pick_address {{address}}) || exit 1
        if [ {{seed_ip_file}} = yes ]; then
            mkdir -p "$HOME/$JOBID" && echo "$ADDR" > "$HOME/$JOBID/ipcontroller_current_ip"
        fi
        # One cluster id per controller job: its connection files are its own, and its SIGTERM deletes only those.
        CLUSTER_ID={{cluster_name}}-$SAFE_JOBID
        PROFILE_DIR="${IPYTHONDIR:-$HOME/.ipython}/profile_"{{profile}}
        ENGINE_FILE="$PROFILE_DIR/security/ipcontroller-$CLUSTER_ID-engine.json"
        CLIENT_FILE="$PROFILE_DIR/security/ipcontroller-$CLUSTER_ID-client.json"
        # ipcontroller rewrites this on every engine (un)registration; the health sidecar reads it.
        STATE_FILE="$PROFILE_DIR/log/engines$CLUSTER_ID.json"
        HEALTH_INTERVAL={{health_interval}}
        HEALTH_PY=$(cat <<'PY'
        {{health_py}}
        PY
        )
        rm -f "$ENGINE_FILE" "$CLIENT_FILE" "$STATE_FILE"
        unset IPP_CLUSTER_ID
        ipcontroller --profile={{profile}} --cluster-id="$CLUSTER_ID" --ip="$ADDR" {{controller_args}} &
        CHILD=$!
        HEALTH=""
        # shellcheck disable=SC2317
        finish() {
            [ -n "$HEALTH" ] && kill -TERM "$HEALTH" 2>/dev/null
            # ipcontroller's scheduler processes outlive a SIGKILLed ipcontroller: end its whole process group.
            stop_group "$CHILD" 10
            [ -n "$HEALTH" ] && wait "$HEALTH" 2>/dev/null
        }
        trap 'kill -TERM $CHILD 2>/dev/null' TERM INT
        # Report only once the controller has written its connection files (the engine file comes last).
        for ((i = 0; i < 1200; i++)); do
            [ -s "$ENGINE_FILE" ] && break
            kill -0 "$CHILD" 2>/dev/null || break
            sleep 0.1
        done
        if [ ! -s "$ENGINE_FILE" ] && kill -0 "$CHILD" 2>/dev/null; then
            echo "clusterd: ipcontroller wrote no connection file in 120 s" >&2
            stop_group "$CHILD" 10
            exit 1
        fi
        if kill -0 "$CHILD" 2>/dev/null; then
            report "controller-$JOBID.json" "{\\"job_id\\": \\"$JOBID\\", \\"address\\": \\"$ADDR\\", \\
        \\"host\\": \\"$(hostname)\\", \\"cluster_id\\": \\"$CLUSTER_ID\\", \\"engine_file\\": \\"$ENGINE_FILE\\", \\
        \\"client_file\\": \\"$CLIENT_FILE\\"}"
            python3 -I -S -c "$HEALTH_PY" "$JOBID" "$CHILD" "$STATE_FILE" "$REPORT_DIR/health-$JOBID.json" \\
                "$HEALTH_INTERVAL" &
            HEALTH=$!
        fi
        wait "$CHILD"
        STATUS=$?
        # A trapped signal interrupts `wait`; keep waiting for the real exit status.
        while kill -0 "$CHILD" 2>/dev/null; do wait "$CHILD"; STATUS=$?; done
        finish
        exit $STATUS

        """

    static let engines = prologue + """
        HANDOFF={{handoff_file}}
        LOG_DIR={{log_dir}}
        # Seconds without a usable controller (handoff missing, stale, engine file absent) before the job gives up.
        CONTROLLER_WAIT={{controller_wait}}
        # Seconds new engines get to register with a new controller (engines.register_wait) before going on anyway.
        REGISTER_WAIT={{register_wait}}
        # Seconds the previous engines then keep serving clients that have not moved yet: clusterd moves them at a
        # tick, register_wait after the move began at the latest (register_wait + 2 poll intervals).
        CLIENT_WAIT={{client_wait}}
        POLL={{poll_interval}}
        mkdir -p "$LOG_DIR"
        NP=""
        if [ -n "${PBS_NODEFILE:-}" ] && [ -r "$PBS_NODEFILE" ]; then
            NP=$(wc -l < "$PBS_NODEFILE")
        elif [ -n "${SLURM_NTASKS:-}" ]; then
            NP=$SLURM_NTASKS
        fi
        # The controller engines must follow: the handoff's "engines" part, else its top level (older daemons).
        # Prints generation, controller job, engine file, one per line; nothing when there is no usable controller.
        usable_controller() {
            python3 -I -S - "$HANDOFF" <<'PY' 2>/dev/null
        import json, os, sys
        try:
            with open(sys.argv[1]) as f:
                h = json.load(f)
            e = h.get("engines") or h
            if not e.get("stale") and os.path.getsize(e["engine_file"]) > 0:
                print(int(e["generation"]), e["controller_job"], e["engine_file"], sep="\\n")
        except Exception:
            pass
        PY
        }
        # The controller clients use (the handoff's top level), unless it is stale; nothing otherwise.
        clients_controller() {
            python3 -I -S - "$HANDOFF" <<'PY' 2>/dev/null
        import json, sys
        try:
            with open(sys.argv[1]) as f:
                h = json.load(f)
            if not h.get("stale"):
                print(h["controller_job"])
        except Exception:
            pass
        PY
        }
        # True when all engines of log $1 completed registration and controller job $2's health file lists them.
        registered() {
            python3 -I -S - "$1" "$REPORT_DIR/health-$2.json" "${NP:-1}" <<'PY' 2>/dev/null
        import json, re, sys
        with open(sys.argv[1], errors="replace") as f:
            mine = {int(i) for i in re.findall(r"Completed registration with id (\\d+)", f.read())}
        with open(sys.argv[2]) as f:
            known = set(json.load(f)["engine_ids"])
        sys.exit(0 if len(mine) >= int(sys.argv[3]) and mine <= known else 1)
        PY
        }
        engine_report() {
            report "engine-$JOBID.json" "{\\"job_id\\": \\"$JOBID\\", \\"np\\": ${NP:-null}, \\"generation\\": $GEN, \\
        \\"controller_job\\": \\"$CTRL\\", \\"registered\\": $1, \\"time\\": $(date +%s)}"
        }
        CUR=""      # mpirun of the engines that follow generation $GEN
        GEN=""
        CTRL=""
        OLD=""
        NAP=""      # the current `sleep`: a trapped signal interrupts `wait`, not `sleep`
        nap() { sleep "$1" & NAP=$!; wait "$NAP"; NAP=""; }
        # shellcheck disable=SC2317
        on_signal() {
            trap '' TERM INT
            [ -n "$NAP" ] && { kill "$NAP"; wait "$NAP"; } 2>/dev/null
            say "signal: stopping engines"
            [ -n "$OLD" ] && stop_group "$OLD" 10 &
            [ -n "$CUR" ] && stop_group "$CUR" 10 &
            wait
            exit 143
        }
        trap on_signal TERM INT
        # Make before break: start engines for generation $1 (controller job $2, engine file $3), wait until they are
        # registered (bounded by REGISTER_WAIT), then stop the previous engines. When the handoff moves on meanwhile
        # (the new controller died, or a newer one came), the new engines are stopped and the previous ones kept: the
        # main loop then follows whatever the handoff names now.
        # Inside follow: when the handoff no longer sends engines to generation $GEN, stops the engines started for
        # it, takes back the previous ones (follow's old_gen, old_ctrl) and is true; $1 says what came too late.
        moved_on() {
            [ "$(usable_controller | head -n 1)" = "$GEN" ] && return 1
            say "generation $GEN: the handoff moved on before $1: stopping these engines"
            stop_group "$CUR" 10
            CUR=$OLD GEN=$old_gen CTRL=$old_ctrl OLD=""
        }
        follow() {
            local log="$LOG_DIR/engines-$SAFE_JOBID-g$1.log" t0 status ok=true
            local old_gen=$GEN old_ctrl=$CTRL
            OLD=$CUR
            GEN=$1 CTRL=$2
            say "generation $GEN: starting engines for controller $CTRL (${NP:-default} processes, log $log)"
            {{mpi_launcher}} ${NP:+-np "$NP"} {{mpi_args}} ipengine --mpi --profile={{profile}} --file="$3" \\
                {{engine_args}} >"$log" 2>&1 &
            CUR=$!
            engine_report false
            t0=$SECONDS
            until registered "$log" "$CTRL"; do
                moved_on "these engines registered" && return
                if ! kill -0 "$CUR" 2>/dev/null; then
                    wait "$CUR"; status=$?
                    stop_group "$CUR" 5
                    say "generation $GEN: mpirun exited with status $status before its engines registered"
                    [ -n "$OLD" ] && stop_group "$OLD" 10
                    exit $status
                fi
                if ((SECONDS - t0 >= REGISTER_WAIT)); then
                    say "generation $GEN: engines not all registered after $REGISTER_WAIT s; going on"
                    ok=false
                    break
                fi
                nap 1
            done
            $ok && say "generation $GEN: engines registered after $((SECONDS - t0)) s"
            engine_report $ok
            if [ -n "$OLD" ]; then
                # Clients stay on the previous controller until clusterd moves the handoff's top level, at its first
                # poll after the new controller has every engine: until then the previous engines serve them
                # (bounded), or a client of a planned renewal would see no engine for up to a poll interval.
                t0=$SECONDS
                while [ "$(clients_controller)" = "$old_ctrl" ] && kill -0 "$OLD" 2>/dev/null \
                    && ((SECONDS - t0 < CLIENT_WAIT)); do
                    moved_on "the clients did" && return
                    nap 1
                done
                stop_group "$OLD" 10
                say "stopped the engines of the previous generation"
            fi
            OLD=""
        }
        waiting_since=$SECONDS
        SIG="" parsed_at=0 H_GEN="" H_CTRL="" H_FILE=""
        while :; do
            # Parse the handoff (a python start, ~20 ms) only when it was replaced (inode, size, mtime), when there is
            # no usable controller, or once a minute; otherwise a `stat` per poll.
            sig=$(stat -L -c '%i %s %Y' "$HANDOFF" 2>/dev/null)
            if [ "$sig" != "$SIG" ] || [ -z "$H_GEN" ] || ((SECONDS - parsed_at >= 60)); then
                SIG=$sig parsed_at=$SECONDS H_GEN="" H_CTRL="" H_FILE=""
                { read -r H_GEN; read -r H_CTRL; read -r H_FILE; } < <(usable_controller)
            fi
            # ipcontroller deletes its files on SIGTERM: then that controller is no longer current.
            [ -n "$H_FILE" ] && [ ! -s "$H_FILE" ] && H_GEN="" H_CTRL="" H_FILE=""
            if [ -n "$CUR" ] && ! kill -0 "$CUR" 2>/dev/null; then
                wait "$CUR"; status=$?
                stop_group "$CUR" 5    # ranks an mpirun killed by a signal may leave behind
                if [ "$H_GEN" = "$GEN" ]; then
                    say "mpirun exited with status $status while its controller is current"
                    exit $status
                fi
                say "mpirun exited with status $status; its controller is gone, waiting for the next"
                CUR=""
                waiting_since=$SECONDS
            fi
            if [ -n "$H_GEN" ] && [ "$H_GEN" != "$GEN" ]; then
                follow "$H_GEN" "$H_CTRL" "$H_FILE"
            elif [ -z "$CUR" ] && ((SECONDS - waiting_since >= CONTROLLER_WAIT)); then
                say "no usable controller in $HANDOFF for $CONTROLLER_WAIT s; giving up"
                exit 3
            fi
            nap "$POLL"
        done

        """

    static let notebook = prologue + """
        ADDR=$(pick_address {{notebook_address}}) || exit 1
        PORT={{port}}
        # A fresh token per job, in the environment (a command-line token is visible to every user in `ps`).
        JUPYTER_TOKEN=$(python3 -I -S -c 'import secrets; print(secrets.token_hex(24))') || exit 1
        export JUPYTER_TOKEN
        ALLOW_ROOT=""
        [ "$(id -u)" = 0 ] && ALLOW_ROOT=--allow-root
        # --port-retries=0: a busy port is an error (exit 1), never a silent move to another port.
        jupyter {{app}} --no-browser --ip="$ADDR" --port="$PORT" --port-retries=0 $ALLOW_ROOT {{notebook_args}} &
        CHILD=$!
        trap 'kill -TERM $CHILD 2>/dev/null' TERM INT
        URL="http://$ADDR:$PORT/"
        # Report only once the server answers an authenticated request (bounded: 300 s).
        answers() {
            python3 -I -S - "${URL}api/status" <<'PY' 2>/dev/null
        import os, sys, urllib.request
        r = urllib.request.Request(sys.argv[1], headers={"Authorization": "token " + os.environ["JUPYTER_TOKEN"]})
        urllib.request.urlopen(r, timeout=2).read()
        PY
        }
        for ((i = 0; i < 300; i++)); do
            kill -0 "$CHILD" 2>/dev/null || break
            if answers; then
                report "notebook-$JOBID.json" "{\\"job_id\\": \\"$JOBID\\", \\"host\\": \\"$(hostname)\\", \\
        \\"address\\": \\"$ADDR\\", \\"port\\": $PORT, \\"token\\": \\"$JUPYTER_TOKEN\\", \\
        \\"url\\": \\"$URL?token=$JUPYTER_TOKEN\\"}"
                break
            fi
            sleep 1
        done
        if [ ! -s "$REPORT_DIR/notebook-$JOBID.json" ] && kill -0 "$CHILD" 2>/dev/null; then
            echo "clusterd: jupyter did not answer on $URL in 300 s" >&2
            stop_group "$CHILD" 10
            exit 1
        fi
        wait "$CHILD"
        STATUS=$?
        while kill -0 "$CHILD" 2>/dev/null; do wait "$CHILD"; STATUS=$?; done
        stop_group "$CHILD" 5
        exit $STATUS

        """
}
