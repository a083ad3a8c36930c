"""Password rule for staff accounts: several kinds of characters, on top of Django's validators.

Settings pair it with MinimumLengthValidator(12), so a staff password is at least 12 characters
from at least 3 of: lower-case letters, upper-case letters, digits, symbols.
"""

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """Require characters from at least `min_classes` of the four classes."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            (
                any(ch.islower() for ch in password),
                any(ch.isupper() for ch in password),
                any(ch.isdigit() for ch in password),
                any(not ch.isalnum() and not ch.isspace() for ch in password),
            )
        )

    def validate(self, password: str, user=None) -> None:
        if self.classes(password or "") < self.min_classes:
            raise ValidationError(
                "Mật khẩu phải có ít nhất %(n)d trong 4 loại ký tự: chữ thường, chữ hoa, chữ số, ký hiệu.",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"Mật khẩu phải có ít nhất {self.min_classes} trong 4 loại ký tự: chữ thường, chữ hoa, chữ số, ký hiệu."
