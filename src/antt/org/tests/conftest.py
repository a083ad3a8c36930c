import pytest

from antt.org.tests.factories import two_communes_with_officers


@pytest.fixture
def world(db):
    return two_communes_with_officers()


@pytest.fixture
def no_2fa(settings):
    settings.ANTT_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Production hashing costs ~0.5 s per password; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
