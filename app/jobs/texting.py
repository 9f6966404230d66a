"""The job behind every outbox row, text or email. Its name and argument (the row id) are a wire format:
jobs already in Redis name `app.jobs.texting.send_text`, so it stays."""
from app.services.texting import send_message


def send_text(message_id: int):
    """Sends one outbox row on its channel; a second run for the same row does nothing."""
    status = send_message(message_id)
    return status.value if status else "already handled"
