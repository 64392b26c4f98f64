"""Drives a running Jupyter server the way a notebook page does: REST + the kernel websocket (end-to-end tests).

    python e2e_notebook.py status URL
    python e2e_notebook.py run URL [--kernel ID] [--timeout SECONDS] [--shutdown] CODE [CODE ...]

URL is the notebook URL clusterd reports (``http://ADDR:PORT/?token=TOKEN``); every request carries the token in
an ``Authorization: token`` header, and proxies are bypassed (a cluster's ``http_proxy`` must not capture a
request to a compute node).

``status`` prints the server's ``GET /api/status`` (JSON); exit 0 when it answered 200.

``run`` starts a kernel (``POST /api/kernels``) or reuses kernel ID, executes each CODE as one cell over the
kernel's websocket channel (``/api/kernels/ID/channels``, Jupyter messaging protocol 5.3, one JSON text frame per
message), and prints one JSON object: ``{"kernel": ID, "cells": [{"status": "ok"|"error"|"timeout", "stdout",
"stderr", "result" (the text/plain of execute_result), "error": {"ename", "evalue"} or null, "seconds"}]}``.
Cells stop at the first error or timeout (as "Run all" does). The kernel stays (so a later ``run --kernel ID``
sees the same variables) unless ``--shutdown``. Exit 0 when every cell ran without error.

Only the standard library and tornado (which notebook brings) are used.
"""
import argparse
import asyncio
import datetime
import json
import sys
import time
import urllib.parse
import urllib.request
import uuid


def parse_url(url):
    """(base URL ending in '/', token) from a notebook URL with ?token=."""
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.query).get("token", [""])[0]
    if not token:
        raise SystemExit("e2e_notebook: no token in %s" % url)
    return "%s://%s/" % (parts.scheme, parts.netloc), token


def request(method, url, token, body=None, timeout=30):
    """One REST call without any proxy; returns (status, parsed JSON or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": "token " + token, "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=timeout) as answer:
        text = answer.read().decode()
        return answer.status, (json.loads(text) if text.strip() else None)


def message(session, msg_type, content):
    """A shell-channel message of the Jupyter messaging protocol, as the websocket carries it."""
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "e2e", "session": session,
                   "date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}


async def execute(ws, session, code, timeout):
    """Runs one cell; returns its record once the kernel is idle again after it (or at the timeout)."""
    request_msg = message(session, "execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False,
        "stop_on_error": True})
    msg_id = request_msg["header"]["msg_id"]
    began = time.monotonic()
    await ws.write_message(json.dumps(request_msg))
    cell = {"status": "timeout", "stdout": "", "stderr": "", "result": None, "error": None}
    replied = idle = False
    while not (replied and idle):
        left = timeout - (time.monotonic() - began)
        if left <= 0:
            break
        try:
            frame = await asyncio.wait_for(ws.read_message(), left)
        except asyncio.TimeoutError:
            break
        if frame is None:
            cell["status"] = "error"
            cell["error"] = {"ename": "WebSocketClosed", "evalue": "the kernel channel closed"}
            break
        msg = json.loads(frame)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["header"]["msg_type"], msg.get("content", {})
        if kind == "stream":
            cell[content.get("name", "stdout")] = cell.get(content.get("name", "stdout"), "") + content["text"]
        elif kind == "execute_result":
            cell["result"] = content.get("data", {}).get("text/plain")
        elif kind == "error":
            cell["error"] = {"ename": content.get("ename"), "evalue": content.get("evalue")}
        elif kind == "status" and content.get("execution_state") == "idle":
            idle = True
        elif kind == "execute_reply":
            replied = True
            cell["status"] = content.get("status", "error")
            if cell["status"] == "error" and cell["error"] is None:
                cell["error"] = {"ename": content.get("ename"), "evalue": content.get("evalue")}
    cell["seconds"] = round(time.monotonic() - began, 2)
    return cell


async def run(base, token, kernel, cells, timeout):
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    if kernel is None:
        status, answer = request("POST", base + "api/kernels", token, {"name": "python3"})
        kernel = answer["id"]
    session = uuid.uuid4().hex
    ws_base = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    url = "%sapi/kernels/%s/channels?session_id=%s" % (ws_base, kernel, session)
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": "token " + token},
                                             connect_timeout=30, request_timeout=30))
    records = []
    try:
        # A fresh kernel answers kernel_info once it is ready; only then are execute requests sure to run.
        info = message(session, "kernel_info_request", {})
        await ws.write_message(json.dumps(info))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            frame = await asyncio.wait_for(ws.read_message(), deadline - time.monotonic())
            if frame is None:
                raise RuntimeError("the kernel channel closed before kernel_info_reply")
            msg = json.loads(frame)
            if msg["header"]["msg_type"] == "kernel_info_reply":
                break
        for code in cells:
            record = await execute(ws, session, code, timeout)
            records.append(record)
            if record["status"] != "ok":
                break
    finally:
        ws.close()
    return kernel, records


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status")
    status.add_argument("url")
    runner = sub.add_parser("run")
    runner.add_argument("url")
    runner.add_argument("--kernel")
    runner.add_argument("--timeout", type=float, default=120)
    runner.add_argument("--shutdown", action="store_true")
    runner.add_argument("cells", nargs="+")
    args = parser.parse_args()
    base, token = parse_url(args.url)
    if args.command == "status":
        code, answer = request("GET", base + "api/status", token, timeout=10)
        print(json.dumps({"http_status": code, "status": answer}))
        return 0 if code == 200 else 1
    kernel, records = asyncio.run(run(base, token, args.kernel, args.cells, args.timeout))
    if args.shutdown:
        request("DELETE", base + "api/kernels/" + kernel, token)
    print(json.dumps({"kernel": kernel, "cells": records}))
    ok = len(records) == len(args.cells) and all(r["status"] == "ok" for r in records)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
