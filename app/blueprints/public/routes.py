"""The client's side: a tokenized invoice page, no account needed."""
from flask import abort, render_template

from app.blueprints.public import bp
from app.extensions import db
from app.models import Trainer
from app.services.links import invoice_for_token
from app.timefmt import local_today


@bp.route("/i/<token>")
def invoice(token: str):
    found = invoice_for_token(token)
    if found is None:
        abort(404)
    trainer = db.session.get(Trainer, found.trainer_id)
    response = render_template("public/invoice.html", invoice=found, owner=trainer,
                               status=found.display_status(local_today(trainer.timezone)))
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                           "X-Robots-Tag": "noindex"}
