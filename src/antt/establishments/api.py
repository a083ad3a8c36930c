"""/api/v1/establishments/: sharing with other agencies (no personal data) and the change feed."""

from ninja import Router

router = Router()
