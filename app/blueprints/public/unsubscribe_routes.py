"""The unsubscribe link of every reminder email: no login, the signed link is the key.

Opening it asks to confirm (mail scanners open links); the confirm button and the one-click POST that
mail apps send (RFC 8058, `List-Unsubscribe=One-Click`) stop the emails."""
from flask import render_template

from app.blueprints.public import bp
from app.extensions import client_ip, csrf, limiter
from app.services import emailing


def _page(token: str, done: bool):
    client = emailing.unsubscribe_client(token) if done else emailing.unsubscribe_subject(token)
    if client is None:
        return render_template("public/unsubscribe_invalid.html"), 400
    return render_template("public/unsubscribe.html", token=token, business=emailing.business_name(client.trainer_id),
                           done=done or client.email_opted_out_at is not None)


@bp.route("/unsubscribe/<token>")
@limiter.limit("30 per minute", key_func=client_ip, scope="unsubscribe")
def unsubscribe(token: str):
    return _page(token, done=False)


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
@limiter.limit("30 per minute", key_func=client_ip, scope="unsubscribe")
def unsubscribe_confirm(token: str):
    return _page(token, done=True)
