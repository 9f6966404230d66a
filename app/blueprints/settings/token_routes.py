"""Settings › API tokens: make one (its secret is shown on this answer only), see when each was last used,
revoke."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.blueprints import apply_service_error
from app.blueprints.settings import bp
from app.blueprints.settings.forms import ApiTokenForm
from app.services import ServiceError
from app.services.api_tokens import create_token, list_tokens, revoke_token


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = ApiTokenForm()
    made = secret = None
    if form.validate_on_submit():
        try:
            made, secret = create_token(current_user.id, form.name.data or "", form.scope.data or "")
        except ServiceError as e:
            apply_service_error(form, e)
        else:
            form = ApiTokenForm(formdata=None)
    response = render_template("settings/tokens.html", form=form, tokens=list_tokens(current_user.id),
                               made=made, secret=secret)
    # The secret is in this page alone: never kept by a cache, nor by the back button.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    try:
        token = revoke_token(current_user.id, token_id)
    except LookupError:
        abort(404)
    flash(f"“{token.name}” is revoked: it opens nothing from now on.", "success")
    return redirect(url_for("settings.tokens"))
