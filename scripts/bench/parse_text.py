#!/usr/bin/env python3
"""Reference `qstat -f` text parser: what a user would write in Python, used as the yardstick.

Reads the listing, joins continuation lines (TAB or 8 spaces), splits `key = value`, turns each job into a
dict with `Variable_List` as a dict (honouring `\\,`), and prints the number of jobs.
Usage: parse_text.py FILE
"""

import re
import sys

ESCAPED_COMMA = re.compile(r"(?<!\\),")


def parse(text):
    jobs = []
    job = None
    key = None
    for line in text.split("\n"):
        if line.startswith("Job Id:"):
            job = {"id": line[7:].strip()}
            jobs.append(job)
            key = None
        elif not line.strip():
            job = None
            key = None
        elif line.startswith("\t") or line.startswith("        "):
            if job is not None and key is not None:
                job[key] += line[1:] if line.startswith("\t") else line[8:]
        else:
            key, _, value = line.strip().partition(" = ")
            if job is not None:
                job[key] = value
    for job in jobs:
        variables = {}
        for item in ESCAPED_COMMA.split(job.get("Variable_List", "")):
            name, _, value = item.partition("=")
            variables[name] = value.replace("\\,", ",")
        job["Variable_List"] = variables
    return jobs


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        jobs = parse(handle.read())
    print(len(jobs))


if __name__ == "__main__":
    main()
