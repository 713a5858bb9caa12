#!/usr/bin/python3
"""A local fake of the Telegram Bot API's sendMessage for tarat's tests (standard library only).

Serves POST /bot<--token>/sendMessage on 127.0.0.1; any other path gets the API's 404. --script
answers in turn: "ok", "429:3" (parameters.retry_after = 3), "400" (chat not found), "403" (bot
blocked by the user), "500"; once it runs out, "ok". Every request's JSON goes to the --state file.
"""
import argparse
import json
import os
import sys
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
    args = p.parse_args()
    script = Script(args.script, "ok")
    state = State(args.state, {"requests": [], "delivered": [], "wrong_paths": 0})

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

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/bot%s/sendMessage" % args.token:
                with state.lock:
                    state.data["wrong_paths"] += 1
                    state.save()
                return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            request = json.loads(body.decode("utf-8"))
            with state.lock:
                state.data["requests"].append({"json": request, "content_type": self.headers.get("Content-Type")})
                state.save()
            step = script.next()
            code, _, extra = step.partition(":")
            if code == "ok":
                with state.lock:
                    state.data["delivered"].append(request)
                    n = len(state.data["delivered"])
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
