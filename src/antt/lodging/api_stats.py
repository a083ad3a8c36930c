"""Placeholder: the lodging statistics API (filled by the lodging build)."""

from ninja import Router

router = Router()
