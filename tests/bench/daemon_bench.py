#!/usr/bin/env python3
"""Benchmarks of the real `taratd run` as a process (python3 standard library only).

    daemon_bench.py idle  [--window S] [--settle S] [--json FILE] [paths]
    daemon_bench.py ready [--runs N] [--centres C] [--districts D] [--json FILE] [paths]
    daemon_bench.py national [--centres C] [--districts D] [--years Y] [--settle S] [--json FILE] [paths]
    paths: [--taratd BIN] [--plugin-dir DIR] (defaults: build/bin/taratd, build/plugins)

idle: two daemons on the shipped etc/tarat.toml, each on its own temporary state dir and socket,
run side by side: one as systemd would start it with WatchdogSec=30s (NOTIFY_SOCKET owned by this
script, WATCHDOG_USEC=30000000: a ping every 15 s), one without a watchdog. After READY=1 and a
settling pause, the voluntary and non-voluntary context switches of every thread
(/proc/PID/task/*/status) are summed over the window: each time a sleeping thread runs costs at
least one. Wake-ups besides the watchdog = the watchdog daemon's switches minus the pings it sent.
Also VmRSS/VmHWM and where the resident memory is (/proc/PID/smaps).

ready: exec → READY=1 (on a NOTIFY_SOCKET datagram socket this script owns) of a restart on a
state dir whose outbox holds ~10,000 pending notices (a generated plan of C centres over one
school year; --pretend-now before the first notice is due, so none goes out), against a restart on
the same plan and calendar with an empty outbox (the same plan with `channels = []`: no notices
are derived). Runs alternate between the two; median and max of each.

national (F14): the first start of `taratd run` on a generated national plan (C centres over Y
school years) until READY=1, the database's size then (and the events-alone size: a table of the
events' rows, as sqlite_baseline stores them, made by SQLite from the stored events), the RSS after
S seconds of idle, and a restart to READY; then the whole report, the plan's table, every page of
the history, the deputy head's web dashboard and a page of each list, and the RSS a second after.
"""
import argparse
import json
import os
import pathlib
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The shipped plan's quiet weekend: a Saturday evening, the next notice and the digest are Monday's.
IDLE_PRETEND_NOW = "2026-12-05T21:00:00+05:00"
# A month before the generated plan's first event: every derived notice is still in the future.
READY_PRETEND_NOW = "2026-08-03T03:00:00+05:00"
WATCHDOG_USEC = 30_000_000  # tarat.service's WatchdogSec=30s


class NotifySocket:
    """A datagram socket in the role of systemd's NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def receive(self, deadline):
        """The next message's fields as a dict, or None once `deadline` (monotonic) has passed."""
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        fields = {}
        for line in data.decode("utf-8", "replace").split("\n"):
            name, _, value = line.partition("=")
            if name:
                fields[name] = value
        return fields

    def wait_ready(self, deadline):
        """The READY=1 message (with its STATUS=), or None at the deadline."""
        while True:
            fields = self.receive(deadline)
            if fields is None or fields.get("READY") == "1":
                return fields

    def close(self):
        self.sock.close()


def start_taratd(args, config, work, name, pretend_now, env_extra):
    """`taratd run` on a state dir and socket under `work`, stdout and stderr to work/NAME.log."""
    state = work / f"{name}-state"
    state.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_", "LISTEN_"))}
    env.update(env_extra)
    log = open(work / f"{name}.log", "ab")
    argv = [args.taratd, "run", "--config", str(config), "--state-dir", str(state), "--socket",
            str(work / f"{name}.sock"), "--plugin-dir", args.plugin_dir, "--pretend-now", pretend_now]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def thread_switches(pid):
    """{tid: (name, voluntary, nonvoluntary)} for every thread of `pid`."""
    out = {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except OSError:
            continue  # the thread ended
        values = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
        out[int(task.name)] = (values["Name"].strip(), int(values["voluntary_ctxt_switches"]),
                               int(values["nonvoluntary_ctxt_switches"]))
    return out


def memory_kib(pid):
    """VmRSS, VmHWM, RssAnon, RssFile, VmStk and thread count from /proc/PID/status."""
    values = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "VmStk"):
            values[name] = int(rest.split()[0])
        elif name == "Threads":
            values[name] = int(rest)
    return values


