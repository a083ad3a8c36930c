"""The one exception every lodging module raises for a refusal (contract: errors.py).

`LodgingError(message, field="", status=400)`: `message` is Vietnamese and names the field, never
the personal value; `status` is the HTTP status a view or the API answers with (400 bad input,
403 not allowed, 404 not found or not one's own, 409 conflict or duplicate, 413 too big,
422 refused by a rule).
"""

from __future__ import annotations

import traceback


class LodgingError(Exception):
    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "status": self.status}

    def __repr__(self) -> str:
        return f"LodgingError({self.message!r}, field={self.field!r}, status={self.status})"


def exc_summary(exc: BaseException) -> str:
    """An unexpected exception for the log: its type and frames, never its message (PostgreSQL's
    errors quote the offending row of a COPY: names, document numbers)."""
    return f"{type(exc).__name__}\n" + "".join(traceback.format_tb(exc.__traceback__))
