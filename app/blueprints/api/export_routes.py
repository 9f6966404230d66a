"""CSV exports for her accountant through the API: the Settings › Export page's own form checks the days
(so the words are the page's), and the same service streams the rows."""
from flask import Response, g, stream_with_context
from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict

from app.blueprints.api import bp
from app.blueprints.api.problems import abort_problem
from app.blueprints.api.responses import problems
from app.blueprints.settings.forms import ExportForm
from app.services.exports import INVOICE_COLUMNS, export_csv, export_filename

FIELD_OF = {"start": "from", "end": "to"}  # the form's names, as this URL's query calls them


class ExportArgs(Schema):
    start = fields.String(data_key="from", metadata={"format": "date", "description": "First day, in her zone"})
    end = fields.String(data_key="to", metadata={"format": "date", "description": "Last day, included"})


CSV_EXAMPLE = ",".join(INVOICE_COLUMNS) + "\r\nINV-0017,Ana Lima,open,2026-11-30,2026-12-07,USD,91.00,0.00,0.00," \
                                          "91.00,\r\n"


@bp.get("/exports/<any(invoices,payments,sessions):kind>.csv")
@problems(422, errors=[{"field": "from", "message": "Enter the first day, like 2026-01-01."}])
@bp.arguments(ExportArgs, location="query")
@bp.response(200, {"type": "string"}, content_type="text/csv", example=CSV_EXAMPLE,
             description="One row per invoice (by issue day), payment (by day received) or session (by its day); "
                         "amounts as decimal strings in the invoice's currency, days in her time zone.")
def export(args, kind: str):
    form = ExportForm(MultiDict({"kind": kind, "start": args.get("start", ""), "end": args.get("end", "")}))
    if not form.validate():
        abort_problem(422, "Nothing was exported: see `errors`.",
                      [{"field": FIELD_OF.get(name, name), "message": message}
                       for name, messages in form.errors.items() for message in messages])
    start, end = form.start.data, form.end.data
    return Response(stream_with_context(export_csv(g.api_trainer_id, kind, start, end)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export_filename(kind, start, end)}"',
                             "Cache-Control": "no-store"})
