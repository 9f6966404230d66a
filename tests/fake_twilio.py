"""A local HTTP server that speaks enough of Twilio's Messages API for the real twilio SDK.

It records every message it accepts and can be told to fail (500), throttle (429), refuse with a
Twilio error code (21610, 21211, ...), accept and then hang past the client's timeout, or accept
and drop the connection. Like Twilio, it keeps an accepted message queued, with no `date_sent`,
until the carrier takes it, and lists messages newest first, a page at a time.
"""
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers import JsonRequestHandler, LoopbackHTTPServer


class FakeTwilio(LoopbackHTTPServer):
    def __init__(self):
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.mode = "ok"              # ok | 500 | 429 | hang | drop
        self.next_modes: list[str] = []  # modes for the next creates, one each, before `mode` again
        self.list_fails = False       # the message list answers 500
        self.codes_by_number: dict[str, int] = {}
        self.hang_seconds = 3.0
        self.delay_seconds = 0.0      # each create is answered this much later (a real network's wait)
        self.list_pages_served = 0
        self.on_accept = None         # called with each message accepted, before it is answered
        super().__init__()

    def settings(self, **extra) -> dict:
        """The app's Twilio settings that point the real SDK at this fake."""
        return {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "ACtest", "TWILIO_AUTH_TOKEN": "test-auth-token",
                "TWILIO_FROM_NUMBER": "+15005550006", "TWILIO_API_BASE": self.url, **extra}

    def to(self, number: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["to"] == number]

    def bodies_containing(self, text: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if text in m["body"]]

    def _record(self, form: dict, created: datetime | None = None, sent: datetime | None = None) -> dict:
        created = created or datetime.now(timezone.utc)
        message = {"sid": "SM" + uuid.uuid4().hex, "to": form.get("To", ""), "body": form.get("Body", ""),
                   "from": form.get("From") or form.get("MessagingServiceSid", ""),
                   "status": "delivered" if sent else "queued", "status_callback": form.get("StatusCallback", ""),
                   "date_created": format_datetime(created), "date_sent": format_datetime(sent) if sent else None,
                   "account_sid": "ACtest", "num_segments": "1"}
        with self.lock:
            self.messages.append(message)
        return message

    def add_earlier_text(self, to: str, body: str, age: timedelta) -> dict:
        """A text that was created, sent and delivered `age` ago."""
        then = datetime.now(timezone.utc) - age
        return self._record({"To": to, "Body": body}, created=then, sent=then + timedelta(seconds=2))

    def _listed(self, query: dict) -> list[dict]:
        """Twilio's list: To and From filters; DateSent filters by day, which a message still queued (no
        `date_sent`) never matches; newest first, the queued ones on top. Other parameters are ignored."""
        def day(value):
            return datetime.fromisoformat(value[:10]).date()

        def sent_day(message):
            return parsedate_to_datetime(message["date_sent"]).date() if message["date_sent"] else None

        day_tests = {"DateSent": lambda d, q: d == q, "DateSent<": lambda d, q: d <= q, "DateSent>": lambda d, q: d >= q}
        with self.lock:
            found = [m for m in reversed(self.messages) if query.get("To", m["to"]) == m["to"]
                     and query.get("From", m["from"]) == m["from"]]
        for name, test in day_tests.items():
            if query.get(name):
                found = [m for m in found if sent_day(m) is not None and test(sent_day(m), day(query[name]))]
        return sorted(found, reverse=True, key=lambda m: (m["date_sent"] is None,
                                                          parsedate_to_datetime(m["date_sent"] or m["date_created"])))

    def _list_page(self, path: str, query: dict) -> dict:
        size, number = int(query.get("PageSize", 50)), int(query.get("Page", 0))
        listed = self._listed(query)
        with self.lock:
            self.list_pages_served += 1
        more = len(listed) > (number + 1) * size
        next_uri = f"{urlsplit(path).path}?{urlencode({**query, 'Page': number + 1, 'PageSize': size})}" if more else None
        return {"messages": listed[number * size:(number + 1) * size], "first_page_uri": path, "next_page_uri": next_uri,
                "page": number, "page_size": size, "previous_page_uri": None, "start": number * size, "uri": path}

    def _handler(self):
        fake = self

        class Handler(JsonRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if fake.delay_seconds:
                    time.sleep(fake.delay_seconds)
                code = fake.codes_by_number.get(form.get("To", ""))
                with fake.lock:
                    mode = fake.next_modes.pop(0) if fake.next_modes else fake.mode
                if mode == "500":
                    return self._json(500, {"code": 20500, "message": "Internal error", "status": 500})
                if mode == "429":
                    return self._json(429, {"code": 20429, "message": "Too many requests", "status": 429})
                if code:
                    return self._json(400, {"code": code, "message": f"Error {code}", "status": 400,
                                            "more_info": f"https://www.twilio.com/docs/errors/{code}"})
                message = fake._record(form)
                if fake.on_accept:
                    fake.on_accept(message)
                if mode == "hang":
                    time.sleep(fake.hang_seconds)
                if mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._json(201, message)

            def do_GET(self):
                if fake.list_fails:
                    return self._json(500, {"code": 20500, "message": "Internal error", "status": 500})
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                self._json(200, fake._list_page(self.path, query))

        return Handler
