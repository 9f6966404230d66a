"""Personal API tokens: made and revoked in Settings, checked on every API request.

A token reads `spt_` + 30 random base62 characters + a 6-character base62 CRC32 of those 30, like GitHub's:
the prefix and the checksum let a scanner recognise a leaked Spotter token offline, and let us refuse a
mistyped one without a query. Only the SHA-256 of the whole token is stored (a 178-bit random secret needs
no slow hash): a copy of the database opens nothing.
"""
import hashlib
import secrets
import string
import zlib
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import ApiToken
from app.models.types import utcnow
from app.services import ServiceError
from app.tenancy import owned, require_owned

PREFIX = "spt_"
ALPHABET = string.digits + string.ascii_letters
RANDOM_CHARS, CHECKSUM_CHARS = 30, 6
TOKEN_LENGTH = len(PREFIX) + RANDOM_CHARS + CHECKSUM_CHARS
SCOPES = ("read", "write")
MAX_ACTIVE_TOKENS = 20
LAST_USED_EVERY = timedelta(minutes=1)  # a busy script does not write a row on every request


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode()), CHECKSUM_CHARS)  # 62**6 > 2**32: always fits


def new_secret() -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return PREFIX + random_part + _checksum(random_part)


def looks_like_token(text: str) -> bool:
    """Whether `text` is shaped like a Spotter token and its checksum matches (no database needed)."""
    if len(text) != TOKEN_LENGTH or not text.startswith(PREFIX) or not all(c in ALPHABET for c in text[4:]):
        return False
    random_part = text[len(PREFIX):len(PREFIX) + RANDOM_CHARS]
    return secrets.compare_digest(text[-CHECKSUM_CHARS:], _checksum(random_part))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def list_tokens(trainer_id: int) -> list[ApiToken]:
    """Her tokens, active ones first, newest first."""
    tokens = db.session.scalars(owned(ApiToken, trainer_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return sorted(tokens, key=lambda t: t.revoked_at is not None)


def create_token(trainer_id: int, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token and its secret, which is never readable again."""
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError("Name the token, for example “Spreadsheet”.", "name")
    if len(name) > 100:
        raise ServiceError("Keep the name to 100 characters.", "name")
    if scope not in SCOPES:
        raise ServiceError("Pick read or write.", "scope")
    active = db.session.scalar(select(db.func.count()).select_from(ApiToken).where(
        ApiToken.trainer_id == trainer_id, ApiToken.revoked_at.is_(None)))
    if active >= MAX_ACTIVE_TOKENS:
        raise ServiceError(f"You have {MAX_ACTIVE_TOKENS} tokens: revoke one you no longer use first.", "name")
    secret = new_secret()
    token = ApiToken(trainer_id=trainer_id, name=name, scope=scope, secret_sha256=_digest(secret),
                     shown_prefix=secret[:len(PREFIX) + 4])
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(trainer_id: int, token_id: int) -> ApiToken:
    """From now on the token opens nothing; it stays listed as revoked. LookupError if not hers."""
    token = require_owned(ApiToken, trainer_id, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate(secret: str | None) -> ApiToken | None:
    """The active token this secret is, with its last use noted; None for anything else."""
    if not secret or not looks_like_token(secret):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_sha256 == _digest(secret),
                                                     ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token
