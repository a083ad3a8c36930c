"""Vietnamese number formats for pages and exports: 12.345 and 85,3%."""

from __future__ import annotations


def number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


def percent(value) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%".replace(".", ",")
