"""Placeholder: the lodging API (filled by the lodging build)."""

from ninja import Router

router = Router()
