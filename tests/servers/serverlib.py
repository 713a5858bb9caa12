"""What tarat's test servers share: announcing the port, and a state file the test reads."""
import json
import os
import threading


def announce_port(port_file, port):
    """Writes the listening port where the test waits for it (whole or not at all)."""
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, port_file)


class State:
    """A JSON document rewritten atomically after every change, for the test to read."""

    def __init__(self, path, initial):
        self.path = path
        self.data = initial
        self.lock = threading.Lock()
        self.save()

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)


class Script:
    """Answers to give, one per request, in order; `default` once they run out."""

    def __init__(self, text, default):
        self.steps = [s for s in (text or "").split(",") if s]
        self.default = default
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            return self.steps.pop(0) if self.steps else self.default
