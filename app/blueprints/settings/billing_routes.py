"""Settings → Billing schedule: when she bills, and the recent scheduled runs."""
from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import post_form
from app.blueprints.settings import bp
from app.blueprints.settings.forms import BillingScheduleForm
from app.models.types import utcnow
from app.services.billing_runs import recent_runs
from app.services.billing_schedules import (WEEKDAYS, ScheduleChoice, billing_schedule_of, next_billing_at,
                                            set_billing_schedule)


@bp.route("/billing", methods=["GET", "POST"])
@login_required
def billing():
    schedule = billing_schedule_of(current_user.id)
    if request.method == "GET":
        form = BillingScheduleForm(formdata=None, **BillingScheduleForm.initial(schedule))
    else:
        form = BillingScheduleForm()
        done = post_form(form, lambda: set_billing_schedule(current_user.id, ScheduleChoice(
            form.cadence.data, form.weekday.data or "", form.month_day.data or "", form.at_time.data or "",
            form.review.data or ""), utcnow()), "Billing schedule saved.", url_for("settings.billing"))
        if done:
            return done
    next_at = next_billing_at(schedule, current_user.timezone, utcnow()) if schedule else None
    return render_template("settings/billing.html", form=form, schedule=schedule, weekdays=WEEKDAYS,
                           next_at=next_at, runs=recent_runs(current_user.id))
