from django import template

register = template.Library()


@register.filter
def dong(amount) -> str:
    """Money as integer đồng, Vietnamese grouping: 1500000 -> "1.500.000 đ"."""
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đ"
