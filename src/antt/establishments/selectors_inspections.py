"""Reads for inspections, scoped to the user."""


def detail_context(user, establishment) -> dict:
    """Context for the establishment page's inspections section (template establishments/detail_inspections.html)."""
    return {}
