"""`make run`: `honcho -f Procfile.dev start`, made to stop everything when the terminal goes away.

Plain honcho stops its processes on Ctrl-C (SIGINT) and SIGTERM only. When the terminal window is
closed it gets SIGHUP, and its writes to the vanished terminal fail (EIO); honcho then dies or
hangs, and Redis, the web app, the worker and the clock keep running without it (the next
`make run` finds their ports taken). Here SIGHUP stops everything as Ctrl-C does, and output that
cannot be written is dropped.
"""
import os
import signal
import sys

from honcho import command
from honcho.manager import Manager


class TolerantStream:
    """A text stream whose writes never raise: the terminal may be gone."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError:
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except OSError:
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def hangup_means_stop(signum, frame):
    os.kill(os.getpid(), signal.SIGTERM)  # honcho's own handler: SIGTERM to every process, then wait


class DevManager(Manager):
    def _start(self):
        # honcho's helper processes (one per Procfile line) start with SIGHUP ignored, so that they
        # keep reading their process's output while it shuts down; only this process acts on it.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        super()._start()
        signal.signal(signal.SIGHUP, hangup_means_stop)


if __name__ == "__main__":
    sys.stdout = TolerantStream(sys.stdout)
    sys.stderr = TolerantStream(sys.stderr)
    if hasattr(signal, "SIGHUP"):
        command.Manager = DevManager
    command.main(["-f", "Procfile.dev", "start"] + sys.argv[1:])
