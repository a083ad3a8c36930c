import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from antt.org.models import Role, Unit, User

PASSWORD = "Bao-Ve-An-Ninh-2026"


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.ANTT_REQUIRE_2FA = True
    # Fast hashing: these tests sign in dozens of times; the hasher is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="Công an phường Hàm Rồng", level=Unit.Level.COMMUNE, slug="ham-rong")


@pytest.fixture
def make_officer(unit):
    def make(role=Role.RECEPTIONIST, username=None, **extra):
        return User.objects.create_user(
            username=username or f"cb_{role}",
            password=PASSWORD,
            full_name=extra.pop("full_name", "Lê Thị Hoa"),
            role=role,
            unit=extra.pop("unit", unit),
            **extra,
        )

    return make


@pytest.fixture
def receptionist(make_officer):
    return make_officer(Role.RECEPTIONIST, username="tiepnhan")


@pytest.fixture
def device(receptionist):
    return TOTPDevice.objects.create(user=receptionist, name="Ứng dụng xác thực", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(current_code(device))
    return f"{(right + 500_000) % 1_000_000:06d}"
