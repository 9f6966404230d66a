"""Flask-Login wiring: the cookie carries a log-in session token that the server can end."""
from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

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
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
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
