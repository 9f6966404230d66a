"""A real SMTP server on loopback (aiosmtpd) that keeps what it received, or misbehaves on demand."""
import asyncio
import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.mode = "accept"  # accept | refuse | try_later | slow | drop
        self.slow_seconds = 3.0
        self.data_attempts = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_attempts += 1
        mode = self.mode
        if mode == "refuse":
            return "550 5.7.1 Message rejected as spam"
        if mode == "try_later":
            return "451 4.3.0 Try again later"
        if mode == "slow":
            await asyncio.sleep(self.slow_seconds)
            return "451 4.3.0 Too slow"
        if mode == "drop":  # the whole message arrived; the connection goes before the reply
            server.transport.close()
            return "421 4.3.0 closing"
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 2.0.0 OK queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?tls=none"

    @property
    def messages(self):
        return self.recorder.messages
