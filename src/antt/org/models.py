from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from antt.core.text import fold


class AdminArea(models.Model):
    """An administrative unit of the State (province, district, commune/ward).

    Two systems coexist: the two-level structure in force since 1 July 2025
    (province -> commune/ward) and the legacy three-level one (province ->
    district -> commune) that records from before that date refer to. GSO codes
    are reused between the two, so a code is only unique within its `scheme`.
    Legacy communes point to the new communes they became (`successors`).
    """

    class Scheme(models.TextChoices):
        CURRENT = "2025", _("Hai cấp (từ 01/07/2025)")
        LEGACY = "legacy", _("Ba cấp (trước 01/07/2025)")

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh, thành phố")
        DISTRICT = "district", _("Huyện, thị xã, thành phố thuộc tỉnh")
        COMMUNE = "commune", _("Xã, phường, đặc khu, thị trấn")

    scheme = models.CharField(_("hệ thống"), max_length=10, choices=Scheme.choices)
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    division_type = models.CharField(_("loại"), max_length=40, blank=True)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors", verbose_name=_("đơn vị mới tương ứng")
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="adminarea_scheme_code_uniq")]
        ordering = ["scheme", "code"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Unit(models.Model):
    """A police unit (or an outside unit such as the public service centre).

    Units form a tree; `path` is the materialised path of primary keys
    ("/1/4/27/") so that "this unit and every unit below it" is one indexed
    prefix query on both SQLite and PostgreSQL. The agency code follows
    Quyết định 20/2020/QĐ-TTg (as amended); it is an opaque configured string
    because both the `000.00.00.H56` and the `H56.14` styles are in use.
    """

    class Level(models.TextChoices):
        MINISTRY = "ministry", _("Bộ Công an")
        PROVINCE = "province", _("Công an tỉnh")
        DEPARTMENT = "department", _("Phòng nghiệp vụ")
        DISTRICT = "district", _("Công an huyện (trước 01/07/2025)")
        COMMUNE = "commune", _("Công an xã, phường")
        OUTSIDE = "outside", _("Đơn vị ngoài ngành")

    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)
    level = models.CharField(_("cấp"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, editable=False, db_index=True)
    agency_code = models.CharField(_("mã định danh điện tử"), max_length=35, blank=True, db_index=True)
    slug = models.SlugField(_("mã nội bộ"), max_length=80, unique=True)
    area = models.ForeignKey(
        AdminArea, models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("địa bàn")
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    active_until = models.DateField(_("hoạt động đến"), null=True, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)
        path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if path != self.path:
            # Moving a unit re-parents its subtree: see org.services.unit_move.
            Unit.objects.filter(pk=self.pk).update(path=path)
            self.path = path

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is `other` or below it."""
        return self.path.startswith(other.path)


class Role(models.TextChoices):
    """Staff roles. What each may do is in `antt.org.roles`."""

    RECEPTIONIST = "receptionist", _("Cán bộ tiếp nhận")
    PROCESSOR = "processor", _("Cán bộ xử lý")
    HEAD = "head", _("Lãnh đạo")
    SUPERVISOR = "supervisor", _("Cán bộ giám sát")
    UNIT_ADMIN = "unit_admin", _("Quản trị đơn vị")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


class User(AbstractUser):
    """A person who signs in: a police officer (staff) or, later, an outside user.

    An officer belongs to one unit and has one role; the role decides what they
    may do, the unit what they may see (their unit and the units below it).
    """

    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    # fold(full_name), so that "nguyen van a" finds "Nguyễn Văn A" with one indexed LIKE.
    full_name_folded = models.CharField(max_length=150, editable=False, blank=True, db_index=True)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="officers", verbose_name=_("đơn vị")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, blank=True)
    title = models.CharField(_("chức vụ"), max_length=120, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.full_name_folded = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "full_name_folded"}
        super().save(*args, **kwargs)

    @property
    def is_officer(self) -> bool:
        return bool(self.role) and self.unit_id is not None
