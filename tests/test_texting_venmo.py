"""The Venmo pay link in invoice texts: the client pays from the text, and the trainer can turn it off."""
import re

import pytest

from app.extensions import db
from app.models import Invoice
from app.services import texting
from app.services.links import public_url
from app.sms_text import segment_count
from tests import factories
from tests.pages import text_of
from tests.invoice_helpers import submit_drafts
from tests.texting_helpers import submit_invoices

VENMO_LINK = re.compile(r"Pay with Venmo: (https://venmo\.com/\S+)")


@pytest.fixture
def venmo_trainer(app):
    return factories.make_trainer(business_name="Okafor Performance", venmo_handle="okafor-pc")


def test_the_invoice_text_carries_a_venmo_link_with_the_amount_and_note_filled_in(
        venmo_trainer, fake_twilio, run_worker):
    [message] = submit_invoices(venmo_trainer, name="Ann Archer", mobile="+14155550199")
    run_worker()
    [sent] = fake_twilio.to("+14155550199")
    [link] = VENMO_LINK.findall(sent["body"])
    assert link == "https://venmo.com/okafor-pc?txn=pay&amount=80.00&note=INV-0001"
    invoice = db.session.get(Invoice, message.invoice_id)
    assert public_url(invoice) in sent["body"]  # the invoice page is still linked
    assert sent["body"].endswith("Reply STOP to opt out.")
    assert segment_count(sent["body"]) <= texting.MAX_SEGMENTS_WITH_VENMO


@pytest.mark.parametrize("why", ["turned off", "no Venmo username"])
def test_no_venmo_link_when_it_is_off_or_there_is_no_username(app, fake_twilio, run_worker, why):
    trainer = factories.make_trainer(venmo_handle=None if why == "no Venmo username" else "okafor-pc",
                                     venmo_in_texts=why != "turned off")
    submit_invoices(trainer, mobile="+14155550198")
    run_worker()
    [sent] = fake_twilio.to("+14155550198")
    assert "venmo" not in sent["body"].lower()
    assert segment_count(sent["body"]) <= texting.MAX_SEGMENTS


def test_long_names_keep_the_text_within_three_segments_or_drop_the_venmo_link(app, fake_twilio, run_worker):
    trainer = factories.make_trainer(business_name="Ëlïsàbeth’s Strength & Conditioning Studio 💪 Downtown",
                                     venmo_handle="elisabeth-strength-studio")
    submit_invoices(trainer, name="Zoë-Ångström Bartholomew-Featherstonehaugh", mobile="+14155550111")
    run_worker()
    [sent] = fake_twilio.to("+14155550111")
    limit = texting.MAX_SEGMENTS_WITH_VENMO if "Pay with Venmo" in sent["body"] else texting.MAX_SEGMENTS
    assert segment_count(sent["body"]) <= limit
    assert "http://spotter.test/i/" in sent["body"]


def test_settings_show_the_segments_a_typical_text_takes_with_and_without_the_link(logged_in, trainer):
    trainer.venmo_handle = "okafor-pc"
    db.session.commit()
    with_link, without_link = texting.typical_invoice_segments(trainer)
    assert with_link > without_link >= 1
    page = logged_in.get("/settings/").get_data(as_text=True)
    toggle = text_of(re.search(r'<div class="field[^"]*">\s*<label class="check"><input[^>]*venmo_in_texts.*?</div>',
                               page, re.S).group(0))
    assert "Put a Venmo pay link in invoice texts" in toggle
    assert f"A typical invoice text takes {with_link} segments with the link, {without_link} without" in toggle


@pytest.mark.parametrize("venmo_in_texts", [True, False])
def test_the_segments_shown_are_those_of_the_text_that_is_sent(venmo_trainer, fake_twilio, run_worker,
                                                                venmo_in_texts):
    client = factories.make_client(venmo_trainer, name="Alexandra Sample", mobile="+14155550142")
    factories.make_session(client, days_ago=10)
    submit_drafts(venmo_trainer.id, "first week")  # her first text, which also says how to opt out
    run_worker()
    venmo_trainer.venmo_in_texts = venmo_in_texts
    db.session.commit()
    with_link, without_link = texting.typical_invoice_segments(venmo_trainer)
    for days_ago in (1, 2, 3, 4):
        factories.make_session(client, days_ago=days_ago, rate_cents=venmo_trainer.default_rate_cents)
    submit_drafts(venmo_trainer.id, "a typical week")
    run_worker()
    typical = fake_twilio.to("+14155550142")[-1]["body"]
    assert ("Pay with Venmo" in typical) is venmo_in_texts
    assert segment_count(typical) == (with_link if venmo_in_texts else without_link)


def test_turning_the_link_off_in_settings_is_saved(logged_in, trainer):
    from tests.test_profile import VALID, row
    logged_in.get("/settings/")
    assert logged_in.post("/settings/", {**VALID, "venmo_in_texts": "y"}).status_code == 302
    assert row(trainer.id)["venmo_in_texts"] is True
    assert logged_in.post("/settings/", VALID).status_code == 302
    assert row(trainer.id)["venmo_in_texts"] is False
