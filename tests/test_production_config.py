"""Production refuses to start on settings that would fail later: no https address for the links,
Twilio without a sender, Twilio without the token that checks its webhooks."""
import pytest
from twilio.request_validator import RequestValidator

from app.config import ProdConfig, config_for_environment
from app.extensions import db
from app.models import Client
from tests import factories

TWILIO = {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "a-real-token",
          "TWILIO_MESSAGING_SERVICE_SID": "MG" + "2" * 32}


@pytest.fixture
def production_env(monkeypatch, database_url):
    """A complete production environment, texting through the console; tests take pieces away."""
    for name in ("FLASK_ENV", "DYNO", "SMS_BACKEND", *TWILIO, "TWILIO_FROM_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    values = {"SPOTTER_ENV": "production", "SECRET_KEY": "prod-secret", "DATABASE_URL": database_url,
              "PUBLIC_BASE_URL": "https://spotter.example"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    def use(**settings):
        for name, value in settings.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
    return use


def test_complete_production_settings_start(production_env):
    assert config_for_environment() is ProdConfig
    production_env(**TWILIO)
    assert config_for_environment() is ProdConfig
    production_env(TWILIO_MESSAGING_SERVICE_SID=None, TWILIO_FROM_NUMBER="+14155550100")
    assert config_for_environment() is ProdConfig


@pytest.mark.parametrize("base_url", [None, "", "http://spotter.example", "spotter.example", "https://"])
def test_production_without_an_https_public_base_url_refuses_to_start(production_env, base_url):
    production_env(PUBLIC_BASE_URL=base_url)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be set in production to the app's https address"):
        config_for_environment()


@pytest.mark.parametrize("backend", [{"SMS_BACKEND": "twilio"}, {"SMS_BACKEND": None}])
def test_production_texting_through_twilio_without_a_sender_refuses_to_start(production_env, backend):
    production_env(**{**TWILIO, **backend})
    production_env(TWILIO_MESSAGING_SERVICE_SID=None, TWILIO_FROM_NUMBER="")
    with pytest.raises(RuntimeError, match="TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"):
        config_for_environment()


@pytest.mark.parametrize("token", [None, "", "   "])
def test_production_texting_through_twilio_without_an_auth_token_refuses_to_start(production_env, token):
    production_env(**TWILIO)
    production_env(TWILIO_AUTH_TOKEN=token)
    with pytest.raises(RuntimeError, match="needs TWILIO_AUTH_TOKEN"):
        config_for_environment()


def test_console_texting_in_production_needs_no_twilio_settings(production_env):
    production_env(SMS_BACKEND="console", TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    assert config_for_environment() is ProdConfig


def test_a_stop_signed_with_an_empty_key_does_not_opt_the_client_out(app, client, trainer):
    """Whatever the environment: with no auth token configured, no signature is accepted."""
    app.config["TWILIO_AUTH_TOKEN"] = ""
    ann = factories.make_client(trainer, mobile="+14155550162")
    url = "http://spotter.test/webhooks/twilio/inbound"
    params = {"From": "+14155550162", "Body": "STOP"}
    forged = RequestValidator("").compute_signature(url, params)

    response = client.post("/webhooks/twilio/inbound", data=params, base_url="http://spotter.test",
                           headers={"X-Twilio-Signature": forged})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Client, ann.id).sms_opted_out_at is None
