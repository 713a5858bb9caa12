#!/usr/bin/python3
"""The bad-input catalogue (README.md here): every case against the real taratd and taratctl.

File cases (plan/, config/, days-off/) replace one file of a copy of etc/ and must be refused by
`taratd check` and by `taratctl reload --wait` on a running daemon, which keeps its old plan.
Socket cases (socket/) are raw request lines sent over the daemon's Unix socket. taratctl cases
(taratctl/) are argument lists. After every case the stored state must be as it was before: every
table byte for byte, except that the audit trail may grow by rows recording refused attempts.

usage: run.py --taratd PATH --taratctl PATH --plugin-dir DIR [--show] [CASE-FILE...]
--show prints what each case got instead of checking it (for writing a new case's .expected).
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ETC = os.path.join(HERE, "..", "..", "etc")
PRETEND_NOW = "2026-12-01T09:00:00+05:00"
FILE_KINDS = {"plan": "plan.toml", "config": "tarat.toml", "days-off": "days-off-kz.toml"}
KINDS = ["plan", "config", "days-off", "socket", "taratctl", "sheet"]
CASE_SUFFIX = {"socket": ".line", "taratctl": ".args", "sheet": (".csv", ".make")}
MAKE_SHEETS = os.path.join(HERE, "..", "e2e", "make_sheets.py")


class Expected:
    """A case's .expected file: `exit N` or `result N`, `contains TEXT` lines, optional `as nobody`."""

    def __init__(self, path):
        self.exit = self.result = None
        self.contains = []
        self.as_nobody = False
        with open(path, encoding="utf-8") as f:
            for number, raw in enumerate(f, 1):
                line = raw.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                word, _, rest = line.partition(" ")
                if word == "exit":
                    self.exit = int(rest)
                elif word == "result":
                    self.result = int(rest)
                elif word == "contains":
                    self.contains.append(rest)
                elif line == "as nobody":
                    self.as_nobody = True
                else:
                    raise SystemExit(f"{path}:{number}: unknown line {line!r}")
        if not self.contains:
            raise SystemExit(f"{path}: names no expected text (`contains …`)")


