"""The deployment configuration: environment variables in, a clean deploy check out."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def _manage(*args, env_extra: dict[str, str]):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTT_") and k != "DATABASE_URL"}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_reports_nothing_with_debug_off_and_a_real_secret(tmp_path):
    # given production settings from the environment
    env = {
        "ANTT_DEBUG": "0",
        "ANTT_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3928171605f4e3d2c1b0a9f8e7d6c5b4a39281716",
        "ANTT_ALLOWED_HOSTS": "antt.example.vn",
        "ANTT_VAR_DIR": str(tmp_path),
    }
    # when Django's deployment checks run
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=env)
    # then they find nothing
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_refuses_to_start(tmp_path):
    # given DEBUG off and no secret key / when Django starts / then it refuses, saying why
    result = _manage("check", env_extra={"ANTT_DEBUG": "0", "ANTT_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ANTT_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://u:p@db.example:5432/antt", "django.db.backends.postgresql"),
        ("", "django.db.backends.sqlite3"),
    ],
)
def test_database_comes_from_database_url(tmp_path, url, engine):
    # given DATABASE_URL set or not / when settings load / then the engine follows it
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTT_") and k != "DATABASE_URL"}
    env.update(
        {
            "DATABASE_URL": url,
            "ANTT_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "antt.settings",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == engine, result.stderr
