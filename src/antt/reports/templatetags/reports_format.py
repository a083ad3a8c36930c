from django import template

from antt.reports.formatting import number, percent

register = template.Library()
register.filter("num", number)
register.filter("pct", percent)