def rss_by_mapping(pid, top=8):
    """The largest resident mappings from /proc/PID/smaps, summed by path ([heap], libfoo.so, …)."""
    sums, current = {}, None
    for line in pathlib.Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            current = head[5] if len(head) > 5 else "[anonymous]"
            current = os.path.basename(current) if current.startswith("/") else current
        elif head and head[0] == "Rss:" and current is not None:
            sums[current] = sums.get(current, 0) + int(head[1])
    return sorted(sums.items(), key=lambda item: -item[1])[:top]


def switches_between(before, after):
    """Per thread (new threads count from zero): name, voluntary and non-voluntary switches."""
    rows = []
    for tid, (name, vol, nonvol) in sorted(after.items()):
        _, vol0, nonvol0 = before.get(tid, (name, 0, 0))
        rows.append({"tid": tid, "name": name, "voluntary": vol - vol0, "nonvoluntary": nonvol - nonvol0})
    return rows


def idle(args):
    work = pathlib.Path(tempfile.mkdtemp(prefix="tarat-idle-bench."))
    config = ROOT / "etc" / "tarat.toml"
    daemons = {}
    try:
        for name, watchdog in (("watchdog", True), ("plain", False)):
            notify = NotifySocket(work / f"{name}.notify")
            env = {"NOTIFY_SOCKET": notify.path}
            if watchdog:
                env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
            daemons[name] = {"notify": notify, "process": start_taratd(args, config, work, name, IDLE_PRETEND_NOW, env)}
        for name, d in daemons.items():
            ready = d["notify"].wait_ready(time.monotonic() + 60)
            if ready is None:
                raise RuntimeError(f"taratd ({name}) sent no READY=1 within 60 s; see {work}/{name}.log")
            d["status"] = ready.get("STATUS", "")
        time.sleep(args.settle)
        # Drain what arrived while settling, then count the window's messages.
        for d in daemons.values():
            while d["notify"].receive(time.monotonic() + 0.001) is not None:
                pass
            d["before"] = thread_switches(d["process"].pid)
        start = time.monotonic()
        end = start + args.window
        pings = 0
        other_messages = []
        notify = daemons["watchdog"]["notify"]
        while (fields := notify.receive(end)) is not None:
            if fields.get("WATCHDOG") == "1":
                pings += 1
            else:
                other_messages.append(fields)
        while time.monotonic() < end:
            time.sleep(end - time.monotonic())
        for d in daemons.values():
            d["after"] = thread_switches(d["process"].pid)
        seconds = time.monotonic() - start
        result = {"name": "idle", "window_s": round(seconds, 2), "settle_s": args.settle,
                  "pretend_now": IDLE_PRETEND_NOW, "watchdog_usec": WATCHDOG_USEC, "watchdog_pings": pings,
                  "other_notify_messages": other_messages, "loadavg": os.getloadavg()}
        for name, d in daemons.items():
            threads = switches_between(d["before"], d["after"])
            vol = sum(t["voluntary"] for t in threads)
            nonvol = sum(t["nonvoluntary"] for t in threads)
            pid = d["process"].pid
            result[name] = {"status": d["status"], "threads": threads, "voluntary": vol, "nonvoluntary": nonvol,
                            "switches_per_min": round((vol + nonvol) * 60 / seconds, 2),
                            "memory_kib": memory_kib(pid), "rss_by_mapping_kib": rss_by_mapping(pid)}
        watchdog = result["watchdog"]
        extra = watchdog["voluntary"] + watchdog["nonvoluntary"] - pings
        result["pings_per_min"] = round(pings * 60 / seconds, 2)
        result["wakeups_per_min"] = watchdog["switches_per_min"]
        result["wakeups_besides_watchdog_per_min"] = round(max(extra, 0) * 60 / seconds, 2)
        result["plain_wakeups_per_min"] = result["plain"]["switches_per_min"]
        result["rss_mib"] = round(max(result[n]["memory_kib"]["VmRSS"] for n in daemons) / 1024, 2)
        result["hwm_mib"] = round(max(result[n]["memory_kib"]["VmHWM"] for n in daemons) / 1024, 2)
        return result
    finally:
        for d in daemons.values():
            stop(d["process"])
            d["notify"].close()
        if not args.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)


