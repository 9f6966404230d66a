"""Extension objects: created here, bound to the app in create_app."""
import threading

import redis
from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import MetaData

# Named constraints so that migrations can alter them on SQLite and PostgreSQL alike.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, strategy="sliding-window-counter")


def redis_options(url: str, timeout_ms: int) -> dict:
    """How every Redis client connects: short timeouts and no retry, so that a request waits on one
    timeout at most when Redis is down or never answers. Heroku Redis speaks TLS with a self-signed
    certificate."""
    seconds = timeout_ms / 1000
    options = {"socket_timeout": seconds, "socket_connect_timeout": seconds, "health_check_interval": 30,
               "retry": Retry(NoBackoff(), 0)}
    if url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    return options


def make_redis(url: str, timeout_ms: int, retry: Retry | None = None) -> redis.Redis:
    """A client with `redis_options`; `retry` replaces the fail-fast policy (the worker's and the clock's)."""
    options = redis_options(url, timeout_ms)
    if retry is not None:
        options["retry"] = retry
    return redis.Redis.from_url(url, **options)


_MAKING = threading.RLock()  # re-entrant: one app-wide object may be made from another


def per_app(name: str, make):
    """The app's one `name`, made by `make()` on its first use. Two threads asking at once get the
    same one (a second would be a second connection pool)."""
    extensions = current_app.extensions
    value = extensions.get(name)
    if value is None:
        with _MAKING:
            value = extensions.get(name)
            if value is None:
                value = extensions[name] = make()
    return value


def get_redis() -> redis.Redis:
    """One connection pool per app, shared by the queue, the limiter's callers and health checks."""
    config = current_app.config
    return per_app("spotter_redis", lambda: make_redis(config["REDIS_URL"], config["REDIS_TIMEOUT_MS"]))


def client_ip() -> str:
    return request.remote_addr or "unknown"
