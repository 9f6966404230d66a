from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.fields import FormKeyField, MoneyField, within_calendar
from app.services import sessions
from app.services.sessions import MAX_NOTES

DURATIONS = [(m, f"{m} min") for m in (30, 45, 60, 75, 90, 120)]
OUTCOMES = list(zip(sessions.OUTCOMES, ("Completed", "No-show · charge", "No-show · no charge")))
CANCELLED = (sessions.CANCELLED, "Cancelled")
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


class NotesForm(FlaskForm):
    """The one part of an invoiced session that can still change."""

    notes = StringField("Notes", description="Private: clients never see them.",
                        validators=[Optional(), Length(max=MAX_NOTES)])
