"""Errors that services raise. Views and the API turn them into messages for the user."""


class ServiceError(Exception):
    """A request that the rules refuse. The message is for the user (中文)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDeniedError(ServiceError):
    pass
