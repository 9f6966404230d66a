"""A forgotten password: a one-time link by email, or a code texted to a verified mobile."""
import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuthSession, MessageStatus, OutboxMessage, PasswordReset
from app.services import accounts, texting
from tests import factories

NEW = "a brand new password"


def _link(smtp_server) -> str:
    [received] = smtp_server.messages
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    link = re.search(r"http://spotter\.test(/password/reset/\S+)", text).group(1)
    assert f'href="http://spotter.test{link}"' in html
    assert received["From"].addresses[0].display_name == "Spotter"
    return link


def _send_all():
    db.session.expire_all()
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.queued)).all():
        texting.send_message(message.id)


def test_a_reset_link_sets_the_new_password_once_and_ends_every_session(app, browser, trainer, smtp_server):
    other = accounts.start_auth_session(trainer.id, "old phone")
    answer = browser.post("/password/forgot", data={"email": trainer.email.upper(), "how": "email"})
    assert b"If an account uses this email" in answer.data
    _send_all()
    link = _link(smtp_server)

    assert browser.get(link).status_code == 200
    mismatch = browser.post(link, data={"password": NEW, "confirm": "something else"})
    assert b"The passwords do not match." in mismatch.data
    done = browser.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert accounts.authenticate(trainer.email, NEW) is not None
    assert accounts.trainer_for_token(other) is None
    assert accounts.active_session_count(trainer.id) == 0

    again = browser.post(link, data={"password": "yet another password", "confirm": "yet another password"})
    assert again.status_code == 400 and b"expired or was used already" in again.data
    assert accounts.authenticate(trainer.email, NEW) is not None


def test_an_unknown_address_gets_the_same_answer_and_nothing_is_sent(app, browser, smtp_server):
    answer = browser.post("/password/forgot", data={"email": "nobody@example.com", "how": "email"})
    assert b"If an account uses this email" in answer.data
    _send_all()
    assert smtp_server.messages == [] and db.session.scalars(select(PasswordReset)).all() == []


def test_a_link_older_than_30_minutes_or_made_up_does_not_work(app, browser, trainer, smtp_server):
    browser.post("/password/forgot", data={"email": trainer.email, "how": "email"})
    _send_all()
    link = _link(smtp_server)
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = reset.created_at + timedelta(minutes=30) - timedelta(hours=1)
    db.session.commit()

    assert browser.get(link).status_code == 400
    assert browser.post(link, data={"password": NEW, "confirm": NEW}).status_code == 400
    assert browser.get("/password/reset/made-up-token").status_code == 400
    assert accounts.authenticate(trainer.email, NEW) is None


def test_asking_often_sends_at_most_three_an_hour(app, browser, trainer, smtp_server):
    for _ in range(5):
        browser.post("/password/forgot", data={"email": trainer.email, "how": "email"})
    _send_all()
    assert len(smtp_server.messages) == 3


def test_a_verified_mobile_gets_a_code_that_resets_in_five_tries_at_most(app, browser, trainer):
    answer = browser.post("/password/forgot", data={"email": trainer.email, "how": "sms"}, follow_redirects=True)
    assert b"we texted it a code" in answer.data
    db.session.expire_all()
    [text] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).all()
    assert text.channel == "sms" and text.send_after is None  # asked for: never held for quiet hours
    code = re.search(r"code is (\d{6})", text.body).group(1)
    wrong = str((int(code) + 1) % 10 ** 6).zfill(6)

    refused = browser.post("/password/code", data={"email": trainer.email, "code": wrong, "password": NEW,
                                                  "confirm": NEW})
    assert b"That code is not right" in refused.data
    browser.post("/password/code", data={"email": trainer.email, "code": code, "password": NEW, "confirm": NEW})
    assert accounts.authenticate(trainer.email, NEW) is not None


def test_a_code_is_refused_after_five_wrong_tries_even_when_right(app, browser, trainer):
    browser.post("/password/forgot", data={"email": trainer.email, "how": "sms"})
    db.session.expire_all()
    code = re.search(r"code is (\d{6})", db.session.scalars(select(OutboxMessage)).one().body).group(1)
    wrong = str((int(code) + 1) % 10 ** 6).zfill(6)
    for _ in range(5):
        browser.post("/password/code", data={"email": trainer.email, "code": wrong, "password": NEW, "confirm": NEW})
    browser.post("/password/code", data={"email": trainer.email, "code": code, "password": NEW, "confirm": NEW})
    assert accounts.authenticate(trainer.email, NEW) is None


def test_no_code_is_texted_to_an_unverified_mobile(app, browser):
    trainer = factories.make_trainer(verified=False)
    answer = browser.post("/password/forgot", data={"email": trainer.email, "how": "sms"}, follow_redirects=True)
    assert b"we texted it a code" in answer.data
    assert db.session.scalars(select(OutboxMessage)).all() == []
