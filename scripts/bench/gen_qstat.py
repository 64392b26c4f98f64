#!/usr/bin/env python3
"""Generate a synthetic OpenPBS 23.06 `qstat -f` listing of N jobs, as JSON (`-F json`) or text.

The attributes follow the real captures in Tests/PBSCoreTests/Fixtures (running, queued, held, finished
jobs; Resource_List, resources_used, a Variable_List of ~15 variables with long paths). The JSON is
TAB-indented like 23.06's cJSON printer; the text wraps long values at 79 columns with TAB continuation
lines, at commas where it can and in the middle of a token where it must.

Usage: gen_qstat.py --jobs 10000 --format json|text [--seed 1] OUTPUT
Deterministic for a given seed. 10,000 jobs give about 23 MB of JSON and 17 MB of text.
"""

import argparse
import json
import random
import time

WIDTH = 79
STATES = [("R", 42), ("Q", 10), ("H", 20), ("H", 22), ("F", 92), ("F", 93), ("F", 91)]


def stamp(epoch):
    return time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(epoch))


def hms(seconds):
    return "%02d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def make_job(index, rng, lean):
    jid, attrs = make_attributes(index, rng, lean)
    domain = "" if lean else ".cluster.example.org"
    return fill(jid, domain), [(key, fill(value, domain)) for key, value in attrs]


def fill(value, domain):
    if isinstance(value, str):
        return value.replace("@D@", domain)
    if isinstance(value, dict):
        return {key: fill(item, domain) for key, item in value.items()}
    if isinstance(value, list):
        return [(key, fill(item, domain)) for key, item in value]
    return value


