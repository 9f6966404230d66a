from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.blueprints.settings import bp
from app.blueprints.settings.forms import MobileCodeForm, ProfileForm
from app.services import profiles, texting
from app.timefmt import current_zones, renamed_zones


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = _profile_form()
    if form.validate_on_submit():
        values = {name: form[name].data for name in profiles.PROFILE_FIELDS}
        values["venmo_handle"] = (values["venmo_handle"] or "").strip() or None
        profiles.update_profile(current_user.id, **values)
        flash("Profile saved.", "success")
        return redirect(url_for("settings.profile"))
    return profile_page(form=form)


def _profile_form(**kwargs) -> ProfileForm:
    form = ProfileForm(obj=current_user, **kwargs)
    form.mobile.region = profiles.phone_region(current_user)
    return form


def profile_page(form: ProfileForm | None = None, code_form: MobileCodeForm | None = None, status: int = 200):
    """The settings page; the mobile section shows `code_form` with its errors when one was sent."""
    return render_template("settings/profile.html", form=form or _profile_form(formdata=None),
                           code_form=code_form or MobileCodeForm(formdata=None),
                           zones=_zone_choices(current_user.timezone), renamed_zones=renamed_zones,
                           segments=texting.typical_invoice_segments(current_user)), status


def _zone_choices(current: str) -> list[str]:
    """The zones offered, with the saved one among them ("UTC" is valid but not listed)."""
    zones = current_zones()
    return zones if current in zones else sorted([*zones, current])
