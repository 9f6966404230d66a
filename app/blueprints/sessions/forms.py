from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.fields import FormKeyField, MoneyField, within_calendar
from app.models import SessionStatus
from app.services.sessions import MAX_NOTES

DURATIONS = [(m, f"{m} min") for m in (30, 45, 60, 75, 90, 120)]
OUTCOMES = [
    ("completed", "Completed"),
    ("no_show_charge", "No-show · charge"),
    ("no_show_free", "No-show · no charge"),
]
CANCELLED = ("cancelled", "Cancelled")
OUTCOME_LABELS = dict([*OUTCOMES, CANCELLED])


class SessionForm(FlaskForm):
    client_id = SelectField("Client", coerce=int, validate_choice=False,
                            validators=[DataRequired(message="Pick a client.")])
    starts_at = DateTimeLocalField("Start", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(message="Enter the date and time."), within_calendar])
    duration_minutes = SelectField("Duration", coerce=int, choices=DURATIONS, default=60)
    rate_cents = MoneyField("Rate", optional=True, description="Empty uses the client's rate.")
    outcome = SelectField("Outcome", choices=OUTCOMES, default="completed")
    notes = StringField("Notes", validators=[Optional(), Length(max=MAX_NOTES)])
    form_key = FormKeyField()
    # The session this one overlaps, once the trainer has been asked and pressed "Log anyway".
    overlap_with = HiddenField(filters=[lambda v: int(v) if v and str(v).isdigit() else None])

    def outcome_values(self) -> dict:
        if self.outcome.data == CANCELLED[0]:
            return {"status": SessionStatus.cancelled}
        return {
            "status": SessionStatus.completed if self.outcome.data == "completed" else SessionStatus.no_show,
            "no_show_chargeable": self.outcome.data != "no_show_free",
        }

    @staticmethod
    def outcome_of(session) -> str:
        if session.status == SessionStatus.cancelled:
            return CANCELLED[0]
        if session.status == SessionStatus.no_show:
            return "no_show_charge" if session.no_show_chargeable else "no_show_free"
        return "completed"


class NotesForm(FlaskForm):
    """The one part of an invoiced session that can still change."""

    notes = StringField("Notes", description="Private: clients never see them.",
                        validators=[Optional(), Length(max=MAX_NOTES)])
