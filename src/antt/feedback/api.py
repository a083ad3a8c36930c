"""Placeholder router: filled by issue 7's work."""

from ninja import Router

router = Router()
