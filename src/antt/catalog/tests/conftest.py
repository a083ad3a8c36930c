import pytest

from antt.catalog.loaders import load_catalog


@pytest.fixture
def catalog(db):
    """The seed catalogue loaded through the real loader."""
    return load_catalog()
