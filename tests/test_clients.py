"""Clients: the list and its search, adding, editing, archiving, and numbers stored as E.164."""
import pytest
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.models import Client
from tests import factories
from tests.pages import element, error_beside, form_values, text_of


@pytest.fixture
def browser_in(logged_in):
    """Logged in, with a page loaded after log-in so posts carry the current CSRF token."""
    logged_in.get("/clients/")
    return logged_in


def client_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Client))


def row(client_id: int) -> dict:
    db.session.expire_all()
    c = db.session.get(Client, client_id)
    return {a.key: getattr(c, a.key) for a in inspect(Client).column_attrs}


def add(browser, **fields):
    data = {"name": "Maya Chen", "mobile": "(415) 555-2671", "email": "", "default_rate_cents": "",
            "notes": "", "sms_consent": "y"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return browser.post("/clients/new", data)


def only_client() -> Client:
    db.session.expire_all()
    return db.session.scalars(select(Client)).one()


# --- the list and its search ---------------------------------------------------------------

def test_client_list_shows_active_clients_by_name(browser_in, trainer):
    factories.make_client(trainer, name="zoe Park")
    factories.make_client(trainer, name="Adam Ng")
    factories.make_client(trainer, name="Maya Chen", archived_at=func.now())
    page = text_of(browser_in.get("/clients/"))
    assert page.index("Adam Ng") < page.index("zoe Park")
    assert "Maya Chen" not in page


def test_archived_filter_shows_only_archived_clients(browser_in, trainer):
    from app.models.types import utcnow
    factories.make_client(trainer, name="Adam Ng")
    factories.make_client(trainer, name="Maya Chen", archived_at=utcnow())
    page = text_of(browser_in.get("/clients/?show=archived"))
    assert "Maya Chen" in page and "Adam Ng" not in page


def test_empty_list_invites_the_first_client(browser_in):
    assert "Add your first client" in text_of(browser_in.get("/clients/"))


@pytest.mark.parametrize("query", ["maya", "MAYA", "Chen", "ya ch"])
def test_search_finds_clients_by_name_in_any_case(browser_in, trainer, query):
    factories.make_client(trainer, name="Maya Chen")
    factories.make_client(trainer, name="Adam Ng")
    page = text_of(browser_in.get("/clients/", query_string={"q": query}))
    assert "Maya Chen" in page and "Adam Ng" not in page


@pytest.mark.parametrize("query", ["555-2671", "(415) 555-2671", "4155552671", "+1 415 555 2671", "2671"])
def test_search_finds_clients_by_phone_however_it_is_typed(browser_in, trainer, query):
    factories.make_client(trainer, name="Maya Chen", mobile="+14155552671")
    factories.make_client(trainer, name="Adam Ng", mobile="+14155550188")
    page = text_of(browser_in.get("/clients/", query_string={"q": query}))
    assert "Maya Chen" in page and "Adam Ng" not in page


def test_uk_trainer_finds_a_client_by_the_number_as_she_would_say_it(browser_in, trainer):
    factories.make_client(trainer, name="Olly Brown", mobile="+447700900456")
    factories.make_client(trainer, name="Adam Ng", mobile="+447700900999")
    page = text_of(browser_in.get("/clients/", query_string={"q": "07700 900456"}))
    assert "Olly Brown" in page and "Adam Ng" not in page


def test_search_finds_clients_by_email(browser_in, trainer):
    factories.make_client(trainer, name="Maya Chen", email="maya@example.org")
    factories.make_client(trainer, name="Adam Ng", email="adam@example.com")
    page = text_of(browser_in.get("/clients/", query_string={"q": "EXAMPLE.ORG"}))
    assert "Maya Chen" in page and "Adam Ng" not in page


def test_search_with_no_match_says_so(browser_in, trainer):
    factories.make_client(trainer, name="Maya Chen")
    assert "No clients match “zzz”." in text_of(browser_in.get("/clients/?q=zzz"))


def test_percent_and_underscore_in_a_search_are_taken_literally(browser_in, trainer):
    factories.make_client(trainer, name="Maya Chen")
    factories.make_client(trainer, name="100% Fit")
    assert "Maya Chen" not in text_of(browser_in.get("/clients/?q=%25"))
    assert "100% Fit" in text_of(browser_in.get("/clients/?q=%25"))
    assert "Maya Chen" not in text_of(browser_in.get("/clients/?q=_"))


def test_search_within_archived_clients(browser_in, trainer):
    from app.models.types import utcnow
    factories.make_client(trainer, name="Maya Chen", archived_at=utcnow())
    factories.make_client(trainer, name="Maya Lopez")
    page = text_of(browser_in.get("/clients/?q=maya&show=archived"))
    assert "Maya Chen" in page and "Maya Lopez" not in page


def test_htmx_search_answers_with_just_the_client_list(browser_in, trainer):
    factories.make_client(trainer, name="Maya Chen")
    factories.make_client(trainer, name="Adam Ng")
    response = browser_in.get("/clients/?q=maya", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<ul id="client-list"')
    assert "<html" not in body and "<form" not in body
    assert "Maya Chen" in body and "Adam Ng" not in body
    assert "HX-Request" in response.headers.get("Vary", "")


def test_normal_request_answers_with_the_whole_page(browser_in, trainer):
    factories.make_client(trainer, name="Maya Chen")
    response = browser_in.get("/clients/?q=maya")
    body = response.get_data(as_text=True)
    assert "<html" in body and 'name="q"' in body
    assert "Maya Chen" in element(body, "client-list")
    assert "HX-Request" in response.headers.get("Vary", "")


def test_boosted_navigation_gets_the_whole_page(browser_in):
    body = browser_in.get("/clients/", headers={"HX-Request": "true", "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in body


def test_another_trainers_clients_are_never_listed_or_found(browser_in, trainer):
    other = factories.make_trainer()
    factories.make_client(other, name="Secret Sam", mobile="+14155552671", email="sam@example.com")
    for url in ("/clients/", "/clients/?q=sam", "/clients/?q=2671", "/clients/?show=archived"):
        assert "Secret Sam" not in browser_in.get(url).get_data(as_text=True)


# --- adding ----------------------------------------------------------------------------------

def test_adding_a_client_stores_every_field(browser_in, trainer):
    response = add(browser_in, name="  Maya Chen ", email="Maya@Example.ORG ", default_rate_cents="95.50",
                   notes="Left knee: no deep lunges.", sms_consent="y")
    assert response.status_code == 302, [error_beside(response, f) for f in ("name", "email")]
    client = only_client()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/clients/{client.id}")
    assert client.trainer_id == trainer.id
    assert client.name == "Maya Chen"
    assert client.mobile == "+14155552671"
    assert client.email == "maya@example.org"
    assert client.default_rate_cents == 9550 and type(client.default_rate_cents) is int
    assert client.notes == "Left knee: no deep lunges."
    assert client.sms_consent is True
    assert client.archived_at is None


def test_us_trainer_types_a_local_number_and_it_is_stored_in_e164(browser_in):
    add(browser_in, mobile="(415) 555-2671")
    assert only_client().mobile == "+14155552671"


def test_uk_trainer_types_a_uk_mobile_without_the_country_code(app, browser_in, trainer):
    app.config["SMS_ALLOWED_COUNTRIES"] = ("US", "CA", "GB")  # a server that texts the UK
    trainer.mobile = "+447700900123"
    db.session.commit()
    response = add(browser_in, mobile="07700 900456")
    assert response.status_code == 302, error_beside(response, "mobile")
    assert only_client().mobile == "+447700900456"


def test_uk_trainer_with_a_real_range_mobile_gets_uk_numbers_too(app, browser_in, trainer):
    app.config["SMS_ALLOWED_COUNTRIES"] = ("US", "CA", "GB")
    trainer.mobile = "+447400123456"
    db.session.commit()
    add(browser_in, mobile="07912 345678")  # 07911 is Guernsey's, not the UK's
    assert only_client().mobile == "+447912345678"


def test_a_number_with_its_country_code_is_kept_whatever_the_trainers_country(browser_in, trainer):
    trainer.mobile = "+447700900123"
    db.session.commit()
    add(browser_in, mobile="+1 415 555 2671")
    assert only_client().mobile == "+14155552671"


def test_client_without_consent_to_texts_is_stored_so(browser_in):
    add(browser_in, sms_consent=None)
    assert only_client().sms_consent is False


def test_email_and_rate_and_mobile_may_be_left_empty(browser_in):
    response = add(browser_in, mobile="", email="", default_rate_cents="")
    assert response.status_code == 302
    client = only_client()
    assert (client.mobile, client.email, client.default_rate_cents) == (None, None, None)


def test_notes_of_2000_characters_are_kept(browser_in):
    add(browser_in, notes="n" * 2000)
    assert only_client().notes == "n" * 2000


@pytest.mark.parametrize("field, typed, message", [
    ("mobile", "+44 20 7946 0000", "landline"),
    ("mobile", "+33 1 23 45 67 89", "landline"),
    ("mobile", "(415) 555-26", "not a valid phone number"),
    ("mobile", "not a number", "Enter a mobile number"),
    ("name", "", "Enter the client's name."),
    ("name", "   ", "Enter the client's name."),
    ("name", "N" * 101, "longer than 100"),
    ("email", "maya@", "Invalid email"),
    ("default_rate_cents", "-10", "cannot be negative"),
    ("default_rate_cents", "ninety", "Enter an amount like 45 or 45.50."),
    ("default_rate_cents", "10000.01", "cannot be more than $10,000.00"),
    ("default_rate_cents", "95.999", "at most two decimal places"),
    ("notes", "n" * 2001, "longer than 2000"),
])
def test_bad_input_is_refused_beside_the_field_and_no_client_is_added(browser_in, field, typed, message):
    response = add(browser_in, **{field: typed})
    assert response.status_code == 200
    error = error_beside(response, field)
    assert error is not None, f"no message beside {field}"
    assert message.lower() in error.lower()
    assert client_count() == 0
    # What was typed is still there to be fixed.
    if field != "notes":
        assert form_values(response)[field] == typed.strip()


def test_landline_number_is_refused_next_to_the_field(browser_in, trainer):
    trainer.mobile = "+447700900123"
    db.session.commit()
    response = add(browser_in, mobile="020 7946 0000")
    assert error_beside(response, "mobile") == \
        "This looks like a landline; enter a mobile number that can receive texts."
    assert client_count() == 0


def test_unicode_client_names_are_accepted(browser_in):
    add(browser_in, name="Zoë Ångström 李小龍")
    assert only_client().name == "Zoë Ångström 李小龍"


# --- the client's page and rates ----------------------------------------------------------------

def test_client_page_shows_their_own_rate_over_the_trainers(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen", default_rate_cents=9550)
    page = text_of(browser_in.get(f"/clients/{client.id}"))
    assert "Rate $95.50" in page
    assert "your default" not in page
    assert "Log session · $95.50" in page


def test_client_without_a_rate_uses_the_trainers_default(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen", default_rate_cents=None)
    page = text_of(browser_in.get(f"/clients/{client.id}"))
    assert "Rate $80.00 (your default)" in page


def test_a_free_client_rate_of_zero_is_not_replaced_by_the_default(browser_in, trainer):
    client = factories.make_client(trainer, default_rate_cents=0)
    page = text_of(browser_in.get(f"/clients/{client.id}"))
    assert "Rate $0.00" in page and "your default" not in page


def test_client_page_lists_only_that_clients_sessions(browser_in, trainer):
    maya = factories.make_client(trainer, name="Maya Chen", default_rate_cents=9100)
    adam = factories.make_client(trainer, name="Adam Ng", default_rate_cents=7300)
    factories.make_session(maya)
    factories.make_session(adam)
    page = text_of(browser_in.get(f"/clients/{maya.id}"))
    assert "$91.00" in page and "$73.00" not in page


def test_another_trainers_client_is_404_everywhere(browser_in, trainer):
    other = factories.make_trainer()
    theirs = factories.make_client(other, name="Secret Sam")
    before = row(theirs.id)
    assert browser_in.get(f"/clients/{theirs.id}").status_code == 404
    assert browser_in.get(f"/clients/{theirs.id}/edit").status_code == 404
    assert browser_in.post(f"/clients/{theirs.id}/edit", {"name": "Mine now"}).status_code == 404
    assert browser_in.post(f"/clients/{theirs.id}/archive", {"archived": "1"}).status_code == 404
    assert row(theirs.id) == before


# --- editing -----------------------------------------------------------------------------------

def test_edit_form_shows_the_client_as_saved(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen", mobile="+14155552671", email="m@example.com",
                                   default_rate_cents=9550, notes="Knee", sms_consent=True)
    values = form_values(browser_in.get(f"/clients/{client.id}/edit"))
    assert values["name"] == "Maya Chen"
    assert values["mobile"] == "(415) 555-2671"
    assert values["email"] == "m@example.com"
    assert values["default_rate_cents"] == "95.50"
    assert values["notes"] == "Knee"
    assert values["sms_consent"] == "y"


def test_saving_the_edit_form_unchanged_changes_nothing(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen", mobile="+447700900456", default_rate_cents=9550,
                                   notes="Knee\nand back")
    before = row(client.id)
    values = form_values(browser_in.get(f"/clients/{client.id}/edit"))
    assert browser_in.post(f"/clients/{client.id}/edit", values).status_code == 302
    assert row(client.id) == before


def test_uk_trainer_can_save_her_us_clients_record_unchanged(browser_in, trainer):
    trainer.mobile = "+447700900123"
    db.session.commit()
    client = factories.make_client(trainer, name="Visiting Yank", mobile="+14155552671")
    before = row(client.id)
    values = form_values(browser_in.get(f"/clients/{client.id}/edit"))
    assert values["mobile"] == "+1 415-555-2671"
    response = browser_in.post(f"/clients/{client.id}/edit", {**values, "notes": "Back in March"})
    assert response.status_code == 302, error_beside(response, "mobile")
    assert row(client.id) == {**before, "notes": "Back in March"}


def test_numbers_are_shown_as_the_trainer_would_write_them(browser_in, trainer):
    factories.make_client(trainer, name="Maya Chen", mobile="+14155552671")
    factories.make_client(trainer, name="Olly Brown", mobile="+447700900456")
    us_view = text_of(browser_in.get("/clients/"))
    assert "(415) 555-2671" in us_view and "+44 7700 900456" in us_view
    trainer.mobile = "+447700900123"
    db.session.commit()
    uk_view = text_of(browser_in.get("/clients/"))
    assert "+1 415-555-2671" in uk_view and "07700 900456" in uk_view


def test_editing_a_client_saves_the_changes(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen", default_rate_cents=9550, sms_consent=True)
    values = form_values(browser_in.get(f"/clients/{client.id}/edit"))
    values.update(name="Maya Chen-Lee", mobile="415 555 0188", default_rate_cents="", notes="Moved")
    values.pop("sms_consent")
    response = browser_in.post(f"/clients/{client.id}/edit", values)
    assert response.status_code == 302
    saved = row(client.id)
    assert saved["name"] == "Maya Chen-Lee"
    assert saved["mobile"] == "+14155550188"
    assert saved["default_rate_cents"] is None
    assert saved["notes"] == "Moved"
    assert saved["sms_consent"] is False
    assert "Client saved." in browser_in.get(f"/clients/{client.id}").get_data(as_text=True)


def test_a_bad_number_in_an_edit_changes_nothing(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen")
    before = row(client.id)
    values = form_values(browser_in.get(f"/clients/{client.id}/edit"))
    values.update(name="Someone Else", mobile="+44 20 7946 0000")
    response = browser_in.post(f"/clients/{client.id}/edit", values)
    assert response.status_code == 200
    assert "landline" in error_beside(response, "mobile")
    assert row(client.id) == before


def test_a_new_number_forgets_that_the_old_one_replied_stop(browser_in, trainer):
    from app.models.types import utcnow
    client = factories.make_client(trainer, mobile="+14155552671", sms_opted_out_at=utcnow())
    values = form_values(browser_in.get(f"/clients/{client.id}/edit"))
    browser_in.post(f"/clients/{client.id}/edit", values)
    assert row(client.id)["sms_opted_out_at"] is not None, "same number: STOP still stands"
    values["mobile"] = "(415) 555-0188"
    browser_in.post(f"/clients/{client.id}/edit", values)
    assert row(client.id)["sms_opted_out_at"] is None


# --- archiving ---------------------------------------------------------------------------------

def test_archiving_hides_the_client_and_restoring_brings_them_back(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen")
    response = browser_in.post(f"/clients/{client.id}/archive", {"archived": "1"})
    assert response.status_code == 302
    assert row(client.id)["archived_at"] is not None
    assert "Maya Chen" not in element(browser_in.get("/clients/"), "client-list")
    assert "Maya Chen" in element(browser_in.get("/clients/?show=archived"), "client-list")
    page = text_of(browser_in.get(f"/clients/{client.id}"))
    assert "Archived client." in page and "Restore client" in page

    browser_in.post(f"/clients/{client.id}/archive", {"archived": "0"})
    assert row(client.id)["archived_at"] is None
    assert "Maya Chen" in element(browser_in.get("/clients/"), "client-list")
    assert "Maya Chen" not in element(browser_in.get("/clients/?show=archived"), "client-list")


def test_archiving_keeps_the_clients_details_and_sessions(browser_in, trainer):
    client = factories.make_client(trainer, name="Maya Chen", default_rate_cents=9550)
    factories.make_session(client)
    before = {k: v for k, v in row(client.id).items() if k != "archived_at"}
    browser_in.post(f"/clients/{client.id}/archive", {"archived": "1"})
    assert {k: v for k, v in row(client.id).items() if k != "archived_at"} == before
    assert "$95.50" in text_of(browser_in.get(f"/clients/{client.id}"))


def test_client_pages_need_a_login(client):
    for url in ("/clients/", "/clients/new", "/clients/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_service_refuses_another_trainers_client_by_name_not_by_crashing(app, trainer):
    from app.services import ServiceError, clients
    theirs = factories.make_client(factories.make_trainer(), name="Secret Sam")
    before = row(theirs.id)
    with pytest.raises(ServiceError):
        clients.update_client(trainer.id, theirs.id, name="Mine now")
    with pytest.raises(ServiceError):
        clients.set_archived(trainer.id, theirs.id, True)
    assert row(theirs.id) == before
