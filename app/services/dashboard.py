"""What the trainer sees first: this week, and what is waiting to be billed."""
from dataclasses import dataclass

from app.models import Trainer, TrainingSession
from app.services import attention, sessions
from app.timefmt import local_today, week_bounds


@dataclass
class Dashboard:
    week_sessions: list[TrainingSession]
    uninvoiced_count: int
    uninvoiced_cents: int
    text_problems: list
    opted_out: list


def build_dashboard(trainer: Trainer) -> Dashboard:
    start, end = week_bounds(local_today(trainer.timezone), trainer.timezone)
    count, cents = sessions.uninvoiced_summary(trainer.id)
    return Dashboard(week_sessions=sessions.list_between(trainer.id, start, end),
                     uninvoiced_count=count, uninvoiced_cents=cents,
                     text_problems=attention.text_problems(trainer.id),
                     opted_out=attention.opted_out_clients(trainer.id))
