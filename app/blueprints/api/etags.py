"""ETags from a row's version, and the If-Match check that refuses a change made from a stale read (412, with
the current ETag), as the pages refuse a stale edit. The ETag is the version itself (`"3"`), the number the
row's JSON shows; a weak `W/"3"` is taken too.

    @bp.post("/drafts/<int:invoice_id>/note")
    @if_match_documented(required=True)
    @bp.response(200, DraftSchema, headers=ETAG_HEADER)
    def set_note(args, invoice_id):
        draft = ...
        version = require_if_match(draft.version, required=True)
        ...  # the service takes `version` in the same UPDATE that changes it, so two writers never both win
        return draft, etag_headers(draft.version)
"""
from flask import request

from app.blueprints.api import bp
from app.blueprints.api.problems import abort_problem
from app.blueprints.api.responses import problems

IF_MATCH_DESCRIPTION = "The ETag it was read with: if it has changed since, nothing is changed (412)."
ETAG_HEADER = {"ETag": {"description": "Its version: send it back as If-Match to change it",
                        "schema": {"type": "string"}, "example": '"3"'}}
MISSING = "Send the ETag you read it with (from its GET) as If-Match."
STALE = "This was changed since you read it: it is now {etag}. Read it again and retry with that If-Match."


def etag_for(version: int) -> str:
    return f'"{int(version)}"'


def etag_headers(version: int) -> dict:
    return {"ETag": etag_for(version)}


def refuse_stale(detail: str, current_version: int | None = None):
    """Stops the request with a 412 problem: what it was based on has changed, and nothing was done. With the
    current version, its ETag comes in the answer, to retry with."""
    abort_problem(412, detail, headers=None if current_version is None else etag_headers(current_version))


def require_if_match(current_version: int, *, required: bool = False, stale_detail: str | None = None) -> int:
    """The version the change is made at: the current one, when If-Match names it (or `*`). A stale If-Match
    (saying `stale_detail`, the page's words), or none when `required`, stops the request with a 412 problem
    and the current ETag."""
    if not request.headers.get("If-Match"):
        if required:
            refuse_stale(MISSING, current_version)
        return current_version
    sent = request.if_match
    if sent.star_tag or sent.contains_weak(etag_for(current_version).strip('"')):
        return current_version
    refuse_stale(stale_detail or STALE.format(etag=etag_for(current_version)), current_version)


def if_match_documented(required: bool = False):
    """Documents the If-Match header and the 412 answer on an operation."""
    parameter = {"in": "header", "name": "If-Match", "required": required, "schema": {"type": "string"},
                 "description": IF_MATCH_DESCRIPTION}

    def decorate(view):
        return bp.doc(parameters=[parameter])(problems(412)(view))
    return decorate
