import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from antt.org.passwords import CharacterClassValidator


@pytest.mark.parametrize("password", ["abcdefghijkl1", "ABCDEFGHIJ12", "abcdefghijkl!"])
def test_two_character_classes_are_refused(password):
    with pytest.raises(ValidationError) as exc:
        CharacterClassValidator().validate(password)
    assert "ít nhất 3 trong 4 loại" in exc.value.messages[0]


@pytest.mark.parametrize("password", ["abcdefGHIJ12", "abcdefghij1!", "Kiem-Thu#2026x"])
def test_three_or_four_classes_pass(password):
    CharacterClassValidator().validate(password)


@pytest.mark.django_db
def test_settings_require_twelve_characters_and_classes():
    with pytest.raises(ValidationError):
        validate_password("Ab1!short")
    validate_password("Tr0ng-Hoa#2026")
