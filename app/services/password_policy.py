"""What a new password must be: long enough, not too long, and not on the list of common passwords.

app/data/common-passwords.txt is the list Django ships (django/contrib/auth, BSD licence): 20,000
common passwords gathered by Royce Williams, lowercased and deduplicated, one a line.
"""
from functools import cache
from pathlib import Path

from app.services import ServiceError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache  # read once per process, on the first password set
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines())


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(f"Use at most {MAX_PASSWORD_LENGTH} characters.", field)
    if password.strip().lower() in common_passwords():
        raise ServiceError("This password is one of the most common ones, the first an attacker tries. "
                           "Choose another.", field)
