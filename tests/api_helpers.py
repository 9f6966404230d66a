"""Calling /api/v1 in tests: a token's header, and a problem answer checked for its shape."""
from app.services import api_tokens


def token_headers(trainer_id: int, scope: str = "write") -> dict:
    _, secret = api_tokens.create_token(trainer_id, "Script", scope)
    return {"Authorization": f"Bearer {secret}"}


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.data[:400]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body
