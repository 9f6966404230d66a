"""The RQ worker that `flask worker` runs: every job inside an app context."""
import os
import signal

from rq import Worker

from app.extensions import db


class AppWorker(Worker):
    """Forks a work horse per job (RQ's default) and gives each job the Flask app context.

    On SIGTERM the worker lets the running job finish and then exits; a job still running at
    SIGKILL is found again by the outbox sweeper.
    """

    flask_app = None

    def perform_job(self, job, queue):
        with self.flask_app.app_context():
            if os.getpid() != self._parent_pid:
                # A forked horse must not reuse the parent's pooled database connections.
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()

    def setup_work_horse_signals(self):
        # Heroku sends SIGTERM to every process in the dyno, the horse included, and RQ's horse
        # would die of it mid-job. Only the parent decides: it waits for the horse (warm
        # shutdown) and kills it with SIGKILL on a second SIGTERM (cold shutdown).
        super().setup_work_horse_signals()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def work(self, *args, **kwargs):
        self._parent_pid = os.getpid()
        preload_job_modules()
        return super().work(*args, **kwargs)


def preload_job_modules() -> None:
    """Import once, in the parent, what every job needs (the SDK modules above all): each forked
    horse inherits them instead of importing them again, which otherwise costs more than the send."""
    import twilio.rest.api.v2010.account.message  # noqa: F401

    import app.integrations.twilio_sms  # noqa: F401
    import app.jobs.sweeper  # noqa: F401
    import app.jobs.texting  # noqa: F401


def build_worker(app, worker_class=AppWorker, **kwargs) -> Worker:
    """A worker of `worker_class` bound to `app`, listening on the app's queue through a connection
    that waits out Redis outages (its jobs use the app's own, which fails fast)."""
    from app.jobs.connection import lasting_redis

    with app.app_context():
        connection = lasting_redis()
    bound = type(worker_class.__name__, (worker_class,), {"flask_app": app})
    return bound([app.config["RQ_QUEUE"]], connection=connection, **kwargs)
