"""ETags from a row's version, and the If-Match check that refuses a change made from a stale read (412),
as the pages refuse a stale edit. A request without If-Match is not refused.

    @bp.patch("/drafts/<int:draft_id>")
    @if_match_documented
    ...
    def change_draft(body, draft_id):
        draft = ...
        require_if_match(draft.version)
        ...
        return draft, etag_headers(draft.version)
"""
from flask import request

from app.blueprints.api import bp
from app.blueprints.api.problems import abort_problem
from app.blueprints.api.responses import problems

IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": "The ETag it was read with: if it has changed since, nothing is changed (412)."}
ETAG_HEADER = {"ETag": {"description": "Its version: send it back as If-Match to change it",
                        "schema": {"type": "string"}, "example": '"v3"'}}


def etag_for(version: int) -> str:
    return f'"v{int(version)}"'


def etag_headers(version: int) -> dict:
    return {"ETag": etag_for(version)}


def require_if_match(current_version: int) -> None:
    """Stops the request with a 412 problem when its If-Match names a version that is no longer current."""
    if not request.headers.get("If-Match"):
        return
    sent = request.if_match
    if sent.star_tag or sent.contains(etag_for(current_version).strip('"')):
        return
    abort_problem(412, f"This was changed since you read it: it is now {etag_for(current_version)}. "
                       "Read it again and retry with that If-Match.", headers=etag_headers(current_version))


def if_match_documented(view):
    """Documents the If-Match header and the 412 answer on an operation."""
    return bp.doc(parameters=[IF_MATCH])(problems(412)(view))
