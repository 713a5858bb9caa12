#!/usr/bin/python3
"""A local fake of the Telegram Bot API for tarat's tests (standard library only).

Serves POST /bot<--token>/METHOD on 127.0.0.1; any other path gets the API's 404.
sendMessage: --script answers in turn: "ok", "429:3" (parameters.retry_after = 3), "400" (chat
not found), "403" (bot blocked by the user), "500"; once it runs out, "ok". Every request's JSON
goes to the --state file ("requests", "delivered").
getUpdates: serves the updates the test queued (POST /test/updates with one update or a list;
update_id is given from 1001 on when absent), long-polling up to the request's timeout; an offset
confirms, and so drops, the updates before it. editMessageText, editMessageReplyMarkup,
answerCallbackQuery and getMe answer ok. Every call but getUpdates is recorded in "calls" as
{"method", "json"}, in order; "polls" counts getUpdates and "offsets" lists the offsets asked.
"counts" counts every call by method, and "sent_to" the sendMessage calls by chat_id.
--stall METHOD:SECONDS holds the first call of METHOD that long before answering.
--keep N records only the first N entries of "requests", "delivered" and "calls" (the counts go on):
a benchmark's 10,000 answers would otherwise rewrite an ever longer state file on every call.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import Script, State, announce_port  # noqa: E402

FAILURES = {
    "400": "Bad Request: chat not found",
    "403": "Forbidden: bot was blocked by the user",
    "500": "Internal Server Error",
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--script", default="")
    p.add_argument("--stall", default="")
    p.add_argument("--keep", type=int, default=None)
    args = p.parse_args()
    script = Script(args.script, "ok")
    state = State(args.state, {"requests": [], "delivered": [], "wrong_paths": 0, "calls": [], "polls": 0,
                               "offsets": [], "queued": 0,
                               "counts": {}, "sent_to": {}})
    delivered = [0]  # the message_id of the last message sent

    def record(name, entry):
        """Appends to a recorded list while it is under --keep entries."""
        if args.keep is None or len(state.data[name]) < args.keep:
            state.data[name].append(entry)
    queue = []  # updates not yet confirmed
    queued = threading.Condition()
    next_id = [1001]
    stall = dict([args.stall.split(":")]) if args.stall else {}

    class Api(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, reply):
            body = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def ok(self, result):
            self.answer(200, {"ok": True, "result": result})

        def get_updates(self, request):
            offset = int(request.get("offset", 0) or 0)
            deadline = time.monotonic() + float(request.get("timeout", 0))
            with state.lock:
                state.data["polls"] += 1
                state.data["offsets"].append(offset)
                state.save()
            with queued:
                queue[:] = [u for u in queue if u["update_id"] >= offset]
                while not queue and time.monotonic() < deadline:
                    queued.wait(deadline - time.monotonic())
                    queue[:] = [u for u in queue if u["update_id"] >= offset]
                updates = list(queue[:100])
            self.ok(updates)

        def enqueue(self, request):
            updates = request if isinstance(request, list) else [request]
            with queued:
                for u in updates:
                    if "update_id" not in u:
                        u["update_id"] = next_id[0]
                    next_id[0] = max(next_id[0], u["update_id"]) + 1
                    queue.append(u)
                queued.notify_all()
            with state.lock:
                state.data["queued"] += len(updates)
                state.save()
            self.ok([u["update_id"] for u in updates])

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            prefix = "/bot%s/" % args.token
            method = self.path[len(prefix):] if self.path.startswith(prefix) else None
            if self.path == "/test/updates":
                return self.enqueue(json.loads(body.decode("utf-8")))
            if method == "getUpdates":
                return self.get_updates(json.loads(body.decode("utf-8") or "{}"))
            if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "getMe"):
                request = json.loads(body.decode("utf-8") or "{}")
                with state.lock:
                    record("calls", {"method": method, "json": request})
                    counts = state.data["counts"]
                    counts[method] = counts.get(method, 0) + 1
                    if method == "sendMessage":
                        chat = str(request.get("chat_id"))
                        state.data["sent_to"][chat] = state.data["sent_to"].get(chat, 0) + 1
                    state.save()
                if method in stall:
                    time.sleep(float(stall.pop(method)))
            if method == "getMe":
                return self.ok({"id": 42, "is_bot": True, "first_name": "tarat", "username": "tarat_test_bot"})
            if method in ("editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"):
                return self.ok(True)
            if method != "sendMessage":
                with state.lock:
                    state.data["wrong_paths"] += 1
                    state.save()
                return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            request = json.loads(body.decode("utf-8"))
            with state.lock:
                record("requests", {"json": request, "content_type": self.headers.get("Content-Type")})
                state.save()
            step = script.next()
            code, _, extra = step.partition(":")
            if code == "ok":
                with state.lock:
                    record("delivered", request)
                    delivered[0] += 1
                    n = delivered[0]
                    state.save()
                return self.answer(200, {"ok": True, "result": {"message_id": n, "chat": {"id": request.get("chat_id")},
                                                               "date": 0, "text": request.get("text")}})
            if code == "429":
                return self.answer(429, {"ok": False, "error_code": 429,
                                         "description": "Too Many Requests: retry after " + extra,
                                         "parameters": {"retry_after": int(extra)}})
            self.answer(int(code), {"ok": False, "error_code": int(code), "description": FAILURES[code]})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Api)
    server.daemon_threads = True
    announce_port(args.port_file, server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
