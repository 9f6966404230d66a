"""A local HTTP server that speaks enough of Twilio's Messages API for the real twilio SDK.

It records every message it accepts and can be told to fail (500), throttle (429), refuse with a
Twilio error code (21610, 21211, ...), accept and then hang past the client's timeout, or accept
and drop the connection.
"""
import threading
import time
import uuid
from email.utils import format_datetime
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from tests.servers import JsonRequestHandler, LoopbackHTTPServer


class FakeTwilio(LoopbackHTTPServer):
    def __init__(self):
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.mode = "ok"              # ok | 500 | 429 | hang | drop
        self.list_fails = False       # the message list answers 500
        self.codes_by_number: dict[str, int] = {}
        self.hang_seconds = 3.0
        self.delay_seconds = 0.0
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

    def _record(self, form: dict) -> dict:
        now = datetime.now(timezone.utc)
        message = {"sid": "SM" + uuid.uuid4().hex, "to": form.get("To", ""), "body": form.get("Body", ""),
                   "from": form.get("From") or form.get("MessagingServiceSid", ""), "status": "queued",
                   "status_callback": form.get("StatusCallback", ""), "date_created": format_datetime(now),
                   "date_sent": format_datetime(now), "account_sid": "ACtest", "num_segments": "1"}
        with self.lock:
            self.messages.append(message)
        return message

    def _handler(self):
        fake = self

        class Handler(JsonRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if fake.delay_seconds:
                    time.sleep(fake.delay_seconds)
                code = fake.codes_by_number.get(form.get("To", ""))
                if fake.mode == "500":
                    return self._json(500, {"code": 20500, "message": "Internal error", "status": 500})
                if fake.mode == "429":
                    return self._json(429, {"code": 20429, "message": "Too many requests", "status": 429})
                if code:
                    return self._json(400, {"code": code, "message": f"Error {code}", "status": 400,
                                            "more_info": f"https://www.twilio.com/docs/errors/{code}"})
                message = fake._record(form)
                if fake.mode == "hang":
                    time.sleep(fake.hang_seconds)
                if fake.mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._json(201, message)

            def do_GET(self):
                if fake.list_fails:
                    return self._json(500, {"code": 20500, "message": "Internal error", "status": 500})
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                with fake.lock:
                    found = [m for m in fake.messages if not query.get("To") or m["to"] == query["To"]]
                self._json(200, {"messages": list(reversed(found)), "end": len(found), "first_page_uri": self.path,
                                 "next_page_uri": None, "page": 0, "page_size": 100, "previous_page_uri": None,
                                 "start": 0, "uri": self.path})

        return Handler
