import re
from datetime import date
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator


class ErrorOut(Schema):
    """Every error body: a Vietnamese message, and per-field messages for 422."""

    detail: str


class ValidationErrorItem(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[ValidationErrorItem] = []


# Responses every endpoint may give besides its success (for the OpenAPI document).
COMMON_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
STAFF_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _iso_date_only(value):
    """Pydantic reads "0" or "1777000000" as a Unix time; a date parameter must be YYYY-MM-DD."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("not an ISO date")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# A query-string date in ISO form only (documented as `format: date`).
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
