"""Reads for fire, scoped to the user."""


def detail_context(user, establishment) -> dict:
    """Context for the establishment page's fire section (template establishments/detail_fire.html)."""
    return {}
