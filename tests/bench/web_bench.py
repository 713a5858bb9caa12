#!/usr/bin/env python3
"""The web under load (F12): the real taratd on the shipped etc/ with [web] on a free port; a signed-in
dashboard session; `status` over the control socket sampled while idle, then while a separate load
process sends RATE requests a second to the overview (GET /) for SECONDS on keep-alive connections.

    web_bench.py --taratd build/bin/taratd --taratctl build/bin/taratctl --plugin-dir build/plugins \
                 [--seconds 10] [--rate 1000] [--json FILE]

Prints and writes: requests sent and answered 200, the achieved rate, `status` p50/p99 idle and under
load, and their ratio (goal: under 2×).
"""
import argparse
import asyncio
import json
import multiprocessing
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

from benchlib import copy_etc, pin_apart, cpu_seconds, daemon_arguments, report, start_taratd, status_figures, status_latencies, stop_taratd


async def load(port, cookie, rate, seconds, connections, result):
    request = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n").encode()
    per_connection = rate / connections
    counts = {"sent": 0, "ok": 0, "other": 0}

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < seconds:
            due = start + n / per_connection
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(request)
            counts["sent"] += 1
            n += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            counts["ok" if head.startswith(b"HTTP/1.1 200") else "other"] += 1
            if b"Connection: close" in head:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    t0 = time.monotonic()
    await asyncio.gather(*(one() for _ in range(connections)))
    counts["seconds"] = time.monotonic() - t0
    result.update(counts)


def load_process(port, cookie, rate, seconds, connections, queue):
    result = {}
    asyncio.run(load(port, cookie, rate, seconds, connections, result))
    queue.put(result)


def http(port, method, path, body=b"", headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r.status, dict(r.getheaders()), data.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    daemon_arguments(ap)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--json")
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="tarat-web-bench-"))
    try:
        config = copy_etc(work)
        daemon = start_taratd(a.taratd, a.plugin_dir, config, work, "2026-12-11T10:00:00+05:00")
        try:
            return measure(a, work, work / "tarat.sock", daemon)
        finally:
            stop_taratd(daemon)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(a, work, sock, daemon):
    if True:
        port = None
        for _ in range(200):
            m = re.search(r"web: listening on 127\.0\.0\.1:(\d+)", (work / "taratd.log").read_text())
            if m and sock.exists():
                port = int(m.group(1))
                break
            time.sleep(0.1)
        if port is None:
            raise RuntimeError("taratd did not start its web: " + (work / "taratd.log").read_text()[-2000:])
        reply = json.loads(subprocess.run([a.taratctl, "--socket", str(sock), "web-login", "bertleuova", "--json"],
                                          check=True, capture_output=True, text=True).stdout)
        path = urllib.parse.urlparse(reply["url"]).path
        _, _, page = http(port, "GET", path)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        status, headers, _ = http(port, "POST", path, body=("csrf=" + urllib.parse.quote(csrf)).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise RuntimeError(f"sign-in answered {status}")
        cookie = headers["Set-Cookie"].split(";")[0]
        if http(port, "GET", "/", headers={"Cookie": cookie})[0] != 200:
            raise RuntimeError("the overview did not answer 200")

        pinned = pin_apart(daemon.pid, None)
        idle = status_latencies(sock, min(a.seconds, 5))
        cpu_before = cpu_seconds(daemon.pid)
        queue = multiprocessing.Queue()
        loader = multiprocessing.Process(target=load_process, args=(port, cookie, a.rate, a.seconds, a.connections, queue))
        loader.start()
        pin_apart(daemon.pid, loader.pid)  # the load on the other core, as idle was measured
        time.sleep(0.5)  # the load under way
        busy = status_latencies(sock, max(0.5, a.seconds - 1))
        sent = queue.get()
        loader.join()
        cpu = cpu_seconds(daemon.pid) - cpu_before
        r = {"pinned": pinned, "rate_goal": a.rate, "seconds": sent["seconds"], "requests": sent["sent"], "ok": sent["ok"],
             "not_ok": sent["other"], "rate_achieved": sent["ok"] / sent["seconds"],
             **status_figures(idle, busy), "taratd_cpu_ms_per_request": cpu * 1000 / max(1, sent["ok"])}
        report(r, a.json)
        return 0


if __name__ == "__main__":
    sys.exit(main())
