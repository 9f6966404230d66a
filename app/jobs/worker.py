"""The RQ worker that `flask worker` runs: every job inside an app context."""
from rq import SimpleWorker

from app.extensions import db


class AppWorker(SimpleWorker):
    """Runs each job in the worker's own process, inside the Flask app context.

    No work horse is forked per job (RQ's default Worker): a send job spends its time waiting on
    Twilio, and a fresh horse would first pay for a new database connection, new compiled SQL and a
    new HTTP connection, which cost more than the send itself. Each outbox row is claimed once, so a
    job that dies with the process is found again by the sweeper, as with a horse.

    On SIGTERM (Heroku's, sent to every process in the dyno) the worker lets the running job finish
    and then exits; a second SIGTERM stops it at once.
    """

    flask_app = None

    def perform_job(self, job, queue):
        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def build_worker(app, worker_class=AppWorker, **kwargs) -> AppWorker:
    """A worker of `worker_class` bound to `app`, listening on the app's queue through a connection
    that waits out Redis outages (its jobs use the app's own, which fails fast)."""
    from app.jobs.connection import lasting_redis

    with app.app_context():
        connection = lasting_redis()
    bound = type(worker_class.__name__, (worker_class,), {"flask_app": app})
    return bound([app.config["RQ_QUEUE"]], connection=connection, **kwargs)
