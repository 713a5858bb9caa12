#!/usr/bin/python3
"""A local webhook receiver for tarat's tests (standard library only).

Checks every POST the way a careful receiver would: the Standard Webhooks signature
(webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">, with the
secret from --secret-file, "whsec_<base64>" meaning the decoded bytes), a timestamp within five
minutes, Idempotency-Key equal to webhook-id and to the payload's key. A bad signature gets 401.
Then --script answers in turn ("429:3" is 429 with Retry-After: 3, "302", "500", "hang:30" waits
30 s before answering 200); once it runs out, 200. A 2xx delivery is counted once per
Idempotency-Key: repeats are counted as duplicates. Everything goes to the --state JSON file.

For the fault suites: while the --down-file exists every POST gets 503 (no Retry-After), as a
receiver that is down; --deliveries-log appends one line "KEY<TAB>first|duplicate" per 2xx
delivery and keeps payloads out of the state file (so thousands of deliveries stay cheap).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import Script, State, announce_port  # noqa: E402


def read_secret(path):
    secret = open(path, "rb").read().rstrip(b"\r\n")
    if secret.startswith(b"whsec_"):
        return base64.b64decode(secret[6:])
    return secret


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--secret-file", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--script", default="")
    p.add_argument("--down-file", default="")
    p.add_argument("--deliveries-log", default="")
    args = p.parse_args()
    seen_keys = set()
    deliveries_log = open(args.deliveries_log, "a", encoding="utf-8") if args.deliveries_log else None
    secret = read_secret(args.secret_file)
    script = Script(args.script, "200")
    state = State(args.state, {"requests": 0, "bad_signatures": 0, "duplicates": 0, "deliveries": [], "problems": []})

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, text, headers=()):
            body = json.dumps({"status": status, "text": text}).encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def problem(self, text):
            with state.lock:
                state.data["problems"].append(text)
                state.save()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.data["requests"] += 1
                state.data["last_path"] = self.path
                if not deliveries_log:  # the log is the record then: no rewrite per request
                    state.save()
            wid = self.headers.get("webhook-id", "")
            stamp = self.headers.get("webhook-timestamp", "")
            signed = ("%s.%s." % (wid, stamp)).encode() + body
            expected = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
            offered = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split() if s.startswith("v1,")]
            if not any(hmac.compare_digest(expected, s) for s in offered):
                with state.lock:
                    state.data["bad_signatures"] += 1
                    state.save()
                return self.answer(401, "signature does not verify")
            if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
                self.problem("timestamp out of tolerance: " + stamp)
                return self.answer(400, "stale timestamp")
            key = self.headers.get("Idempotency-Key", "")
            if key != wid:
                self.problem("Idempotency-Key %r differs from webhook-id %r" % (key, wid))
                return self.answer(400, "Idempotency-Key differs from webhook-id")
            if self.headers.get("Content-Type") != "application/json":
                self.problem("Content-Type " + str(self.headers.get("Content-Type")))
            payload = json.loads(body.decode("utf-8"))
            if urllib.parse.unquote(key) != payload.get("key"):
                self.problem("payload key %r differs from Idempotency-Key %r" % (payload.get("key"), key))

            if args.down_file and os.path.exists(args.down_file):
                with state.lock:
                    state.data["down_answers"] = state.data.get("down_answers", 0) + 1
                    state.save()
                return self.answer(503, "down")
            step = script.next()
            code, _, extra = step.partition(":")
            if code == "hang":
                time.sleep(int(extra))
                code = "200"
            status = int(code)
            if status == 429 or status == 503:
                return self.answer(status, "slow down", [("Retry-After", extra or "1")])
            if 300 <= status < 400:
                return self.answer(status, "moved", [("Location", "http://127.0.0.1:9/elsewhere")])
            if status >= 300:
                return self.answer(status, "scripted %d" % status)
            with state.lock:
                if deliveries_log:
                    first = key not in seen_keys
                    seen_keys.add(key)
                    deliveries_log.write("%s\t%s\n" % (urllib.parse.unquote(key), "first" if first else "duplicate"))
                    deliveries_log.flush()
                    if not first:
                        state.data["duplicates"] += 1
                elif any(d["key"] == key for d in state.data["deliveries"]):
                    state.data["duplicates"] += 1
                else:
                    state.data["deliveries"].append({"key": key, "payload": payload})
                if not deliveries_log:
                    state.save()
            self.answer(200, "accepted")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    server.daemon_threads = True
    announce_port(args.port_file, server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
