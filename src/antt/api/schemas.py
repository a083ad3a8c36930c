from ninja import Schema


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
