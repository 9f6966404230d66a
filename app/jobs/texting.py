"""The job behind every outbox row. Its argument is the row id: a wire format, kept stable."""
from app.services.texting import send_message


def send_text(message_id: int):
    """Texts one outbox row; a second run for the same row does nothing."""
    status = send_message(message_id)
    return status.value if status else "already handled"
