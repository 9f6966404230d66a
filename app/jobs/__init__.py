"""RQ queue setup. Jobs take ids only; their arguments are a wire format, kept backward compatible."""
from flask import current_app
from rq import Queue

from app.extensions import get_redis


def get_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis(),
                 default_timeout=current_app.config.get("RQ_JOB_TIMEOUT", 60))
