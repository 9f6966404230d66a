"""Real worker and web processes for the tests, started as the Procfile would, and killed as a crash would."""
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def process_tree(pid: int) -> list[int]:
    """`pid` and every process descended from it (the worker and its scheduler)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = [pid]
    for candidate in tree:
        tree.extend(child for child, parent in parents.items() if parent == candidate)
    return tree


def kill_tree(pid: int) -> None:
    for member in reversed(process_tree(pid)):
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Workers:
    """`flask worker` (and `flask clock`) processes sharing the test's database, Redis and fake Twilio.
    With `log_dir`, each process writes its output to a file of its own there (`process.log_path`)."""

    def __init__(self, database_url: str, redis_url: str, log_dir: Path | None = None, **extra_env):
        self.env = {k: v for k, v in os.environ.items() if k not in ("SPOTTER_ENV", "FLASK_ENV", "DYNO")}
        self.env.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "test-secret",
                         "PUBLIC_BASE_URL": "http://spotter.test", "PYTHONUNBUFFERED": "1", **extra_env})
        self.running: list[subprocess.Popen] = []
        self.log_dir = log_dir
        self.log = open(os.devnull, "w")

    def start(self, *args, command: str = "worker") -> subprocess.Popen:
        log_path = self.log_dir / f"{command}-{len(self.running)}.log" if self.log_dir else None
        output = open(log_path, "w") if log_path else self.log
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", command, *args], cwd=ROOT,
                                   env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        if log_path:
            output.close()  # the process has its own copy
        process.log_path = log_path
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL, the worker and its scheduler together: a dyno that died."""
        kill_tree(process.pid)
        process.wait(10)
        self.running.remove(process)

    def run_burst(self, count: int = 2, timeout: float = 120) -> None:
        """Workers that drain the queue and exit."""
        burst = [self.start("--burst") for _ in range(count)]
        deadline = time.monotonic() + timeout
        for process in burst:
            process.wait(max(1, deadline - time.monotonic()))
            self.running.remove(process)

    def stop_gracefully(self) -> None:
        """SIGTERM to each, as Heroku stops a dyno: each finishes its job, signs off in Redis and exits."""
        for process in self.running:
            os.kill(process.pid, signal.SIGTERM)
        for process in list(self.running):
            process.wait(60)
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.kill(process)
        self.log.close()


def start_web_dyno(port: int, output=subprocess.PIPE, **env_values) -> subprocess.Popen:
    """The web dyno's command, `gunicorn wsgi:app` with gunicorn.conf.py, on `port`; returns once it
    answers. Its output (the access log) goes to `output`: a pipe to read, or DEVNULL under load."""
    env = {k: v for k, v in os.environ.items() if k not in ("SPOTTER_ENV", "FLASK_ENV", "DYNO", "WEB_CONCURRENCY")}
    env.update(PORT=str(port), **env_values)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # Answered, not only accepted: the master listens before its workers have loaded the app,
        # which on a busy machine takes seconds.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1, deadline - time.monotonic()))
        try:
            connection.request("GET", "/ping")
            connection.getresponse().read()
            return process
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
        finally:
            connection.close()
    kill_tree(process.pid)
    raise RuntimeError("gunicorn did not answer on port %d" % port)


def stop_web_dyno(process: subprocess.Popen) -> None:
    """SIGTERM, as Heroku stops a dyno: gunicorn finishes its requests and flushes its log."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(10)
