"""Settings → Export: invoices, payments or sessions over a range of days, as CSV for her accountant."""
from flask import Response, render_template, request, stream_with_context
from flask_login import current_user, login_required

from app.blueprints.settings import bp
from app.blueprints.settings.forms import ExportForm
from app.services.exports import export_csv, export_filename
from app.timefmt import local_today


@bp.route("/export")
@login_required
def export():
    """The form; with its fields filled in (a GET, so the browser downloads), the CSV itself."""
    if not request.args:
        today = local_today(current_user.timezone)
        form = ExportForm(formdata=None, kind="invoices", start=today.replace(month=1, day=1), end=today)
        return render_template("settings/export.html", form=form)
    form = ExportForm(request.args)
    if not form.validate():
        return render_template("settings/export.html", form=form)
    kind, start, end = form.kind.data, form.start.data, form.end.data
    body = export_csv(current_user.id, kind, start, end)
    return Response(stream_with_context(body), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{export_filename(kind, start, end)}"',
        "Cache-Control": "no-store"})
