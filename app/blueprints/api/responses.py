"""The problem answers in the OpenAPI document, each with an example. What every operation can answer
(401, 429, 500; 403, 409, 413, 415, 422 for changes; 404 for a path with an id) is added to every operation
by ProblemsPlugin, so a new route is documented without repeating it; `problems(...)` adds the rest."""
from apispec import BasePlugin
from werkzeug.exceptions import default_exceptions

from app.blueprints.api import bp
from app.blueprints.api.problems import DETAILS
from app.blueprints.api.schemas import ProblemSchema
from app.security import NUL_REFUSED

PROBLEM_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITE_METHODS = ("post", "put", "patch", "delete")
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before the next request",
                               "schema": {"type": "integer"}}}
FIELD_ERRORS = [{"field": "name", "message": "Enter the client's name."}]
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "Any unique text, like a UUID. A retry with the same key and body gets the first answer again "
                   "(with `Idempotent-Replayed: true`) for 24 hours instead of doing it twice."}
REPLAYED = {"description": "`true` when this is the stored answer to an earlier request with the same "
                           "Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}}
DETAIL_EXAMPLES = {409: "A request with this Idempotency-Key is still running: try again in a moment.",
                   412: DETAILS[412]}


def title(code: int) -> str:
    return default_exceptions[code]().name


def problem_example(code: int, errors: list[dict] | None = None) -> dict:
    example = {"type": "about:blank", "title": title(code), "status": code,
               "detail": DETAIL_EXAMPLES.get(code) or DETAILS.get(code) or default_exceptions[code].description}
    if code == 422 or errors:
        example["errors"] = errors or FIELD_ERRORS
    return example


def problem_response(code: int, errors: list[dict] | None = None, detail: str | None = None) -> dict:
    example = problem_example(code, errors)
    example["detail"] = detail or example["detail"]
    response = {"description": title(code), "content": {PROBLEM_TYPE: {"schema": PROBLEM_REF, "example": example}}}
    if code == 429:
        response["headers"] = RETRY_AFTER
    return response


def problems(*codes, errors: list[dict] | None = None):
    """Documents problem answers particular to an operation (a 412 for a stale If-Match, a 422 naming its
    own fields), each with an example."""
    def decorate(view):
        for code in codes:
            example = problem_example(code, errors if code in (400, 422) else None)
            view = bp.alt_response(code, schema=ProblemSchema, content_type=PROBLEM_TYPE, description=title(code),
                                   example=example, headers=RETRY_AFTER if code == 429 else None)(view)
        return view
    return decorate


def generic_codes(path: str, method: str, operation: dict) -> list[int]:
    codes = [400, 401, 429, 500]  # 400: a NUL character in the query string, on any URL (app/security.py)
    if method in WRITE_METHODS:
        codes += [403, 422]
    if "requestBody" in operation:
        codes += [413, 415]
    if method == "post":
        codes += [409, 422]
    if "{" in path:
        codes.append(404)
    return sorted(set(codes))


class ProblemsPlugin(BasePlugin):
    """Adds the answers any operation can give to each operation of the document."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
                for code, response in responses.items():
                    if str(code).startswith("2"):
                        response.setdefault("headers", {}).setdefault("Idempotent-Replayed", REPLAYED)
            for code in generic_codes(path or "", method, operation):
                key = code if code in responses else str(code)  # flask-smorest's own keys may be ints
                if "content" not in responses.get(key, {}):  # its bare 422 of @arguments is filled in
                    no_body = code == 400 and "requestBody" not in operation
                    responses[key] = problem_response(code, detail=NUL_REFUSED if no_body else None)
