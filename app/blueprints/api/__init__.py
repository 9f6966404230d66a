"""/api/v1: the JSON API, a second face on the same services as the pages. flask-smorest validates every
request with the marshmallow schemas that also write the OpenAPI 3.1 document at /api/v1/openapi.json."""
from flask_smorest import Api, Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Spotter's JSON API")


class SpotterApi(Api):
    """flask-smorest's Api, minus its catch-all error handler: app/blueprints/api/problems.py answers errors
    under /api, and the pages keep their own. Each operation documents its problem answers itself."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


API_CONFIG = {
    "API_TITLE": "Spotter API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def init_api(app) -> None:
    # The token check, then the Idempotency-Key claim, then the views: all on bp, in this order.
    from app.blueprints.api import auth, idempotency, routes, client_routes, export_routes  # noqa: F401
    from app.blueprints.api import drafts, invoice_actions, payments, plans, sessions  # noqa: F401
    from app.blueprints.api.problems import init_problems
    from app.blueprints.api.responses import ProblemsPlugin
    from app.blueprints.api.schemas import ProblemSchema
    from app.extensions import csrf

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = SpotterApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A token from Settings › API tokens"}}},
        "security": [{"bearer": []}], "extra_plugins": [ProblemsPlugin()]})
    api.spec.components.schema("Problem", schema=ProblemSchema)
    csrf.exempt(bp)  # a token in a header is no cookie: no cross-site form can send it
    api.register_blueprint(bp)
    app.extensions["spotter_api"] = api
    from app.blueprints.api.docs import docs_bp
    app.register_blueprint(docs_bp)
    init_problems(app)
