"""Configuration read from the environment.

`DevConfig` runs on embedded defaults (a SQLite file under instance/, the Redis
server that `make run` starts); `ProdConfig` refuses to start without secrets.
"""
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEV_REDIS_PORT = 6390


def normalize_database_url(url: str) -> str:
    """Heroku still hands out `postgres://`, which SQLAlchemy 2 no longer accepts."""
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://"):]
    return url


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_codes(name: str, default: str) -> tuple[str, ...]:
    """'US, ca' -> ('US', 'CA')."""
    return tuple(code.strip().upper() for code in os.environ.get(name, default).split(",") if code.strip())


def mail_backend(configured: str, mail_url: str, mail_server: str) -> str:
    """`MAIL_BACKEND` if set; else SMTP when a server is configured, the console otherwise."""
    return configured or ("smtp" if mail_url or mail_server else "console")


def sms_backend(configured: str, twilio_account_sid: str) -> str:
    """`SMS_BACKEND` if set; else Twilio when its account is configured, the console otherwise."""
    return configured or ("twilio" if twilio_account_sid else "console")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'spotter.sqlite3'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", f"redis://127.0.0.1:{DEV_REDIS_PORT}/0")
    # Connect and answer timeout of every Redis call: a Redis that is away costs a request this much.
    REDIS_TIMEOUT_MS = _env_int("REDIS_TIMEOUT_MS", 500)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "default")

    # Cookies and log-in sessions
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the log-in session

    # Password hashing: argon2id (RFC 9106 "second recommended" parameters)
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 65536)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 4)

    # Log-in attempts per IP and per email, counted in Redis
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes")
    # Failed log-ins per email (per device, on a device the trainer logged in on) before each further try
    # waits 2, 4, 8 … seconds, at most LOGIN_DELAY_MAX_SECONDS (app/services/login_delays.py)
    LOGIN_LIMIT_PER_EMAIL = os.environ.get("LOGIN_LIMIT_PER_EMAIL", "5 per 10 minutes")
    # Verification codes texted to a trainer's own mobile, per trainer and per IP, counted in Redis
    VERIFY_CODE_LIMIT_PER_TRAINER = os.environ.get("VERIFY_CODE_LIMIT_PER_TRAINER", "3 per hour")
    VERIFY_CODE_LIMIT_PER_IP = os.environ.get("VERIFY_CODE_LIMIT_PER_IP", "10 per hour")
    # While Redis is away each process counts every limit in its own memory; an error between the
    # check and the count of a failed log-in lets that one request through rather than failing it.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_DELAY_MAX_SECONDS = _env_int("LOGIN_DELAY_MAX_SECONDS", 900)
    SIGNUP_LIMIT_PER_IP = os.environ.get("SIGNUP_LIMIT_PER_IP", "10 per hour")
    PASSWORD_CHANGE_LIMIT_PER_TRAINER = os.environ.get("PASSWORD_CHANGE_LIMIT_PER_TRAINER", "5 per 10 minutes")
    PUBLIC_RATE_LIMIT = os.environ.get("PUBLIC_RATE_LIMIT", "60 per minute")  # client invoice pages, per IP

    SECURE_HEADERS_HSTS = False
    # Request bodies: larger ones are refused with 413 from their Content-Length, before they are read.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    WEBHOOK_MAX_CONTENT_LENGTH = _env_int("WEBHOOK_MAX_CONTENT_LENGTH", 256 * 1024)

    # Days a form's one-time key is kept (a repeat of the form within them is caught), then deleted daily.
    FORM_KEY_DAYS = _env_int("FORM_KEY_DAYS", 30)

    # The most one invoice may come to, in cents ($25,000.00): a draft is not taken over it, nor sent over it.
    INVOICE_MAX_CENTS = _env_int("INVOICE_MAX_CENTS", 2_500_000)

    # Texting: SMS_BACKEND=twilio|console (console, the default without Twilio credentials, keeps
    # every text in the app). TWILIO_API_BASE points the SDK at a sandbox or a mock server.
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "")
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
    TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "")
    TWILIO_TIMEOUT_SECONDS = _env_int("TWILIO_TIMEOUT_SECONDS", 10)
    SEND_JOB_TIMEOUT = _env_int("SEND_JOB_TIMEOUT", 60)
    # A row still "sending" this long after its claim belongs to a job that died: reconcile it.
    SEND_STUCK_AFTER_SECONDS = _env_int("SEND_STUCK_AFTER_SECONDS", 120)
    # A row still "queued" this long lost its job (Redis flushed, enqueue failed): enqueue again.
    SEND_REENQUEUE_AFTER_SECONDS = _env_int("SEND_REENQUEUE_AFTER_SECONDS", 120)
    SEND_MAX_ATTEMPTS = _env_int("SEND_MAX_ATTEMPTS", 8)
    # The countries (ISO codes) whose numbers may be texted: any other is refused on the client form and never sent.
    SMS_ALLOWED_COUNTRIES = _env_codes("SMS_ALLOWED_COUNTRIES", "US,CA")
    # Quotas, counted from the outbox: texts per trainer in 24 hours (an admin can set her own), texts to
    # one number in an hour, and the pause before one invoice may be texted again.
    SMS_DAILY_LIMIT_PER_TRAINER = _env_int("SMS_DAILY_LIMIT_PER_TRAINER", 200)
    SMS_HOURLY_LIMIT_PER_CLIENT = _env_int("SMS_HOURLY_LIMIT_PER_CLIENT", 5)
    RESEND_MIN_INTERVAL_SECONDS = _env_int("RESEND_MIN_INTERVAL_SECONDS", 600)

    # Email: MAIL_URL (smtp://user:pass@host:587 with STARTTLS, smtps://...:465 with TLS; what Heroku's
    # email add-ons provide) or MAIL_SERVER/MAIL_PORT/MAIL_USERNAME/MAIL_PASSWORD with MAIL_USE_TLS
    # (STARTTLS) or MAIL_USE_SSL. Without a server, the console backend keeps emails in the app
    # (/dev/outbox). Every email is from MAIL_FROM, with the trainer's business as its display name.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "")
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_FROM = os.environ.get("MAIL_FROM", "invoices@spotter.test")
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 10)

    # Quiet hours (08:00-20:00 the client's time): every kind of message to a client waits for 08:00,
    # invoices sent at night included. Codes and password resets, which the person asked for (and which go
    # to the trainer), never wait.
    QUIET_HOURS_KINDS = _env_codes("QUIET_HOURS_KINDS",
                                   "INVOICE,BILLING_PAGE,REMINDER,RECEIPT,PAYMENT_FAILED,CARD_UPDATE,"
                                   "AUTOPAY_SETUP")

    # Card payments: Stripe Connect, each trainer paid directly on her own Stripe account. Without the
    # secret key and the webhook secret no "Pay by card" button is shown. STRIPE_API_BASE points the SDK
    # at a mock server. The platform fee is in basis points of each payment (0: none).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_PLATFORM_FEE_BPS = _env_int("STRIPE_PLATFORM_FEE_BPS", 0)
    STRIPE_WEBHOOK_TOLERANCE_SECONDS = _env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
    STRIPE_TIMEOUT_SECONDS = _env_int("STRIPE_TIMEOUT_SECONDS", 10)
    # Auto-pay's sync with Stripe: calls per second per connected account, and how often (and how patiently)
    # a 429, a 5xx or a dropped connection is tried again.
    STRIPE_RATE_PER_SECOND = _env_int("STRIPE_RATE_PER_SECOND", 20)
    STRIPE_RETRIES = _env_int("STRIPE_RETRIES", 4)
    STRIPE_RETRY_BACKOFF_MS = _env_int("STRIPE_RETRY_BACKOFF_MS", 500)
    ENV_NAME = "base"


