"""Jobs that do nothing but show the queue works: used by health checks and benchmarks."""
import time

from flask import current_app


def noop() -> str:
    return "ok"


def hold(seconds: float) -> str:
    """Stays busy for a while, so shutdown behaviour can be watched."""
    time.sleep(seconds)
    return "held"


def report_app_name() -> str:
    """The Flask app's name, which only a job running inside an app context can see."""
    return current_app.name
