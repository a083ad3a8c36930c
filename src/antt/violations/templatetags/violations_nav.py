"""Template helpers of the violations pages.

`{% if request.user|can:"reports.view" %}`: the role check of `antt.org.roles` in templates;
`{{ item.plate|plate }}`: a stored (normalised) plate as printed on the plate;
`{{ amount|dong }}`: money with a no-break space before "đ" (the violations pages load this
instead of `catalog_tags`, whose `dong` has a plain space: "500.000 đ" wrapped on phones).
"""

from django import template

from antt.core.identifiers import IdentifierError, parse_plate
from antt.core.money import NBSP, format_vnd
from antt.org.roles import can as _can

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return _can(user, capability)


@register.filter
def plate(value, vehicle_kind: str = "") -> str:
    """ "36Y445224" -> "36-Y4 452.24"; a value that is not a plate is shown as stored."""
    if not value:
        return ""
    try:
        return parse_plate(str(value), vehicle_kind=vehicle_kind or "").display
    except IdentifierError:
        return str(value)


@register.filter
def dong(amount) -> str:
    """1500000 -> "1.500.000 đ" with U+00A0 between the figure and "đ" (pages only: PDFs and
    spreadsheets keep `core.money.format_vnd`'s plain space, whose text the printing tests compare)."""
    if amount is None or amount == "":
        return ""
    return format_vnd(int(amount), sep=NBSP)
