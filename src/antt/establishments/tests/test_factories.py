import pytest

from antt.core.identifiers import check_tax_code
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code

pytestmark = pytest.mark.django_db


def test_world_and_establishment():
    w = establishments_world()
    e = make_establishment(w, lines=["t-luu-tru"], fire_category="t-hotel")
    assert [line.code for line in e.lines.all()] == ["t-luu-tru"]
    assert e.fire.high_risk
    assert e.name_folded == "karaoke anh duong"


def test_valid_tax_codes_pass_the_check():
    for n in range(1, 40):
        code = valid_tax_code(n)
        assert check_tax_code(code) == code
