"""Reading pages the way a person does: what a form would send, and the message beside a field."""
import html
import re
from html.parser import HTMLParser


def _html(page) -> str:
    """A response, bytes or str, as text."""
    if hasattr(page, "get_data"):
        return page.get_data(as_text=True)
    return page.decode() if isinstance(page, bytes) else page


class _FormReader(HTMLParser):
    """Collects, for every form on the page, the values a browser would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, dict[str, str]]] = []  # (form attributes, values)
        self.values: dict[str, str] | None = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.values = {}
            self.forms.append((a, self.values))
        if self.values is None:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value", "y" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self.values.setdefault(self._select, a.get("value", ""))
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.values = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self.values is not None and self._textarea:
            if not self.values[self._textarea]:  # HTML drops one newline right after <textarea>
                data = data.removeprefix("\r\n") if data.startswith("\r\n") else data.removeprefix("\n")
            self.values[self._textarea] += data


def form_values(page, form_id: str | None = None) -> dict[str, str]:
    """What pressing submit on the form would send, unchanged: the form with `form_id`, or else
    the page's main form (the one with the most fields; the log-out button is a form too)."""
    reader = _FormReader()
    reader.feed(_html(page))
    forms = [values for attrs, values in reader.forms if form_id is None or attrs.get("id") == form_id]
    assert forms, f"no form {form_id or ''} on the page"
    return max(forms, key=len)


def error_beside(page, field_id: str) -> str | None:
    """The error message rendered next to the field `field_id`, or None when it has none."""
    text = _html(page)
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', text, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def errors_on(page) -> list[str]:
    """Every error message on the page, beside a field or at the top of the form."""
    text = _html(page)
    return [html.unescape(m).strip() for m in re.findall(r'<p class="error[^"]*"[^>]*>(.*?)</p>', text, re.S)]


def text_of(page) -> str:
    """The page's visible text with tags removed and whitespace collapsed."""
    text = _html(page)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def element(page, element_id: str) -> str:
    """The outer HTML of the element with `element_id` (one level of same-named nesting is enough here)."""
    text = _html(page)
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', text)
    assert match, f"no #{element_id} on the page"
    tag = match.group(1)
    depth, pos = 0, match.start()
    for m in re.finditer(rf"<(/?){tag}\b", text[pos:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            end = text.index(">", pos + m.start()) + 1
            return text[pos:end]
    raise AssertionError(f"#{element_id} is never closed")