def ready_config(channels):
    """A tarat.toml for the generated plan: the shipped [notify] and channels, with `channels`."""
    shipped = (ROOT / "etc" / "tarat.toml").read_text(encoding="utf-8")
    notify = shipped[shipped.index("[notify]"):]
    notify = re.sub(r"^channels = .*$", "channels = " + json.dumps(channels), notify, count=1, flags=re.M)
    return ("[daemon]\nplan = \"plan.toml\"\nstate_dir = \"state\"\nsocket = \"state/tarat.sock\"\n"
            f"templates = {json.dumps(str(ROOT / 'etc' / 'templates'))}\n\n" + notify)


def pending_of(status):
    found = re.search(r"(\d+) pending", status or "")
    return int(found.group(1)) if found else None


def time_to_ready(args, config, work, name, timeout=120):
    """Seconds from exec to READY=1, and the STATUS= that came with it; stops the daemon after."""
    notify = NotifySocket(work / f"{name}.notify")
    try:
        start = time.monotonic()
        process = start_taratd(args, config, work, name, READY_PRETEND_NOW, {"NOTIFY_SOCKET": notify.path})
        ready = notify.wait_ready(start + timeout)
        seconds = time.monotonic() - start
        stop(process)
        if ready is None:
            raise RuntimeError(f"taratd ({name}) sent no READY=1 within {timeout} s; see {work}/{name}.log")
        return seconds, ready.get("STATUS", "")
    finally:
        notify.close()
        os.unlink(notify.path)


def ready(args):
    work = pathlib.Path(tempfile.mkdtemp(prefix="tarat-ready-bench."))
    try:
        plan = work / "plan"
        subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "gen_national_plan.py"), str(plan),
                        "--centres", str(args.centres), "--districts", str(args.districts), "--years", "1"],
                       check=True, stderr=subprocess.DEVNULL)
        configs = {"pending": plan / "pending.toml", "empty": plan / "empty.toml"}
        configs["pending"].write_text(ready_config(["log", "file"]), encoding="utf-8")
        configs["empty"].write_text(ready_config([]), encoding="utf-8")
        # The first start stores the plan (and derives the notices): a cold start, reported apart.
        cold = {name: time_to_ready(args, config, work, name) for name, config in configs.items()}
        times = {name: [] for name in configs}
        statuses = {}
        for _ in range(args.runs):
            for name, config in configs.items():
                seconds, statuses[name] = time_to_ready(args, config, work, name)
                times[name].append(seconds)
        pending = pending_of(statuses["pending"])
        return {"name": "ready", "centres": args.centres, "runs": args.runs, "pretend_now": READY_PRETEND_NOW,
                "pending_notices": pending, "empty_pending_notices": pending_of(statuses["empty"]),
                "status": statuses["pending"], "seconds": times["pending"], "empty_seconds": times["empty"],
                "median_s": round(statistics.median(times["pending"]), 4), "max_s": round(max(times["pending"]), 4),
                "empty_median_s": round(statistics.median(times["empty"]), 4),
                "empty_max_s": round(max(times["empty"]), 4),
                "cold_start_s": {name: round(c[0], 4) for name, c in cold.items()}, "loadavg": os.getloadavg()}
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)


