"""Reads for certificates, scoped to the user."""


def detail_context(user, establishment) -> dict:
    """Context for the establishment page's certificates section (template establishments/detail_certificates.html)."""
    return {}
