"""The trainer's reminder schedule: up to five steps, each some days before or after the due date, on or off."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints.settings import bp
from app.models.reminder import MAX_STEPS
from app.money import MoneyError, parse_cents, cents_to_input
from app.services import ServiceError, late_fees, reminders


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
    return _page(rows, error=error)


def _page(rows=None, error=None, fee_error=None, fee=None):
    if rows is None:
        steps = reminders.schedule_for(current_user.id)
        rows = [{"days": str(abs(s.days_after_due)), "when": "before" if s.days_after_due < 0 else "after",
                 "on": s.enabled} for s in steps]
        rows += [{"days": "", "when": "after", "on": True}] * (MAX_STEPS - len(rows))
    if fee is None:
        fee = {"kind": current_user.late_fee_kind or "", "after_days": str(current_user.late_fee_after_days),
               "value": cents_to_input(current_user.late_fee_value) if current_user.late_fee_kind else ""}
    return render_template("settings/reminders.html", rows=rows, error=error, fee=fee, fee_error=fee_error), 200


@bp.route("/late-fee", methods=["POST"])
@login_required
def late_fee():
    form = request.form
    fee = {"kind": form.get("kind", ""), "value": form.get("value", "")[:20], "after_days": form.get("after_days", "")[:4]}
    try:
        kind = fee["kind"] or None
        value = parse_cents(fee["value"], allow_negative=True) if kind else 0
        days = fee["after_days"].strip()
        if kind and not days.isdigit():
            raise ServiceError("Type a whole number of days.", "late_fee_after_days")
        late_fees.set_late_fee(current_user.id, kind, value, int(days) if days.isdigit() else 7)
    except (ServiceError, MoneyError) as e:
        return _page(fee_error=str(e), fee=fee)
    flash("Late fees saved." if fee["kind"] else "Late fees are off.", "success")
    return redirect(url_for("settings.reminder_schedule"))
