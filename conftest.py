"""Test configuration shared by every app's tests."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # The in-process cache outlives a test: rate-limit counters and cached public pages
    # (core.pagecache) must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()
    # Uploaded files go to a per-test folder; static files need no manifest.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hashing passwords with PBKDF2 costs ~0.3 s each; tests do not test the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