def national(args):
    work = pathlib.Path(tempfile.mkdtemp(prefix="tarat-national-bench."))
    try:
        plan = work / "plan"
        subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "gen_national_plan.py"), str(plan),
                        "--centres", str(args.centres), "--districts", str(args.districts), "--years", str(args.years)],
                       check=True, stderr=subprocess.DEVNULL)
        config = plan / "national.toml"
        write_web_config(config, free_port())
        first_s, status = time_to_ready(args, config, work, "national", timeout=1800)
        db = work / "national-state" / "tarat.db"
        sizes = {p.name: p.stat().st_size for p in db.parent.glob("tarat.db*")}
        events_alone = events_alone_bytes(db, work / "events-alone.db")
        notify = NotifySocket(work / "idle.notify")
        try:
            process, web_port, restart_s = restart_with_web(args, config, work, notify)
            time.sleep(args.settle)
            memory = memory_kib(process.pid)
            report_s, report_bytes = whole_report(args, work / "national.sock", work / "report.html")
            table = plan_table(args, work / "national.sock", work / "plan.xlsx")
            history_all_s = ctl_seconds(args, work / "national.sock", ["history", "--all"])
            feed_s = {scope: ask_seconds(work / "national.sock", {"command": "ics", "arguments": {kind: scope}})
                      for kind, scope in (("district", "d001"), ("centre", "c00001"), ("person", "director-c00001"))}
            # A page of each long list, well inside it (a page used to read the whole list).
            pages = (("notices", {"limit": 1000}), ("history", {"after": "50000", "limit": 1000}),
                     ("events", {"limit": 1000}), ("compliance", {"by": "centre"}))
            page_s = {command: ask_seconds(work / "national.sock", {"command": command, "arguments": arguments})
                      for command, arguments in pages}
            # Last, so that the RSS after the settle shows what the dashboard gave back.
            dashboard_s, dashboard_bytes = dashboard(args, work / "national.sock", web_port)
            rss_after_dashboard = memory_kib(process.pid)
            time.sleep(args.settle)  # the memory those freed goes back a second after the last one
            after_reads = memory_kib(process.pid)
            stop(process)
        finally:
            notify.close()
        return {"name": "national", "centres": args.centres, "years": args.years, "pretend_now": READY_PRETEND_NOW,
                "first_start_s": round(first_s, 3), "restart_s": round(restart_s, 3), "status": status,
                "pending_notices": pending_of(status), "database_bytes": sum(sizes.values()), "files": sizes,
                "events_alone_bytes": events_alone, "idle_rss_mib": round(memory["VmRSS"] / 1024, 2),
                "hwm_mib": round(memory["VmHWM"] / 1024, 2),
                "rss_after_reads_mib": round(after_reads["VmRSS"] / 1024, 2), "report_s": round(report_s, 3),
                "dashboard_s": dashboard_s, "dashboard_bytes": dashboard_bytes,
                "rss_after_dashboard_mib": round(rss_after_dashboard["VmRSS"] / 1024, 2),
                "report_bytes": report_bytes, "plan_table": table, "history_all_s": history_all_s, "feed_s": feed_s, "page_s": page_s, "loadavg": os.getloadavg()}
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)


