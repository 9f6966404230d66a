"""The paper copy of an invoice or a receipt: its wording and layout, drawn with fpdf2.

Text is real text in an embedded font (DejaVu Sans, cut down to Latin, Greek and Cyrillic by
scripts/subset_fonts.py), so it can be selected, searched and read back. A character the font lacks
(Chinese, an emoji) is left out of the PDF rather than refused."""
import unicodedata
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "data" / "fonts"
FAMILY = "DejaVu"
MARGIN = 18  # mm
INK, MUTED, RULE, ALERT = (25, 25, 25), (105, 105, 105), (200, 200, 200), (176, 28, 28)
DATE_WIDTH, AMOUNT_WIDTH = 30, 32
STATUS_WORDS = {"open": "Unpaid", "overdue": "Overdue", "paid": "Paid", "void": "Cancelled",
                "reported": "Payment reported", "processing": "Payment processing", "nothing_to_pay": "Nothing to pay"}


def _text(value) -> str:
    """Composed characters: a name typed as "e" plus an accent prints as the one letter "é"."""
    return unicodedata.normalize("NFC", str(value))


class _Sheet(FPDF):
    def __init__(self, doc):
        super().__init__(format=doc.paper, unit="mm")
        self.doc = doc
        self.set_margins(MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        title = "Receipt" if doc.kind == "receipt" else "Invoice"
        self.set_title(_text(f"{title} {doc.number} from {doc.business}"))
        self.set_author(_text(doc.business))
        self.set_creator("Spotter")
        self.set_lang("en")

    def style(self, size: float, colour=INK, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)

    def put(self, width: float, height: float, text, align: str = "L", **kw) -> None:
        self.cell(width, height, _text(text), align=align, **kw)

    def wrap(self, width: float, height: float, text, align: str = "L", **kw):
        return self.multi_cell(width, height, _text(text), align=align, **kw)

    def rule(self) -> None:
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.style(8, MUTED)
        self.put(0, 4, f"{self.doc.number} · {self.doc.business} · Page {self.page_no()} of {{nb}}", align="C")


def render(doc) -> bytes:
    """The document (app/services/pdf_documents.py's Document) as PDF bytes."""
    sheet = _Sheet(doc)
    sheet.add_page()
    _heading(sheet, doc)
    _parties(sheet, doc)
    if doc.status == "void":
        _cancelled(sheet, doc)
    if doc.kind == "receipt":  # what was received comes first; what it paid for follows
        _payments(sheet, doc)
    _lines(sheet, doc)
    _totals(sheet, doc)
    for section in doc.sections:
        _rows(sheet, section.heading, section.rows)
    if doc.kind == "invoice" and doc.payments:
        _payments(sheet, doc)
    if doc.note:
        _note(sheet, doc.note)
    return bytes(sheet.output())


def _heading(sheet: _Sheet, doc) -> None:
    top, half = sheet.get_y(), sheet.epw * 0.6
    sheet.style(16, bold=True)
    sheet.wrap(half, 7, doc.business, new_x="LMARGIN", new_y="NEXT")
    sheet.style(9, MUTED)
    for line in doc.from_lines:
        sheet.wrap(half, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    below = sheet.get_y()
    sheet.set_xy(sheet.l_margin + half, top)
    sheet.style(16, bold=True)
    sheet.put(sheet.epw - half, 7, "RECEIPT" if doc.kind == "receipt" else "INVOICE", align="R",
              new_x="LEFT", new_y="NEXT")
    sheet.style(10, MUTED)
    sheet.put(sheet.epw - half, 5, doc.number, align="R")
    sheet.set_y(max(below, sheet.get_y() + 5) + 6)


def _parties(sheet: _Sheet, doc) -> None:
    top, half = sheet.get_y(), sheet.epw / 2
    sheet.style(8, MUTED, bold=True)
    sheet.put(half, 4.5, "RECEIVED FROM" if doc.kind == "receipt" else "BILLED TO", new_x="LMARGIN", new_y="NEXT")
    sheet.style(11)
    sheet.wrap(half - 4, 5.5, doc.client, new_x="LMARGIN", new_y="NEXT")
    below = sheet.get_y()
    sheet.set_y(top)
    facts = _facts(doc)
    for label, value in facts:
        sheet.set_x(sheet.l_margin + half)
        sheet.style(9, MUTED)
        sheet.put(half / 2, 5, label)
        last = label == facts[-1][0]
        sheet.style(9, ALERT if doc.status in ("void", "overdue") and last else INK, bold=last)
        sheet.put(half / 2, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    sheet.set_y(max(below, sheet.get_y()) + 6)


def _facts(doc) -> list[tuple[str, str]]:
    if doc.kind == "receipt":
        facts = [("Receipt for invoice", doc.number), ("Issued", doc.issued)]
        facts += [("Paid on", doc.paid_on)] if doc.paid_on else [("Due", doc.due)]
        return facts + [("Amount received", doc.paid),
                        ("Status", "Paid in full") if doc.paid_on else ("Balance due", doc.balance)]
    facts = [("Issued", doc.issued)]
    if doc.due and doc.status != "void":
        facts.append(("Due", doc.due))
    if doc.paid_on:
        facts.append(("Paid on", doc.paid_on))
    return facts + [("Status", STATUS_WORDS[doc.status])]


def _cancelled(sheet: _Sheet, doc) -> None:
    sheet.set_draw_color(*ALERT)
    sheet.set_line_width(0.6)
    sheet.style(18, ALERT, bold=True)
    sheet.put(0, 11, "CANCELLED", align="C", border=1, new_x="LMARGIN", new_y="NEXT")
    sheet.set_line_width(0.2)
    sheet.style(9, MUTED)
    refund = f" If you paid for it already, {doc.business} will refund you." if doc.refund_owed else ""
    sheet.wrap(0, 5, f"This invoice was cancelled by {doc.business}. There is nothing to pay.{refund}", align="C",
               new_x="LMARGIN", new_y="NEXT")
    sheet.ln(4)


def _table_heading(sheet: _Sheet) -> None:
    sheet.style(8, MUTED, bold=True)
    sheet.put(DATE_WIDTH, 6, "DATE")
    sheet.put(sheet.epw - DATE_WIDTH - AMOUNT_WIDTH, 6, "DESCRIPTION")
    sheet.put(AMOUNT_WIDTH, 6, "AMOUNT", align="R", new_x="LMARGIN", new_y="NEXT")
    sheet.rule()


def _detail(line) -> str:
    parts = [f"{line.duration_minutes} min"] if line.duration_minutes else []
    if line.quantity > 1:
        parts.append(f"{line.quantity} × {line.unit_price}")
    if line.no_charge:
        parts.append(f"Complimentary: {line.no_charge_reason}" if line.no_charge_reason else "Complimentary")
    return " · ".join(parts)


def _lines(sheet: _Sheet, doc) -> None:
    width = sheet.epw - DATE_WIDTH - AMOUNT_WIDTH - 2
    _table_heading(sheet)
    for line in doc.lines:
        _line_row(sheet, line, width)


def _line_row(sheet: _Sheet, line, width: float) -> None:
    """Date, description and amount on one row; the details (length, quantity, complimentary) beside
    the description when they fit there, else under it."""
    detail = _detail(line)
    sheet.style(10)
    beside = sheet.get_string_width(_text(line.description))
    sheet.style(8, MUTED)
    same_line = not detail or beside + sheet.get_string_width(_text(f"  {detail}")) <= width
    sheet.style(10)
    height = sheet.wrap(width, 5, line.description, dry_run=True, output="HEIGHT")
    if not same_line:
        sheet.style(8, MUTED)
        height += sheet.wrap(width, 4, detail, dry_run=True, output="HEIGHT")
    if sheet.will_page_break(height + 2):
        sheet.add_page()
        _table_heading(sheet)
    top = sheet.get_y() + 1
    sheet.set_xy(sheet.l_margin, top)
    sheet.style(9, MUTED)
    sheet.put(DATE_WIDTH, 5, line.date)
    sheet.style(10)
    if same_line:
        sheet.put(beside, 5, line.description)
        sheet.style(8, MUTED)
        sheet.put(width - beside, 5, f"  {detail}")
    else:
        sheet.wrap(width, 5, line.description, new_x="LEFT", new_y="NEXT")
        sheet.style(8, MUTED)
        sheet.wrap(width, 4, detail, new_x="LEFT", new_y="NEXT")
    sheet.set_xy(sheet.w - sheet.r_margin - AMOUNT_WIDTH, top)
    sheet.style(10)
    sheet.put(AMOUNT_WIDTH, 5, line.amount, align="R")
    sheet.set_y(top + height + 1)
    sheet.rule()


def _totals(sheet: _Sheet, doc) -> None:
    sheet.ln(2)
    due_label = "Balance due" if doc.status != "void" else "Due (cancelled)"
    rows = [("Total", doc.total, False), ("Paid", doc.paid, False), (due_label, doc.balance, True)]
    if sheet.will_page_break(6 * len(rows)):
        sheet.add_page()
    for label, value, strong in rows:
        sheet.set_x(sheet.w - sheet.r_margin - AMOUNT_WIDTH - 50)
        sheet.style(11 if strong else 10, INK if strong else MUTED, bold=strong)
        sheet.put(50, 6, label, align="R")
        sheet.style(11 if strong else 10, bold=strong)
        sheet.put(AMOUNT_WIDTH, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    sheet.ln(4)


def _section_heading(sheet: _Sheet, heading: str, rows: int) -> None:
    if sheet.will_page_break(10 + 5 * min(rows, 3)):  # a heading is not left alone at a page's foot
        sheet.add_page()
    sheet.style(8, MUTED, bold=True)
    sheet.put(0, 6, heading.upper(), new_x="LMARGIN", new_y="NEXT")
    sheet.rule()
    sheet.ln(1)


def _payments(sheet: _Sheet, doc) -> None:
    _section_heading(sheet, "Payments received", len(doc.payments))
    for day, method, amount in doc.payments:
        sheet.style(9, MUTED)
        sheet.put(DATE_WIDTH, 5.5, day)
        sheet.style(10)
        sheet.put(sheet.epw - DATE_WIDTH - AMOUNT_WIDTH, 5.5, method)
        sheet.put(AMOUNT_WIDTH, 5.5, amount, align="R", new_x="LMARGIN", new_y="NEXT")
    sheet.ln(4)


def _rows(sheet: _Sheet, heading: str, rows: list[tuple[str, str]]) -> None:
    _section_heading(sheet, heading, len(rows))
    for label, value in rows:
        sheet.style(9, MUTED)
        sheet.put(sheet.epw / 2, 5.5, label)
        sheet.style(10)
        sheet.put(sheet.epw / 2, 5.5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    sheet.ln(4)


def _note(sheet: _Sheet, note: str) -> None:
    _section_heading(sheet, "Note", 1)
    sheet.style(10)
    sheet.wrap(0, 5, note, new_x="LMARGIN", new_y="NEXT")
