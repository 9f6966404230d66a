"""Flask-Login wiring: the cookie carries a log-in session token that the server can end."""
from urllib.parse import urlsplit

from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

from app.blueprints import is_htmx
from app.extensions import login_manager


def init_login(app: Flask) -> None:
    from app.services import accounts

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        return accounts.trainer_for_token(token)

    @login_manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.login", next=_return_path())
        if request.headers.get("HX-Request"):
            # A 302 would be swapped into the fragment; tell htmx to load the page instead.
            response = app.response_class(status=401)
            response.headers["HX-Redirect"] = target
            return response
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error="login required"), 401
        return redirect(target)

    @app.context_processor
    def inject_user():
        return {"trainer": current_user if current_user.is_authenticated else None}


def _return_path() -> str | None:
    """Where to go back after logging in: a page the person can load, never a POST-only action.

    A fragment or an action is not a page, so for those it is the page in the address bar
    (htmx sends it as `HX-Current-URL`); `safe_next` still vets it when the log-in form is sent.
    """
    if request.method == "GET" and not is_htmx():
        return request.full_path.rstrip("?")
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if not request.headers.get("HX-Request") or not current.path:
        return None
    return current.path + ("?" + current.query if current.query else "")
