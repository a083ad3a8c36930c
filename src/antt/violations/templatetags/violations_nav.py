"""`{% if request.user|can:"reports.view" %}`: the role check of `antt.org.roles` in templates."""

from django import template

from antt.org.roles import can as _can

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return _can(user, capability)
