"""Settings › API tokens: shown once, kept only as a hash, recognisable when leaked, revocable."""
import hashlib
import re
from datetime import timedelta

from hypothesis import given, strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken
from app.models.types import utcnow
from app.services import api_tokens
from tests import factories

TOKEN = re.compile(r"spt_[0-9A-Za-z]{36}")


def _make(browser, name="Spreadsheet", scope="read"):
    browser.get("/settings/tokens")
    return browser.post("/settings/tokens", {"name": name, "scope": scope})


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(logged_in, trainer):
    response = _make(logged_in, "Booking app", "write")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    shown = TOKEN.findall(response.data.decode())
    assert len(set(shown)) == 1
    secret = shown[0]
    row = db.session.scalar(select(ApiToken).where(ApiToken.trainer_id == trainer.id))
    assert (row.name, row.scope) == ("Booking app", "write")
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(db.session.execute(select(ApiToken.__table__)).all())
    again = logged_in.get("/settings/tokens").data.decode()
    assert secret not in again and "Booking app" in again and row.shown_prefix + "…" in again
    assert "never used" in again


def test_a_leaked_token_is_recognised_offline_by_its_prefix_and_checksum():
    secret = api_tokens.new_secret()
    assert TOKEN.fullmatch(secret) and api_tokens.looks_like_token(secret)
    flipped = secret[:10] + ("a" if secret[10] != "a" else "b") + secret[11:]
    assert not api_tokens.looks_like_token(flipped)
    assert not api_tokens.looks_like_token("ghp_" + secret[4:])


@given(st.text(max_size=60))
def test_random_text_is_never_taken_for_a_token(text):
    if api_tokens.looks_like_token(text):
        assert text.startswith("spt_") and len(text) == 40


def test_using_a_token_notes_when_and_revoking_it_stops_it(logged_in, trainer):
    secret = TOKEN.search(_make(logged_in).data.decode()).group(0)
    token = api_tokens.authenticate(secret)
    assert token is not None and token.trainer_id == trainer.id
    used = token.last_used_at
    assert used is not None and "last used just now" in logged_in.get("/settings/tokens").data.decode()
    assert api_tokens.authenticate(secret).last_used_at == used  # not written again within the minute
    other_last = "y" if secret.endswith("x") else "x"
    assert api_tokens.authenticate(secret[:-1] + other_last) is None  # one character off

    logged_in.get("/settings/tokens")
    response = logged_in.post(f"/settings/tokens/{token.id}/revoke", follow_redirects=True)
    assert "is revoked" in response.data.decode() and "revoked" in response.data.decode()
    assert api_tokens.authenticate(secret) is None


def test_a_token_without_a_name_or_scope_is_refused_beside_the_field(logged_in, trainer):
    page = _make(logged_in, name="   ").data.decode()
    assert "Name the token" in page and not TOKEN.search(page)
    page = _make(logged_in, scope="admin").data.decode()
    assert "Pick read or write." in page and not TOKEN.search(page)
    page = _make(logged_in, name="x" * 101).data.decode()
    assert "Keep the name to 100 characters." in page
    assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 0


def test_another_trainers_token_cannot_be_revoked(logged_in):
    other = factories.make_trainer()
    token, secret = api_tokens.create_token(other.id, "Theirs", "read")
    logged_in.get("/settings/tokens")
    assert logged_in.post(f"/settings/tokens/{token.id}/revoke").status_code == 404
    assert "Theirs" not in logged_in.get("/settings/tokens").data.decode()
    assert api_tokens.authenticate(secret) is not None


def test_last_use_is_written_again_after_a_minute(trainer):
    token, secret = api_tokens.create_token(trainer.id, "Script", "read")
    api_tokens.authenticate(secret)
    db.session.get(ApiToken, token.id).last_used_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert utcnow() - api_tokens.authenticate(secret).last_used_at < timedelta(seconds=5)
