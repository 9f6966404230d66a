"""A trainer's clients are texted only once her own mobile is verified with a code texted to it."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MessageStatus, OutboxMessage, Trainer, VerificationCode
from app.models.types import utcnow
from app.services import ServiceError
from app.services.mobile_verification import confirm_mobile
from tests import factories
from tests.invoice_helpers import submit_fields
from tests.pages import element, error_beside, text_of

VERIFY_REASON = "Verify your mobile number in Settings to text clients."


@pytest.fixture
def newcomer(app):
    return factories.make_trainer(verified=False, mobile="+14155550123")


@pytest.fixture
def new_in(browser, newcomer):
    """Logged in as the unverified trainer, with the settings page loaded."""
    assert browser.login(newcomer.email).status_code == 302
    browser.get("/settings/")
    return browser


def fresh(trainer) -> Trainer:
    db.session.expire_all()
    return db.session.get(Trainer, trainer.id)


def texted_code(fake_twilio, number="+14155550123") -> str:
    return re.search(r"\b(\d{6})\b", fake_twilio.to(number)[-1]["body"]).group(1)


def send_code(browser, **kw):
    return browser.post("/settings/mobile/code", **kw)


def asks_for_a_code(browser, run_worker, **trainer_values):
    """A new trainer logs in and asks for a code in Settings. Returns her and the page she lands on,
    once the worker has run."""
    trainer = factories.make_trainer(verified=False, **trainer_values)
    browser.login(trainer.email)
    browser.get("/settings/")
    page = send_code(browser, follow_redirects=True)
    run_worker()
    return trainer, page


def test_unverified_trainers_invoices_go_out_untexted_with_the_link_to_share(new_in, newcomer, fake_twilio,
                                                                             run_worker):
    factories.make_session(factories.make_client(newcomer, name="Ann Archer", mobile="+14155550199"))

    create_page = new_in.post("/invoices/bill", follow_redirects=True)
    batch = new_in.post("/invoices/submit", submit_fields(create_page.data), follow_redirects=True)
    run_worker()

    assert f"Will not be texted: {VERIFY_REASON}" in text_of(create_page)
    row = db.session.scalar(select(OutboxMessage))
    assert (row.status, row.error_message) == (MessageStatus.not_sent, VERIFY_REASON)
    assert VERIFY_REASON in text_of(batch) and "http://spotter.test/i/" in batch.get_data(as_text=True)
    assert fake_twilio.messages == []


def test_settings_show_the_mobile_as_not_verified_with_a_button_to_send_a_code(new_in):
    section = text_of(element(new_in.get("/settings/"), "mobile-verification"))

    assert "(415) 555-0123 · Not verified" in section
    assert "Send code" in section


def test_the_code_is_texted_to_her_own_number_through_the_outbox_and_kept_only_as_a_hash(
        new_in, newcomer, fake_twilio, run_worker):
    response = send_code(new_in)
    run_worker()

    assert response.status_code == 302
    [text] = fake_twilio.to("+14155550123")
    code = texted_code(fake_twilio)
    assert text["body"].startswith("Spotter: your code is")
    row = db.session.scalar(select(OutboxMessage))
    assert (row.kind, row.client_id, row.status) == ("verification", None, MessageStatus.sent)
    stored = db.session.scalar(select(VerificationCode))
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.expires_at - stored.created_at == timedelta(minutes=10)
    assert 'name="code"' in new_in.get("/settings/").get_data(as_text=True)


def test_the_right_code_verifies_the_mobile_and_then_her_clients_are_texted(new_in, newcomer, fake_twilio,
                                                                            run_worker):
    send_code(new_in)
    run_worker()

    response = new_in.post("/settings/mobile/verify", {"code": texted_code(fake_twilio)}, follow_redirects=True)

    assert fresh(newcomer).mobile_verified_at is not None
    assert "(415) 555-0123 · Verified" in text_of(element(response, "mobile-verification"))
    factories.make_session(factories.make_client(newcomer, mobile="+14155550199"))
    new_in.post("/invoices/submit", submit_fields(new_in.post("/invoices/bill", follow_redirects=True).data))
    run_worker()
    assert len(fake_twilio.to("+14155550199")) == 1


def test_a_wrong_code_says_how_many_tries_are_left_and_five_wrong_need_a_new_code(new_in, newcomer, fake_twilio,
                                                                                 run_worker):
    send_code(new_in)
    run_worker()
    right = texted_code(fake_twilio)
    wrong = f"{(int(right) + 1) % 10 ** 6:06d}"

    first = new_in.post("/settings/mobile/verify", {"code": wrong})
    for _ in range(4):
        last = new_in.post("/settings/mobile/verify", {"code": wrong})
    after = new_in.post("/settings/mobile/verify", {"code": right})

    assert first.status_code == 200
    assert error_beside(first, "code") == "That is not the code we sent. 4 tries left."
    assert error_beside(last, "code") == "That is not the code we sent. Send yourself a new one."
    assert error_beside(after, "code") == "Too many wrong codes. Send yourself a new one."
    assert fresh(newcomer).mobile_verified_at is None


def test_guesses_sent_in_parallel_still_get_five_tries_in_all(app, new_in, newcomer, fake_twilio, run_worker):
    send_code(new_in)
    run_worker()
    right = texted_code(fake_twilio)
    wrong = f"{(int(right) + 1) % 10 ** 6:06d}"
    start = threading.Barrier(8)

    def guess():
        with app.app_context():
            start.wait()
            try:
                confirm_mobile(newcomer.id, wrong)
            except ServiceError:
                pass
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    db.session.expire_all()
    assert db.session.scalar(select(VerificationCode.attempts)) == 5
    with pytest.raises(ServiceError, match="Too many wrong codes"):
        confirm_mobile(newcomer.id, right)


@pytest.mark.parametrize("typed, message", [("", "Enter the 6-digit code from the text."),
                                            ("12345", "The code is 6 digits, like 123456."),
                                            ("abcdef", "The code is 6 digits, like 123456.")])
def test_a_malformed_code_is_refused_beside_the_field_without_using_a_try(new_in, fake_twilio, run_worker,
                                                                          typed, message):
    send_code(new_in)
    run_worker()

    response = new_in.post("/settings/mobile/verify", {"code": typed})

    assert error_beside(response, "code") == message
    assert db.session.scalar(select(VerificationCode.attempts)) == 0


def test_a_code_older_than_ten_minutes_is_refused(new_in, newcomer, fake_twilio, run_worker):
    send_code(new_in)
    run_worker()
    stored = db.session.scalar(select(VerificationCode))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = new_in.post("/settings/mobile/verify", {"code": texted_code(fake_twilio)})

    assert error_beside(response, "code") == "This code has expired. Send yourself a new one."
    assert fresh(newcomer).mobile_verified_at is None


def test_only_the_latest_code_counts(new_in, newcomer, fake_twilio, run_worker):
    send_code(new_in)
    run_worker()
    first = texted_code(fake_twilio)
    send_code(new_in)
    run_worker()
    second = texted_code(fake_twilio)
    if first == second:
        pytest.skip("both codes came out the same")

    assert error_beside(new_in.post("/settings/mobile/verify", {"code": first}), "code").startswith("That is not")
    new_in.post("/settings/mobile/verify", {"code": second})
    assert fresh(newcomer).mobile_verified_at is not None


def test_sending_codes_is_limited_per_trainer_and_the_fourth_is_not_texted(new_in, fake_twilio, run_worker):
    for _ in range(3):
        assert send_code(new_in).status_code == 302

    refused = send_code(new_in)
    run_worker()

    assert refused.status_code == 429
    assert "You asked for several codes in a short time" in text_of(element(refused, "mobile-verification"))
    assert len(fake_twilio.to("+14155550123")) == 3


def test_sending_codes_is_limited_per_ip_across_accounts(app, browser, fake_twilio, run_worker):
    app.config["VERIFY_CODE_LIMIT_PER_IP"] = "2 per hour"
    numbers = ["+14155550131", "+14155550132", "+14155550133"]
    answers = []
    for number in numbers:
        trainer = factories.make_trainer(verified=False, mobile=number)
        browser.login(trainer.email)
        browser.get("/settings/")
        answers.append(send_code(browser).status_code)
        browser.post("/logout")

    run_worker()

    assert answers == [302, 302, 429]
    assert [len(fake_twilio.to(n)) for n in numbers] == [1, 1, 0]


def test_a_new_mobile_number_must_be_verified_again_and_an_old_code_does_not_count(app, new_in, newcomer,
                                                                                   fake_twilio, run_worker):
    from tests.test_profile import VALID
    send_code(new_in)
    run_worker()
    code = texted_code(fake_twilio)
    new_in.post("/settings/", {**VALID, "mobile": "(415) 555-0124"})

    response = new_in.post("/settings/mobile/verify", {"code": code})

    assert error_beside(response, "code") == "Send yourself a code first."
    assert fresh(newcomer).mobile_verified_at is None


def test_changing_a_verified_number_clears_the_verification(logged_in, trainer):
    from tests.test_profile import VALID
    logged_in.get("/settings/")
    logged_in.post("/settings/", {**VALID, "mobile": "(415) 555-0100"})  # the same number, written differently
    assert fresh(trainer).mobile_verified_at is not None

    logged_in.post("/settings/", {**VALID, "mobile": "(415) 555-0177"})

    assert fresh(trainer).mobile_verified_at is None
    assert "Not verified" in text_of(element(logged_in.get("/settings/"), "mobile-verification"))


def test_a_number_outside_the_allowed_countries_gets_no_code(app, browser, fake_twilio, run_worker):
    _, page = asks_for_a_code(browser, run_worker, mobile="+447400123456", timezone="Europe/London")

    assert "Spotter texts numbers in the US and Canada only, not in the UK." in text_of(page)
    assert fake_twilio.messages == []


def test_without_a_mobile_number_settings_ask_for_one(app, browser):
    trainer = factories.make_trainer(verified=False, mobile=None)
    browser.login(trainer.email)

    section = text_of(element(browser.get("/settings/"), "mobile-verification"))

    assert "No mobile number" in section and "Send code" not in section


def test_in_development_the_code_can_be_read_in_the_outbox(new_in, run_worker):
    send_code(new_in)
    run_worker()  # the console backend keeps the text

    settings = new_in.get("/settings/").get_data(as_text=True)
    outbox = text_of(new_in.get("/dev/outbox"))

    assert 'href="/dev/outbox"' in settings
    assert re.search(r"You · \(415\) 555-0123 Spotter: your code is \d{6}\.", outbox)


def test_the_dashboard_nudges_an_unverified_trainer_once(new_in):
    page = new_in.get("/dashboard").get_data(as_text=True)

    assert page.count('id="verify-mobile"') == 1
    assert 'href="/settings/#mobile-verification"' in page


def test_a_verified_trainer_gets_no_nudge(logged_in):
    assert 'id="verify-mobile"' not in logged_in.get("/dashboard").get_data(as_text=True)


def test_the_demo_trainer_is_seeded_verified(app, runner):
    from app.services.demo import DEMO_EMAIL
    runner.invoke(args=["seed-demo"])

    demo = db.session.scalar(select(Trainer).where(Trainer.email == DEMO_EMAIL))

    assert demo.has_verified_mobile
