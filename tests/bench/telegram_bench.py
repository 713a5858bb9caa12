#!/usr/bin/env python3
"""Telegram receiving under a backlog (F11): the real taratd on a copy of the shipped etc/ with the
telegram channel receiving (`inbound = true`) from the fake Bot API (tests/servers/telegram_server.py)
on 127.0.0.1. Two directors link their chats by code (`taratctl link` + `/start CODE`), one answers a
held check's button (so that button is stale from then on); then `status` over the control socket is
sampled idle (--idle-requests round trips, one every 10 ms), UPDATES updates are queued at once and
`status` is sampled the same way until the daemon has applied the last of them.

    telegram_bench.py [--updates 10000] [--idle-requests 1000] [--json FILE] \
                      [--taratd build/bin/taratd --taratctl build/bin/taratctl --plugin-dir build/plugins]

The updates, in turn: /status and /help from the linked chats, text from unlinked chats, the stale
button from a linked chat, buttons that are not ours from a linked and an unlinked chat; each gets
one answer (sendMessage), the buttons also answerCallbackQuery.
Prints and writes: `status` p50/p99 idle and while draining and their ratio (goal ≤ 2×), how long the
drain took (updates/s), taratd's CPU per update, and the proof that every update was applied (the
stored channel position reached the last update id) and answered (the fake API's sendMessage count
per chat rose by exactly the updates from that chat).
"""
import argparse
import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from benchlib import (ROOT, pin_apart, copy_etc, cpu_seconds, daemon_arguments, report, start_taratd, status_figures,
                      status_latencies, stop_taratd)

TOKEN = "123456789:AAH-tarat-bench"
PRETEND_NOW = "2026-12-11T10:00:00+05:00"  # the held check of 09.12.2026 is due: it carries buttons
LINKED = {"director-erkemai": 111, "director-bolashak": 222}  # the plan's chat ids, linked by code
UNLINKED = range(7000, 7500)  # chats nobody linked


def tg_text(user, text, language="kk"):
    """A text message update, as tests/support/test_server.hpp's tg_text makes it."""
    return {"message": {"message_id": 1, "from": {"id": user, "is_bot": False, "first_name": "T", "language_code": language},
                        "chat": {"id": user, "type": "private"}, "date": 0, "text": text}}


def tg_button(user, data, message_id, language="kk"):
    """A button press on message `message_id`, as test_server.hpp's tg_button makes it."""
    return {"callback_query": {"id": f"q{message_id}{data[:8]}",
                               "from": {"id": user, "is_bot": False, "first_name": "T", "language_code": language},
                               "message": {"message_id": message_id, "chat": {"id": user, "type": "private"}, "date": 0},
                               "chat_instance": "1", "data": data}}


