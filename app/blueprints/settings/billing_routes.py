"""Settings → Billing schedule: when she bills, and the recent scheduled runs."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.blueprints import apply_service_error
from app.blueprints.settings import bp
from app.blueprints.settings.forms import BillingScheduleForm
from app.extensions import db
from app.models import BillingSchedule
from app.models.types import utcnow
from app.services import ServiceError
from app.services.billing_runs import recent_runs
from app.services.billing_schedules import WEEKDAYS, ScheduleChoice, next_billing_at, set_billing_schedule


@bp.route("/billing", methods=["GET", "POST"])
@login_required
def billing():
    schedule = db.session.get(BillingSchedule, current_user.id)
    form = BillingScheduleForm(formdata=None, **BillingScheduleForm.initial(schedule)) if _is_get() \
        else BillingScheduleForm()
    if not _is_get() and form.validate():
        try:
            set_billing_schedule(current_user.id, ScheduleChoice(
                form.cadence.data, form.weekday.data or "", form.month_day.data or "", form.at_time.data or "",
                form.review.data or ""), utcnow())
        except ServiceError as e:
            apply_service_error(form, e)
        else:
            flash("Billing schedule saved.", "success")
            return redirect(url_for("settings.billing"))
    next_at = next_billing_at(schedule, current_user.timezone, utcnow()) if schedule else None
    return render_template("settings/billing.html", form=form, schedule=schedule, weekdays=WEEKDAYS,
                           next_at=next_at, runs=recent_runs(current_user.id))


def _is_get() -> bool:
    from flask import request
    return request.method == "GET"
