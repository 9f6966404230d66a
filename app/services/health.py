"""Is each backing service answering?"""
from sqlalchemy import text

from app.extensions import db, get_redis


def check_health() -> dict[str, str]:
    status = {}
    try:
        db.session.execute(text("SELECT 1"))
        status["database"] = "ok"
    except Exception as e:  # any failure means "not answering"
        db.session.rollback()
        status["database"] = f"error: {type(e).__name__}"
    try:
        get_redis().ping()
        status["redis"] = "ok"
    except Exception as e:
        status["redis"] = f"error: {type(e).__name__}"
    return status
