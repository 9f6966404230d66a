"""Jobs that do nothing but show the queue works: used by health checks and benchmarks."""
import time


def noop() -> str:
    return "ok"


def hold(seconds: float) -> str:
    """Stays busy for a while, so shutdown behaviour can be watched."""
    time.sleep(seconds)
    return "held"
