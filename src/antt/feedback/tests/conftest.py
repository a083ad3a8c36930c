import pytest

from antt.feedback.loaders import load_rating_criteria


@pytest.fixture
def criteria(db):
    load_rating_criteria()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
