"""The one error class of the establishments services: a Vietnamese message, the form field it
belongs to (if any) and the HTTP status a view or API handler answers with (4xx)."""


class EstablishmentError(Exception):
    def __init__(self, message: str, field: str = "", status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