def make_attributes(index, rng, lean):
    user = "user%03d" % rng.randrange(200)
    state, substate = STATES[rng.randrange(len(STATES))]
    jid = "%d.pbs-server-01@D@" % (100000 + index)
    created = 1795600000 + index * 7
    walltime = rng.choice([600, 3600, 7200, 43200, 86400])
    home = "/home/%s" % user
    workdir = "%s/projects/simulation-%04d/runs/%s/stage-%02d" % (
        home, rng.randrange(10000), "x" * rng.randrange(5, 30), rng.randrange(40))
    if lean:
        workdir = "%s/s%04d" % (home, rng.randrange(10000))
    path = ":".join([
        "%s/.local/bin" % home, "/opt/pbs/default/bin", "/apps/python/3.11.7/bin",
        "/apps/openmpi/4.1.6/bin", "/apps/gcc/13.2.0/bin", "/usr/local/sbin", "/usr/local/bin",
        "/usr/sbin", "/usr/bin", "/sbin", "/bin", "%s/.pyenv/shims" % home,
        "/g/data/%s/conda/envs/analysis-%d/bin" % (user, rng.randrange(100)),
    ][: 3 if lean else 11])
    variables = {
        "PBS_O_HOME": home, "PBS_O_LANG": "en_US.UTF-8", "PBS_O_LOGNAME": user, "PBS_O_PATH": path,
        "PBS_O_MAIL": "/var/spool/mail/%s" % user, "PBS_O_SHELL": "/bin/bash",
        "PBS_O_INTERACTIVE_AUTH_METHOD": "resvport", "PBS_O_WORKDIR": workdir, "PBS_O_SYSTEM": "Linux",
        "CLUSTERD_TAG": "cluster-%d-engine-%d" % (rng.randrange(50), index),
        "IPYTHONDIR": "%s/.ipython-cluster" % home, "OMP_NUM_THREADS": str(rng.choice([1, 2, 4, 8])),
        "SEED": "%03d" % rng.randrange(1000), "PBS_O_QUEUE": "workq",
        "PBS_O_HOST": "login%02d@D@" % rng.randrange(4),
    }
    ncpus = rng.choice([1, 2, 4, 8, 16, 48])
    nodes = rng.choice([1, 1, 1, 2, 4])
    attrs = [
        ("Job_Name", "ipengine-%s-%d" % (user, index)),
        ("Job_Owner", "%s@login01@D@" % user),
    ]
    ran = state in ("R", "F") and substate != 91
    used = rng.randrange(1, walltime) if ran else 0
    if ran:
        attrs.append(("resources_used", [
            ("cpupercent", rng.randrange(100 * ncpus)), ("cput", hms(used * ncpus // 2)),
            ("mem", "%dkb" % rng.randrange(10000, 9000000)), ("ncpus", ncpus),
            ("vmem", "%dkb" % rng.randrange(10000, 9000000)), ("walltime", hms(used)),
        ]))
    attrs += [
        ("job_state", state), ("queue", "workq"), ("server", "pbs-server-01"), ("Checkpoint", "u"),
        ("ctime", stamp(created)),
        ("Error_Path", "login01@D@:%s/%s.e%d" % (workdir, "engine", 100000 + index)),
    ]
    if ran:
        hosts = ["cn%04d" % rng.randrange(2000) for _ in range(nodes)]
        attrs.append(("exec_host", "+".join("%s/0*%d" % (h, ncpus) for h in hosts)))
        attrs.append(("exec_vnode", "+".join("(%s:ncpus=%d:mem=4194304kb)" % (h, ncpus) for h in hosts)))
    if substate == 22:
        attrs.append(("depend", "after:%d.pbs-server-01@D@@pbs-server-01" % (99999 + index)))
    attrs += [
        ("Hold_Types", "s" if substate == 22 else ("u" if state == "H" else "n")),
        ("Join_Path", "oe"), ("Keep_Files", "n"), ("Mail_Points", "a"),
        ("mtime", stamp(created + used + 5)),
        ("Output_Path", "login01@D@:%s/%s.o%d" % (workdir, "engine", 100000 + index)),
        ("Priority", 0), ("qtime", stamp(created)), ("Rerunable", "True"),
        ("Resource_List", [
            ("mem", "%dgb" % (4 * nodes)), ("mpiprocs", ncpus * nodes), ("ncpus", ncpus * nodes),
            ("nodect", nodes), ("place", "scatter"),
            ("select", "%d:ncpus=%d:mpiprocs=%d:mem=4gb" % (nodes, ncpus, ncpus)),
            ("walltime", hms(walltime)),
        ]),
    ]
    if ran:
        attrs += [("stime", stamp(created + 3))]
        if state == "F":
            attrs.append(("obittime", stamp(created + used + 5)))
        attrs += [("session_id", rng.randrange(1000, 99999)), ("jobdir", home)]
    attrs += [("substate", substate), ("Variable_List", variables)]
    if ran:
        attrs.append(("comment", "Job run at Wed Nov 25 at 21:21 on (%s:ncpus=%d)%s" % (
            "cn0001", ncpus, " and finished" if state == "F" else "")))
    attrs += [("etime", stamp(created)), ("run_count", 1 if ran else 0)]
    if state == "F" and substate != 91:
        attrs += [("Stageout_status", 1), ("Exit_status", -29 if substate == 93 else 0)]
    attrs += [
        ("Submit_arguments", "-N ipengine-%s-%d -l select=%d:ncpus=%d -l walltime=%s -v CLUSTERD_TAG=x %s" % (
            user, index, nodes, ncpus, hms(walltime), workdir + "/engine.sh")),
    ]
    if state == "F":
        attrs.append(("history_timestamp", created + used + 10))
    attrs += [("project", "_pbs_project_default"), ("Submit_Host", "login01@D@")]
    return jid, attrs


def json_value(value):
    return json.dumps(value, ensure_ascii=False)


def write_json(jobs, out):
    out.write('{\n\t"timestamp":\t1795641718,\n\t"pbs_version":\t"23.06.06",\n\t"pbs_server":\t"pbs-server-01",\n')
    out.write('\t"Jobs":\t{\n')
    for number, (jid, attrs) in enumerate(jobs):
        out.write('\t\t%s:\t{\n' % json_value(jid))
        lines = []
        for key, value in attrs:
            if isinstance(value, (list, dict)):
                items = value.items() if isinstance(value, dict) else value
                inner = ",\n".join('\t\t\t\t%s:\t%s' % (json_value(k), number_or_string(v)) for k, v in items)
                lines.append('\t\t\t%s:\t{\n%s\n\t\t\t}' % (json_value(key), inner))
            else:
                lines.append('\t\t\t%s:\t%s' % (json_value(key), json_value(value)))
        out.write(",\n".join(lines))
        out.write('\n\t\t}%s\n' % ("," if number + 1 < len(jobs) else ""))
    out.write('\t}\n}\n')


def number_or_string(value):
    # cJSON in 23.06 turns numeric-looking Variable_List values into numbers (SEED=007 prints 7).
    if isinstance(value, str) and value.isdigit():
        return str(int(value))
    return json_value(value)


def wrap(first, value):
    """`first` + value wrapped at WIDTH columns: commas preferred, mid-token when a piece is too long."""
    pieces = []
    start = 0
    for position, char in enumerate(value):
        if char == ",":
            pieces.append(value[start:position + 1])
            start = position + 1
    if start < len(value):
        pieces.append(value[start:])
    lines = [first]
    room = WIDTH - 1 - len(first)
    for piece in pieces:
        if len(piece) > room and lines[-1] not in ("\t",) and len(piece) <= WIDTH - 9:
            lines.append("\t")
            room = WIDTH - 9
        while len(piece) > room:
            lines[-1] += piece[:room]
            piece = piece[room:]
            lines.append("\t")
            room = WIDTH - 9
        lines[-1] += piece
        room -= len(piece)
    return "\n".join(line for line in lines if line != "\t")


def write_text(jobs, out):
    for jid, attrs in jobs:
        out.write("Job Id: %s\n" % jid)
        for key, value in attrs:
            if isinstance(value, dict):
                text = ",".join("%s=%s" % (k, v) for k, v in value.items())
                out.write(wrap("    %s = " % key, text) + "\n")
            elif isinstance(value, list):
                for sub, subvalue in value:
                    out.write(wrap("    %s.%s = " % (key, sub), str(subvalue)) + "\n")
            else:
                out.write(wrap("    %s = " % key, str(value)) + "\n")
        out.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--format", choices=["json", "text"], required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("output")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # The text listing is leaner (shorter paths) so that 10,000 jobs land near 17 MB, the size the Python
    # reference was timed on; the JSON one lands near 23 MB.
    jobs = [make_job(index, rng, lean=args.format == "text") for index in range(args.jobs)]
    with open(args.output, "w", encoding="utf-8") as out:
        (write_json if args.format == "json" else write_text)(jobs, out)


if __name__ == "__main__":
    main()
