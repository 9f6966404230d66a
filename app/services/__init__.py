"""Use cases as plain functions: ids and values in, no request or current_user."""


class ServiceError(ValueError):
    """A refusal the user should read. `field` names the form field it belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