def ask_seconds(sock, request):
    """Seconds from sending one control request to its whole reply line; the reply must be ok."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(sock))
        start = time.monotonic()
        s.sendall((json.dumps(request) + "\n").encode())
        reply = bytearray()
        while not reply.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            reply += chunk
        seconds = time.monotonic() - start
    if json.loads(reply).get("result") != 0:
        raise RuntimeError(f"{request} was refused: {reply[:300]!r}")
    return round(seconds, 4)


def whole_report(args, sock, html):
    """Seconds and bytes of `taratctl compliance --format html` over the whole plan (taratctl beside taratd)."""
    ctl = pathlib.Path(args.taratd).with_name("taratctl")
    start = time.monotonic()
    done = subprocess.run([str(ctl), "--socket", str(sock), "compliance", "--format", "html", "-o", str(html)],
                          capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"taratctl compliance --format html (national) exited {done.returncode}: "
                           f"{done.stderr.strip()}")
    return seconds, html.stat().st_size


def write_web_config(config, port):
    config.write_text(ready_config(["log", "file"]) + f"\n[web]\nlisten = \"127.0.0.1:{port}\"\n"
                      f"base_url = \"http://127.0.0.1:{port}\"\n", encoding="utf-8")


def restart_with_web(args, config, work, notify):
    """The national daemon started again on its stored plan, its web on a free port: the process, the
    port and the seconds to READY. A port another test took between free_port() and taratd's bind
    leaves taratd running without its web ("cannot listen on"): then again on another port."""
    for _ in range(3):
        port = free_port()
        write_web_config(config, port)
        process = start_taratd(args, config, work, "national", READY_PRETEND_NOW, {"NOTIFY_SOCKET": notify.path})
        started = time.monotonic()
        if notify.wait_ready(started + 600) is None:
            stop(process)
            raise RuntimeError(f"taratd (national) sent no READY=1 on restart; see {work}/national.log")
        seconds = time.monotonic() - started
        if f"cannot listen on 127.0.0.1:{port}" not in (work / "national.log").read_text(errors="replace"):
            return process, port, seconds
        stop(process)
    raise RuntimeError(f"taratd (national) found no free port for its web in three tries; see {work}/national.log")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dashboard(args, sock, port):
    """Seconds and bytes of the deputy head's web dashboard (the plan's overseer), signed in as she
    would be: a one-time link from `taratctl web-login`, its form posted, the session cookie kept."""
    import http.client
    import urllib.parse
    ctl = pathlib.Path(args.taratd).with_name("taratctl")
    said = subprocess.run([str(ctl), "--socket", str(sock), "web-login", "overseer"], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    path = urllib.parse.urlparse(re.search(r"http://\S+", said).group(0)).path

    def ask(method, target, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    _, form = ask("GET", path)
    csrf = re.search(rb'name="csrf" value="([^"]*)"', form).group(1).decode()
    response, _ = ask("POST", path, urllib.parse.urlencode({"csrf": csrf}),
                      {"Content-Type": "application/x-www-form-urlencoded"})
    cookie = response.getheader("Set-Cookie").split(";")[0]
    start = time.monotonic()
    response, page = ask("GET", "/", headers={"Cookie": cookie})
    seconds = time.monotonic() - start
    if response.status != 200:
        raise RuntimeError(f"the dashboard answered {response.status}")
    return round(seconds, 3), len(page)


def ctl_seconds(args, sock, argv):
    """Seconds of one taratctl command (taratctl beside taratd), its output thrown away."""
    ctl = pathlib.Path(args.taratd).with_name("taratctl")
    start = time.monotonic()
    done = subprocess.run([str(ctl), "--socket", str(sock), *argv], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"taratctl {' '.join(argv)} (national) exited {done.returncode}: {done.stderr.strip()}")
    return round(time.monotonic() - start, 3)


def plan_table(args, sock, xlsx):
    """Seconds, taratctl's peak RSS and bytes of `taratctl plan --format xlsx -o FILE` of the whole plan."""
    ctl = pathlib.Path(args.taratd).with_name("taratctl")
    start = time.monotonic()
    with open(xlsx.with_suffix(".err"), "wb") as err:
        child = subprocess.Popen([str(ctl), "--socket", str(sock), "plan", "--format", "xlsx", "-o", str(xlsx)],
                                 stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"taratctl plan --format xlsx (national) failed: {xlsx.with_suffix('.err').read_text()}")
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "bytes": xlsx.stat().st_size}


def events_alone_bytes(db, copy):
    """The size of a database holding only the stored events' rows in sqlite_baseline's table."""
    import sqlite3
    out = sqlite3.connect(copy)
    out.execute(f"ATTACH DATABASE 'file:{db}?mode=ro' AS src")
    out.execute("CREATE TABLE event (id TEXT PRIMARY KEY, centre TEXT NOT NULL, district TEXT NOT NULL, "
                "form TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', audience TEXT NOT NULL DEFAULT '', responsible TEXT, "
                "date TEXT NOT NULL, start_minutes INTEGER NOT NULL, end_minutes INTEGER NOT NULL, source TEXT NOT NULL) STRICT")
    out.execute("INSERT INTO event SELECT id, centre, district, form, title, audience, responsible, date, "
                "start_minutes, end_minutes, source FROM src.event")
    out.commit()
    out.close()
    return copy.stat().st_size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench", choices=["idle", "ready", "national"])
    ap.add_argument("--taratd", default=str(ROOT / "build" / "bin" / "taratd"))
    ap.add_argument("--plugin-dir", default=str(ROOT / "build" / "plugins"))
    ap.add_argument("--window", type=float, default=60, help="idle: seconds to count wake-ups over")
    ap.add_argument("--settle", type=float, default=5, help="idle: seconds after READY=1 before counting")
    ap.add_argument("--runs", type=int, default=5, help="ready: timed restarts of each kind")
    ap.add_argument("--centres", type=int, default=30, help="ready: centres of the generated plan")
    ap.add_argument("--districts", type=int, default=6, help="ready: districts of the generated plan")
    ap.add_argument("--years", type=int, default=5, help="national: school years of the generated plan")
    ap.add_argument("--json", help="write the result (one JSON object) here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    result = {"idle": idle, "ready": ready, "national": national}[args.bench](args)
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.json:
        pathlib.Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