class FakeBotApi:
    """telegram_server.py in a child process; --keep bounds what it records (its counts go on)."""

    def __init__(self, work):
        self.state = work / "telegram.json"
        port_file = work / "telegram.port"
        self.log = open(work / "telegram_server.log", "w")
        self.process = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests/servers/telegram_server.py"), "--port-file",
                                         str(port_file), "--token", TOKEN, "--state", str(self.state), "--keep", "40"],
                                        stdout=self.log, stderr=self.log)
        for _ in range(100):
            if port_file.exists():
                break
            time.sleep(0.1)
        self.url = f"http://127.0.0.1:{port_file.read_text()}"

    def seen(self):
        return json.loads(self.state.read_text(encoding="utf-8"))

    def enqueue(self, updates):
        """Queues updates for getUpdates; their update ids."""
        request = urllib.request.Request(self.url + "/test/updates", data=json.dumps(updates).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.loads(r.read())["result"]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def configure(config, api):
    """The telegram channel receiving from `api`, routed for everybody; the directors' chat ids."""
    state = config.parent.parent / "state"
    state.mkdir()
    token = state / "telegram.token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    text = config.read_text().replace('channels = ["log", "file"]', 'channels = ["log", "file", "telegram"]', 1)
    config.write_text(text + f'\n[channel.telegram]\nplugin = "telegram"\ntoken_file = "telegram.token"\n'
                             f'api_url = "{api.url}"\ninbound = true\nbot_username = "tarat_bench_bot"\n')
    plan = config.parent / "plan.toml"
    text = plan.read_text()
    for person, chat in LINKED.items():
        email = f'email = "{person}@example.org"'
        if email not in text:
            raise RuntimeError(f"the shipped plan has no {email}")
        text = text.replace(email, f'{email}\ntelegram = "{chat}"', 1)
    plan.write_text(text)


def wait_for(what, check, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def position(database):
    """The telegram channel's stored position: the last update applied."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        row = db.execute("SELECT position FROM channel_position WHERE channel = 'telegram'").fetchone()
        return row[0] if row else 0
    finally:
        db.close()


def ctl(a, sock, *argv):
    out = subprocess.run([a.taratctl, "--socket", str(sock), *argv, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def apply(api, database, updates):
    """Queues updates and waits until the daemon has applied the last."""
    last = max(api.enqueue(updates))
    wait_for(f"update {last} applied", lambda: position(database) >= last)
    return last


def held_check(api, chat):
    """The first message to `chat` with a "held:" button: (its button data, its message_id)."""
    seen = api.seen()
    for n, m in enumerate(seen["delivered"], start=1):
        if m.get("chat_id") != chat:
            continue
        for row in m.get("reply_markup", {}).get("inline_keyboard", []):
            for b in row:
                if b["callback_data"].startswith("held:"):
                    return b["callback_data"], n
    return None


def mix(count, stale):
    """`count` updates: the realistic mix of the module's doc, in turn."""
    erkemai, bolashak = LINKED.values()
    data, message = stale
    out = []
    for i in range(count):
        unlinked = UNLINKED[i % len(UNLINKED)]
        linked = erkemai if i % 2 == 0 else bolashak
        kind = i % 8
        if kind in (0, 1):
            out.append(tg_text(linked, "/status"))
        elif kind in (2, 3):
            out.append(tg_text(linked, "/help", "ru"))
        elif kind in (4, 5):
            out.append(tg_text(unlinked, "сәлем"))
        elif kind == 6:
            out.append(tg_button(erkemai, data, message))
        else:
            out.append(tg_button(bolashak if i % 16 == 7 else unlinked, f"held:not-ours-{i}", 1))
    return out


def chat_of(update):
    body = update.get("message") or update["callback_query"]["message"]
    return str(body["chat"]["id"])


def measure(a, work, api, daemon):
    sock, database = work / "tarat.sock", work / "state" / "tarat.db"
    wait_for("the socket's first status", lambda: status_latencies(sock, count=1))
    stale = wait_for("the held check with its buttons", lambda: held_check(api, LINKED["director-erkemai"]))
    for person, chat in LINKED.items():
        code = ctl(a, sock, "link", person)["code"]
        apply(api, database, [tg_text(chat, "/start " + code)])
    links = ctl(a, sock, "links")["links"]
    if sorted(x["person"] for x in links) != sorted(LINKED):
        raise RuntimeError(f"the links are {links}")
    # Answer the held check: the event is held, so its button is stale from now on.
    erkemai = LINKED["director-erkemai"]
    apply(api, database, [tg_button(erkemai, stale[0], stale[1])])
    apply(api, database, [tg_text(erkemai, "25")])
    ref = int(stale[0].split(":", 1)[1].split(".")[0])
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    event = db.execute("SELECT event_id FROM event_ref WHERE ref = ?", (ref,)).fetchone()[0]
    db.close()
    if ctl(a, sock, "event", event)["event"]["state"] != "held":
        raise RuntimeError(f"answering the held check did not hold {event}")

    time.sleep(a.settle)  # the notices the links brought go out first
    pinned = pin_apart(daemon.pid, api.process.pid)
    idle = status_latencies(sock, count=a.idle_requests)
    updates = mix(a.updates, stale)
    expected = {}
    for u in updates:
        expected[chat_of(u)] = expected.get(chat_of(u), 0) + 1
    before = api.seen()
    drained = threading.Event()
    timing = {}

    def watch(last):
        # In a child process on the load's core: polling SQLite in a thread of this process would
        # hold the GIL while the sampler waits for its reply, and `status` would measure Python.
        watcher = subprocess.Popen([sys.executable, __file__, "--watch", str(database), str(last)])
        if pinned:
            os.sched_setaffinity(watcher.pid, {1})
        while watcher.poll() is None and daemon.poll() is None:
            time.sleep(0.02)  # sleeps without the GIL
        watcher.kill()
        timing["drained"] = time.monotonic()
        drained.set()

    cpu_before = cpu_seconds(daemon.pid), cpu_seconds(api.process.pid)
    started = time.monotonic()
    ids = api.enqueue(updates)
    timing["queued"] = time.monotonic()
    watcher = threading.Thread(target=watch, args=(max(ids),))
    watcher.start()
    busy = status_latencies(sock, until=drained)
    watcher.join()
    cpu = cpu_seconds(daemon.pid) - cpu_before[0], cpu_seconds(api.process.pid) - cpu_before[1]
    if daemon.poll() is not None:
        raise RuntimeError("taratd stopped while draining: " + (work / "taratd.log").read_text()[-2000:])
    drain_s = timing["drained"] - started

    def answered():
        sent = api.seen()["sent_to"]
        return {chat: sent.get(chat, 0) - before["sent_to"].get(chat, 0) for chat in expected}
    # The last answers go out after the last update is stored: give them a moment.
    try:
        wait_for("every answer", lambda: all(answered()[c] >= n for c, n in expected.items()), timeout=30)
    except RuntimeError:
        pass
    got = answered()
    seen = api.seen()
    callbacks = seen["counts"].get("answerCallbackQuery", 0) - before["counts"].get("answerCallbackQuery", 0)
    buttons = sum(1 for u in updates if "callback_query" in u)
    r = {"pinned": pinned, "updates": len(updates), "first_id": min(ids), "last_id": max(ids), "position": position(database),
         "drain_s": round(drain_s, 3), "queue_s": round(timing["queued"] - started, 3),
         "updates_per_s": round(len(updates) / drain_s, 1),
         "answered": sum(got.values()), "answered_exactly": got == expected,
         "answer_callback_queries": callbacks, "buttons": buttons,
         **status_figures(idle, busy),
         "taratd_cpu_ms_per_update": round(cpu[0] * 1000 / len(updates), 3),
         "fake_api_cpu_ms_per_update": round(cpu[1] * 1000 / len(updates), 3),
         "polls": seen["polls"] - before["polls"], "loadavg": os.getloadavg()}
    if r["position"] != r["last_id"]:
        raise RuntimeError(f"the stored position is {r['position']}, the last update {r['last_id']}")
    if r["answered"] < len(updates) or callbacks < buttons:
        raise RuntimeError(f"{r['answered']} of {len(updates)} updates answered, {callbacks} of {buttons} buttons")
    return r


def watch_position(database, last):
    """--watch: returns once the stored position reached `last`."""
    while position(database) < last:
        time.sleep(0.02)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--watch":
        watch_position(sys.argv[2], int(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    daemon_arguments(ap)
    ap.add_argument("--updates", type=int, default=10000)
    ap.add_argument("--idle-requests", type=int, default=1000)
    ap.add_argument("--settle", type=float, default=2, help="seconds after the links before measuring")
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="tarat-telegram-bench-"))
    api = None
    try:
        api = FakeBotApi(work)
        config = copy_etc(work)
        configure(config, api)
        daemon = start_taratd(a.taratd, a.plugin_dir, config, work, PRETEND_NOW)
        try:
            r = measure(a, work, api, daemon)
        finally:
            stop_taratd(daemon)
    finally:
        if api:
            api.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(r, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