class Daemon:
    def __init__(self, args, work):
        self.args = args
        self.etc = os.path.join(work, "etc")
        shutil.copytree(ETC, self.etc)
        self.socket = os.path.join(work, "run", "tarat.sock")
        self.db = os.path.join(work, "state", "tarat.db")
        self.log = open(os.path.join(work, "taratd.log"), "wb")
        self.process = subprocess.Popen(
            [args.taratd, "run", "--config", self.config(), "--state-dir", os.path.join(work, "state"),
             "--socket", self.socket, "--plugin-dir", args.plugin_dir, "--pretend-now", PRETEND_NOW],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while self.ctl(["status", "--json"]).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("taratd did not start; see " + self.log.name)
            time.sleep(0.05)
        os.chmod(self.socket, 0o666)  # for the cases run as nobody
        # Notices due at start go out first; the cases begin once the store is still.
        previous = None
        while time.monotonic() < deadline:
            current = self.snapshot()
            if current == previous:
                break
            previous = current
            time.sleep(0.5)

    def config(self):
        return os.path.join(self.etc, "tarat.toml")

    def ctl(self, argv, as_nobody=False):
        command = [self.args.taratctl, "--socket", self.socket] + argv
        if as_nobody:
            command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        env = dict(os.environ, LANG="C", LC_ALL="C")
        env.pop("TARAT_SOCKET", None)
        return subprocess.run(command, capture_output=True, env=env, timeout=60)

    def snapshot(self):
        """Every table's rows, read through a read-only connection."""
        db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        finally:
            db.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def unchanged(before, after):
    """'' when nothing stored changed (the audit trail may only gain rows of refused attempts)."""
    for table in before:
        if table == "history":
            continue
        if before[table] != after.get(table):
            return f"table {table} changed"
    old = before["history"]
    known = {row[0] for row in old}
    if [row for row in after["history"] if row[0] in known] != old:
        return "an existing history row changed"
    for row in after["history"]:
        if row[0] not in known and (not row[3].startswith("ctl.") or row[5].startswith("result 0")):
            return f"history gained a row that is not a refused attempt: {row}"
    return ""


def send_line(path, data):
    """The daemon's one-line reply to raw bytes, or None when it closed without one."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it may refuse a long line before taking all of it; the reply is still there
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                return None
            reply += chunk
    return json.loads(reply)


def text_of(completed):
    return completed.stderr.decode("utf-8", "replace") + completed.stdout.decode("utf-8", "replace")


def run_case(daemon, kind, path, show):
    """A list of problems (empty when the case passes)."""
    problems = []
    expected = None if show else Expected(os.path.splitext(path)[0] + ".expected")
    before = daemon.snapshot()
    outcomes = []  # (what, code, text)
    if kind in FILE_KINDS:
        target = os.path.join(daemon.etc, FILE_KINDS[kind])
        original = open(target, "rb").read()
        shutil.copyfile(path, target)
        try:
            check = subprocess.run([daemon.args.taratd, "check", "--config", daemon.config()], capture_output=True,
                                   timeout=60)
            outcomes.append(("taratd check", check.returncode, text_of(check)))
            reload = daemon.ctl(["reload", "--wait"])
            outcomes.append(("taratctl reload --wait", reload.returncode, text_of(reload)))
        finally:
            open(target, "wb").write(original)
        if not show and reload.returncode != 65:
            problems.append(f"reload --wait exited {reload.returncode}, not 65")
        codes = [(outcomes[0][0], outcomes[0][1])]
    elif kind == "socket":
        reply = send_line(daemon.socket, open(path, "rb").read())
        if reply is None:
            problems.append("the daemon closed the connection without a reply")
            reply = {"result": None, "text": ""}
        outcomes.append(("reply", reply["result"], reply["text"]))
        codes = []
    elif kind == "sheet":
        sheet = path
        if path.endswith(".make"):  # "KIND SUFFIX": a sheet too large or binary to keep, made now
            what, suffix = open(path, encoding="utf-8").read().split()
            sheet = os.path.join(os.path.dirname(daemon.etc), os.path.basename(path)[:-5] + suffix)
            subprocess.run(["/usr/bin/python3", MAKE_SHEETS, what, sheet], check=True)
        output = os.path.join(os.path.dirname(daemon.etc), "imported.toml")
        try:
            done = subprocess.run([daemon.args.taratd, "import", sheet, "-o", output, "--base",
                                   os.path.join(daemon.etc, "plan.toml")], capture_output=True, timeout=60)
        finally:
            if sheet != path:
                os.remove(sheet)
        outcomes.append(("taratd import", done.returncode, text_of(done)))
        codes = [(outcomes[0][0], done.returncode)]
        if os.path.exists(output):
            problems.append("taratd import wrote " + output + " though the sheet is bad")
            os.remove(output)
    else:
        argv = open(path, encoding="utf-8").read().splitlines()
        done = daemon.ctl(argv, as_nobody=bool(expected and expected.as_nobody))
        outcomes.append(("taratctl " + " ".join(argv), done.returncode, text_of(done)))
        codes = [(outcomes[0][0], done.returncode)]
    if show:
        for what, code, text in outcomes:
            print(f"  {what}: {code}\n    " + text.strip().replace("\n", "\n    "))
        return problems
    if kind == "socket" and outcomes[0][1] != expected.result:
        problems.append(f"result {outcomes[0][1]}, expected {expected.result}")
    for what, code in codes:
        if code != expected.exit:
            problems.append(f"{what} exited {code}, expected {expected.exit}")
    for what, _, text in outcomes:
        for part in expected.contains:
            if part not in text:
                problems.append(f"{what} does not say {part!r}; it said:\n{text}")
    after = daemon.snapshot()
    change = unchanged(before, after)
    if change:
        problems.append("stored state changed: " + change)
    if daemon.process.poll() is not None:
        problems.append("taratd is no longer running")
    return problems


def cases(selected):
    if selected:
        return [(os.path.basename(os.path.dirname(os.path.abspath(p))), p) for p in selected]
    found = []
    for kind in KINDS:
        folder = os.path.join(HERE, kind)
        suffix = CASE_SUFFIX.get(kind, ".toml")
        found += [(kind, os.path.join(folder, n)) for n in sorted(os.listdir(folder)) if n.endswith(suffix)]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--taratd", required=True)
    parser.add_argument("--taratctl", required=True)
    parser.add_argument("--plugin-dir", required=True)
    parser.add_argument("--show", action="store_true")
    parser.add_argument("case", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tarat-bad-inputs-") as work:
        os.chmod(work, 0o755)  # nobody must reach the socket
        daemon = Daemon(args, work)
        failed, counts = 0, {}
        try:
            for kind, path in cases(args.case):
                name = f"{kind}/{os.path.basename(path)}"
                print(name, flush=True)
                problems = run_case(daemon, kind, path, args.show)
                counts[kind] = counts.get(kind, 0) + 1
                for p in problems:
                    print("  FAIL: " + p.replace("\n", "\n    "), flush=True)
                failed += bool(problems)
        finally:
            daemon.stop()
    total = sum(counts.values())
    print("cases: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    print(f"catalogue: {total - failed} passed, {failed} failed")
    return 1 if failed or not total else 0


if __name__ == "__main__":
    sys.exit(main())
