"""The words of every message, read from app/templates/messages/ (never written in Python).

Per kind: `<kind>.sms.txt` (the text: one wording per line, longest first, the first that fits is sent),
`<kind>.subject.txt`, `<kind>.email.txt` and `<kind>.email.html` (an email's subject and its two parts).
"""
from dataclasses import dataclass

from flask import current_app


def render(template: str, /, **context) -> str:
    """A template rendered without a request (jobs send most messages): no context processors."""
    return current_app.jinja_env.get_template(template).render(**context)


def sms_wordings(kind: str, **context) -> list[str]:
    """The wordings of a text, longest first (blank lines and template comments dropped)."""
    rendered = render(f"messages/{kind}.sms.txt", **context)
    return [line.strip() for line in rendered.splitlines() if line.strip()]


@dataclass(frozen=True)
class EmailWords:
    subject: str
    text: str
    html: str


def email_words(kind: str, **context) -> EmailWords:
    subject = " ".join(render(f"messages/{kind}.subject.txt", **context).split())
    text = render(f"messages/{kind}.email.txt", **context).strip() + "\n"
    html = render(f"messages/{kind}.email.html", text=text, **context)
    return EmailWords(subject=subject, text=text, html=html)


def written_email_words(kind: str, subject: str, text: str) -> EmailWords:
    """An email whose words were written when it was asked for (a one-time link is never stored)."""
    return EmailWords(subject=subject, text=text, html=render(f"messages/{kind}.email.html", text=text))