class DevConfig(Config):
    ENV_NAME = "development"
    DEV_OUTBOX = True


class ProdConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SECURE_HEADERS_HSTS = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuses to start on settings that would fail later, quietly or dangerously."""
        env = {name: value.strip() for name, value in os.environ.items()}
        for name in ("SECRET_KEY", "DATABASE_URL"):
            if not env.get(name):
                raise RuntimeError(f"{name} must be set in production")
        base = urlsplit(env.get("PUBLIC_BASE_URL", ""))
        if base.scheme != "https" or not base.netloc:
            raise RuntimeError("PUBLIC_BASE_URL must be set in production to the app's https address, "
                               "e.g. https://my-spotter.herokuapp.com")
        if sms_backend(env.get("SMS_BACKEND", ""), env.get("TWILIO_ACCOUNT_SID", "")) == "twilio":
            if not (env.get("TWILIO_MESSAGING_SERVICE_SID") or env.get("TWILIO_FROM_NUMBER")):
                raise RuntimeError("Texting through Twilio needs TWILIO_MESSAGING_SERVICE_SID or "
                                   "TWILIO_FROM_NUMBER (the sender of every text)")
            if not env.get("TWILIO_AUTH_TOKEN"):
                raise RuntimeError("Texting through Twilio needs TWILIO_AUTH_TOKEN (it also checks the "
                                   "signatures of Twilio's webhooks)")


class TestConfig(Config):
    ENV_NAME = "testing"
    DEV_OUTBOX = True
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8192
    ARGON2_PARALLELISM = 1
    SMS_BACKEND = "console"
    MAIL_BACKEND = "console"
    # Tests run at any hour: only reminders (whose tests set the clock) keep quiet hours unless a test asks.
    QUIET_HOURS_KINDS = ("REMINDER",)
    MAIL_URL = ""
    MAIL_SERVER = ""
    TWILIO_ACCOUNT_SID = ""
    TWILIO_AUTH_TOKEN = "test-auth-token"
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    STRIPE_API_BASE = ""
    STRIPE_RETRY_BACKOFF_MS = 10
    RATELIMIT_ENABLED = True


def config_for_environment():
    name = os.environ.get("SPOTTER_ENV") or os.environ.get("FLASK_ENV") or (
        "production" if os.environ.get("DYNO") else "development"
    )
    if name == "production":
        ProdConfig.check()
        return ProdConfig
    return DevConfig
