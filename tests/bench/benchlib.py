"""What the Python benchmarks share: a taratd on a copy of the shipped etc/, `status` round trips over
its control socket, percentiles and a process's CPU time (standard library only)."""
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def daemon_arguments(ap):
    """--taratd, --taratctl and --plugin-dir, defaulting to the build folder's."""
    ap.add_argument("--taratd", default=str(ROOT / "build/bin/taratd"))
    ap.add_argument("--taratctl", default=str(ROOT / "build/bin/taratctl"))
    ap.add_argument("--plugin-dir", default=str(ROOT / "build/plugins"))


def pin_apart(daemon_pid, load_pid):
    """taratd and this process (the `status` sampler) on the first core, the load on the second: on
    a two-core machine the load generator (Python, several times taratd's CPU) would otherwise take
    taratd's core, and `status` would measure the scheduler, not the daemon. A department's senders
    (mail clients, browsers, Telegram) are other machines. Returns whether it pinned."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(daemon_pid, {0})
    os.sched_setaffinity(0, {0})
    if load_pid is not None:
        os.sched_setaffinity(load_pid, {1})
    return True


def copy_etc(work):
    """The shipped etc/ copied into `work`, its web on a free port; the copy's tarat.toml."""
    shutil.copytree(ROOT / "etc", work / "etc")
    config = work / "etc" / "tarat.toml"
    config.write_text(config.read_text().replace('listen = "127.0.0.1:8553"', 'listen = "127.0.0.1:0"'))
    return config


def start_taratd(taratd, plugin_dir, config, work, pretend_now):
    """`taratd run` on `config` with its state in work/state and socket work/tarat.sock, logging to
    work/taratd.log; returns the process once the socket is there."""
    sock = work / "tarat.sock"
    log = open(work / "taratd.log", "w")
    daemon = subprocess.Popen([taratd, "run", "--config", str(config), "--state-dir", str(work / "state"),
                               "--socket", str(sock), "--plugin-dir", plugin_dir, "--pretend-now", pretend_now],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    for _ in range(300):
        if sock.exists() or daemon.poll() is not None:
            break
        time.sleep(0.1)
    if not sock.exists():
        daemon.kill()
        raise RuntimeError("taratd did not open its socket: " + (work / "taratd.log").read_text()[-2000:])
    return daemon


def stop_taratd(daemon):
    if daemon.poll() is None:
        daemon.terminate()
        daemon.wait(20)


def status_latencies(sock_path, seconds=None, every=0.01, count=None, until=None):
    """`status` round trips (ms) over one connection, one every `every` s: for `seconds`, or `count`
    requests, or until the threading.Event `until` is set (whichever comes first)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(sock_path))
    f = s.makefile("rb")
    out = []
    end = time.monotonic() + seconds if seconds is not None else None
    while ((end is None or time.monotonic() < end) and (count is None or len(out) < count)
           and (until is None or not until.is_set())):
        t0 = time.perf_counter()
        s.sendall(b'{"command":"status"}\n')
        line = f.readline()
        out.append((time.perf_counter() - t0) * 1000)
        if not line:
            raise RuntimeError("the socket closed")
        time.sleep(every)
    s.close()
    return out


def cpu_seconds(pid):
    """User and system CPU time of a process (all its threads), in seconds."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p(values, q):
    """The q-quantile (0…1) of `values`, nearest rank."""
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def status_figures(idle, busy):
    """p50/p99 (ms) of `status` round trips idle and under load, and the p99s' ratio."""
    r = {"status_idle_p50_ms": statistics.median(idle), "status_idle_p99_ms": p(idle, 0.99),
         "status_load_p50_ms": statistics.median(busy), "status_load_p99_ms": p(busy, 0.99),
         "status_load_max_ms": max(busy), "status_samples": [len(idle), len(busy)]}
    r["ratio_p99"] = r["status_load_p99_ms"] / r["status_idle_p99_ms"]
    return r


def report(result, json_file):
    """Prints a benchmark's result and writes it to `json_file` (when given)."""
    print(json.dumps(result, indent=1))
    if json_file:
        pathlib.Path(json_file).write_text(json.dumps(result))
