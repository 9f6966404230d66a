"""A client's mobile as it is typed on a phone: a missing area code, numbers that cannot take texts,
and a number already on another client's card."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Client
from app.models.types import utcnow
from tests import factories
from tests.pages import error_beside, form_values, text_of
from tests.test_clients import add, browser_in, client_count  # noqa: F401  (fixtures)


def only_client_named(name: str) -> Client:
    db.session.expire_all()
    return db.session.scalars(select(Client).where(Client.name == name)).one()


@pytest.mark.parametrize("typed, message", [
    ("555-0123", "Add the area code, like (201) 555-0123."),
    ("5550123", "Add the area code, like (201) 555-0123."),
    ("1-800-555-0199", "This is a toll-free number, not a mobile number."),
    ("(888) 555-0134", "This is a toll-free number, not a mobile number."),
    ("+1 900 555 0199", "This is not a mobile number; enter one that can receive texts."),
])
def test_a_number_that_cannot_take_texts_is_refused_with_the_reason(browser_in, typed, message):
    response = add(browser_in, mobile=typed)
    assert response.status_code == 200
    assert error_beside(response, "mobile") == message
    assert client_count() == 0


def test_a_uk_trainer_is_shown_a_uk_number_when_the_area_code_is_missing(browser_in, trainer):
    trainer.mobile = "+447700900123"
    db.session.commit()
    assert error_beside(add(browser_in, mobile="7946 0000"), "mobile") == "Add the area code, like 07400 123456."


def test_a_mobile_already_on_another_clients_card_is_saved_with_a_warning(browser_in, trainer):
    factories.make_client(trainer, name="Ana Alvarez", mobile="+14155552671")
    response = add(browser_in, name="Leo Alvarez", mobile="(415) 555-2671")
    assert response.status_code == 302
    assert only_client_named("Leo Alvarez").mobile == "+14155552671"
    page = text_of(browser_in.get(response.headers["Location"]))
    assert "Leo Alvarez added." in page
    assert ("Ana Alvarez has this mobile number too: texts to both go to one phone, and a STOP from it "
            "stops both.") in page
    # The edit form says so beside the number, until one of them changes.
    edit = browser_in.get(f"/clients/{only_client_named('Leo Alvarez').id}/edit")
    assert "Also on Ana Alvarez's card: one phone gets both texts." in text_of(edit)


@pytest.mark.parametrize("other", ["another trainer's", "archived", "different"])
def test_no_warning_when_no_other_active_client_of_hers_has_the_number(browser_in, trainer, other):
    if other == "another trainer's":
        factories.make_client(factories.make_trainer(), name="Not Yours", mobile="+14155552671")
    elif other == "archived":
        factories.make_client(trainer, name="Gone Away", mobile="+14155552671", archived_at=utcnow())
    else:
        factories.make_client(trainer, name="Ana Alvarez", mobile="+14155552672")
    response = add(browser_in, name="Leo Alvarez", mobile="(415) 555-2671")
    page = text_of(browser_in.get(response.headers["Location"]))
    assert "Leo Alvarez added." in page and "this mobile number too" not in page


def test_saving_an_edit_onto_anothers_number_warns_too(browser_in, trainer):
    factories.make_client(trainer, name="Ana Alvarez", mobile="+14155552671")
    leo = factories.make_client(trainer, name="Leo Alvarez", mobile="+14155550199")
    values = form_values(browser_in.get(f"/clients/{leo.id}/edit"))
    response = browser_in.post(f"/clients/{leo.id}/edit", {**values, "mobile": "415 555 2671"})
    assert response.status_code == 302
    assert "Ana Alvarez has this mobile number too" in text_of(browser_in.get(response.headers["Location"]))

