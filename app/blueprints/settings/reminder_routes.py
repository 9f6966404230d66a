"""The trainer's reminder schedule: up to five steps, each some days before or after the due date, on or off."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints.settings import bp
from app.models.reminder import MAX_STEPS
from app.services import ServiceError, reminders


def _steps_from(form) -> list[reminders.Step]:
    """Each filled row as a step; a row with no number of days is no step. ServiceError on a bad number."""
    steps = []
    for n in range(MAX_STEPS + 1):
        days = (form.get(f"days_{n}") or "").strip()
        if not days:
            continue
        if not days.isdigit() or len(days) > 3:
            raise ServiceError(f"Step {n + 1}: type a whole number of days.")
        sign = -1 if form.get(f"when_{n}") == "before" else 1
        steps.append(reminders.Step(sign * int(days), enabled=form.get(f"on_{n}") == "y"))
    return steps


@bp.route("/reminders", methods=["GET", "POST"])
@login_required
def reminder_schedule():
    error, rows = None, None
    if request.method == "POST":
        try:
            reminders.save_schedule(current_user.id, _steps_from(request.form))
            flash("Reminder schedule saved.", "success")
            return redirect(url_for("settings.reminder_schedule"))
        except ServiceError as e:
            error = str(e)
            rows = [{"days": request.form.get(f"days_{n}", ""), "when": request.form.get(f"when_{n}", "after"),
                     "on": request.form.get(f"on_{n}") == "y"} for n in range(MAX_STEPS)]
    if rows is None:
        steps = reminders.schedule_for(current_user.id)
        rows = [{"days": str(abs(s.days_after_due)), "when": "before" if s.days_after_due < 0 else "after",
                 "on": s.enabled} for s in steps]
        rows += [{"days": "", "when": "after", "on": True}] * (MAX_STEPS - len(rows))
    return render_template("settings/reminders.html", rows=rows, error=error), 200
