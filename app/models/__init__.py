"""The models, one module per noun. Import from here so every table is registered."""
from app.models.client import Client
from app.models.session import SessionStatus, TrainingSession
from app.models.trainer import AuthSession, Trainer

__all__ = ["AuthSession", "Client", "SessionStatus", "Trainer", "TrainingSession"]
