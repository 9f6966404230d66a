"""Plans & prices: the packs a trainer sells, her prices by session length, and what no-shows cost."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.blueprints import post_form
from app.blueprints.settings import bp
from app.blueprints.settings.forms import DurationPricesForm, MembershipPlanForm, PackForm, PackSettingsForm
from app.models import Plan, PlanKind
from app.services import ServiceError, plans
from app.tenancy import get_owned_or_404


def _pack_values(form: PackForm) -> dict:
    return {"name": form.name.data, "sessions_total": form.sessions_total.data,
            "price_cents": form.price_cents.data, "valid_days": form.valid_days.data,
            "valid_from": form.valid_from.data}


def _membership_values(form: MembershipPlanForm) -> dict:
    return {"name": form.name.data, "price_cents": form.price_cents.data, "cadence": form.cadence.data,
            "anchor_day": form.anchor_day.data, "included_sessions": form.included_sessions.data,
            "unlimited": bool(form.unlimited.data), "extra_session_cents": form.extra_session_cents.data,
            "rollover_max": form.rollover_max.data}


def plans_page(pack_form=None, prices_form=None, settings_form=None, membership_form=None):
    prices = plans.duration_prices(current_user.id)
    if prices_form is None:
        prices_form = DurationPricesForm(formdata=None, **{f"price_{m}": c for m, c in prices.items()})
    return render_template(
        "settings/plans.html", plans=plans.list_plans(current_user.id),
        pack_form=pack_form or PackForm(formdata=None), prices_form=prices_form,
        membership_form=membership_form or MembershipPlanForm(formdata=None, anchor_day=1, rollover_max=0),
        settings_form=settings_form or PackSettingsForm(formdata=None, obj=current_user))


@bp.route("/plans")
@login_required
def plans_index():
    return plans_page()


@bp.route("/plans/packs", methods=["POST"])
@login_required
def create_pack():
    form = PackForm()
    return post_form(form, lambda: plans.create_pack(current_user.id, **_pack_values(form)), _added,
                     url_for("settings.plans_index")) or plans_page(pack_form=form)


@bp.route("/plans/memberships", methods=["POST"])
@login_required
def create_membership_plan():
    form = MembershipPlanForm()
    return post_form(form, lambda: plans.create_membership_plan(current_user.id, **_membership_values(form)),
                     _added, url_for("settings.plans_index")) or plans_page(membership_form=form)


def _added(plan: Plan) -> str:
    return f"{plan.name} added to your plans."


def edit_membership_plan(plan: Plan):
    form = MembershipPlanForm(obj=plan)
    if form.is_submitted():
        done = post_form(form, lambda: plans.update_membership_plan(current_user.id, plan.id,
                                                                    **_membership_values(form)),
                         lambda saved: f"{saved.name} saved. Cycles already billed keep their price and sessions.",
                         url_for("settings.plans_index"))
        if done:
            return done
    else:
        form.unlimited.data = plan.included_sessions is None
    return render_template("settings/membership_plan_edit.html", plan=plan, form=form,
                           in_use=plans.is_in_use(plan.id))


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit_pack(plan_id: int):
    plan = get_owned_or_404(Plan, current_user.id, plan_id)
    if plan.kind == PlanKind.membership:
        return edit_membership_plan(plan)
    form = PackForm(obj=plan)
    if form.is_submitted():
        done = post_form(form, lambda: plans.update_pack(current_user.id, plan.id, **_pack_values(form)),
                         lambda saved: f"{saved.name} saved. Packs already sold keep their price and sessions.",
                         url_for("settings.plans_index"))
        if done:
            return done
    else:
        form.valid_from.data = plan.valid_from.value
    return render_template("settings/plan_edit.html", plan=plan, form=form, in_use=plans.is_in_use(plan.id))


@bp.route("/plans/<int:plan_id>/archive", methods=["POST"])
@login_required
def archive_pack(plan_id: int):
    plan = plans.archive_plan(current_user.id, get_owned_or_404(Plan, current_user.id, plan_id).id)
    flash(f"{plan.name} archived: it can no longer be sold. Packs already sold are unchanged.", "success")
    return redirect(url_for("settings.plans_index"))


@bp.route("/plans/<int:plan_id>/restore", methods=["POST"])
@login_required
def restore_pack(plan_id: int):
    plan = plans.restore_plan(current_user.id, get_owned_or_404(Plan, current_user.id, plan_id).id)
    flash(f"{plan.name} can be sold again.", "success")
    return redirect(url_for("settings.plans_index"))


@bp.route("/plans/<int:plan_id>/delete", methods=["POST"])
@login_required
def delete_pack(plan_id: int):
    plan = get_owned_or_404(Plan, current_user.id, plan_id)
    try:
        plans.delete_plan(current_user.id, plan.id)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        flash("Plan deleted.", "success")
    return redirect(url_for("settings.plans_index"))


@bp.route("/plans/prices", methods=["POST"])
@login_required
def save_prices():
    form = DurationPricesForm()
    return post_form(form, lambda: plans.set_duration_prices(
        current_user.id, {m: form[f"price_{m}"].data for m in plans.PRICED_LENGTHS}),
        "Prices saved. Sessions already logged keep their rate.", url_for("settings.plans_index")) \
        or plans_page(prices_form=form)


@bp.route("/plans/options", methods=["POST"])
@login_required
def save_pack_settings():
    form = PackSettingsForm()
    return post_form(form, lambda: plans.set_pack_settings(current_user.id,
                                                           credits_usable_on=form.credits_usable_on.data,
                                                           no_show_uses=form.no_show_uses.data),
                     "Pack settings saved.", url_for("settings.plans_index")) or plans_page(settings_form=form)
