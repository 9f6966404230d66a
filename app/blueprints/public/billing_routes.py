"""The client's billing page: everything she owes and holds with her trainer, behind a link of her own."""
from flask import abort, render_template

from app.blueprints.public import bp
from app.blueprints.public.routes import public_rate_limit
from app.extensions import client_ip, limiter
from app.services.billing_page import billing_page
from app.services.links import client_for_billing_token, token_for


@bp.route("/b/<token>")
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-billing-page")
def billing(token: str):
    found = client_for_billing_token(token)
    if found is None:  # unknown, malformed and revoked links alike
        abort(404)
    client, owner = found
    return render_template("public/billing.html", view=billing_page(client, owner), owner=owner, client=client,
                           invoice_token=token_for)
