"""The public pages (no sign-in) of ANTT, by URL name: the one list the HTML validity check
(tests/quality/test_html_valid.py) and the axe check on a phone (tests/browser/test_portal_pages.py)
walk. A page whose URL name does not resolve yet (an app that has not shipped it) is reported as
missing by `resolve_pages`, not silently dropped: the tests print the list.

`public_world()` builds, through the loaders and factories the apps' own tests use, what the
pages need to show something: the catalogue, a unit with a head, a published announcement, a
contact point, a published answer to a citizen's feedback. Each part that depends on another app's
later work is built only when that app's loader or model is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone


@dataclass
class PublicWorld:
    """What the public pages are opened with (procedure codes, slugs, a published feedback code)."""

    procedure_code: str
    online_procedure_code: str
    unit: object
    head: object
    announcement_slug: str | None = None
    feedback_code: str | None = None
    dataset_slug: str | None = None
    extra: dict = field(default_factory=dict)


Kwargs = Callable[[PublicWorld], dict | None]


@dataclass(frozen=True)
class PublicPage:
    """One public page: `kwargs(world)` returns the URL's arguments (None: the world has no
    object to show, the page is skipped with that reason); `query` is added as a query string;
    `form`: the page has a form to send, checked again with every error shown (sent empty)."""

    key: str
    url_name: str
    kwargs: Kwargs | None = None
    query: dict | None = None
    form: bool = False

    def url(self, world: PublicWorld) -> str | None:
        kwargs = self.kwargs(world) if self.kwargs else {}
        if kwargs is None:
            return None
        path = reverse(self.url_name, kwargs=kwargs)
        return f"{path}?{urlencode(self.query)}" if self.query else path


PAGES: tuple[PublicPage, ...] = (
    # the portal
    PublicPage("home", "portal:home"),
    PublicPage("announcements", "portal:announcements"),
    PublicPage("announcement", "portal:announcement", lambda w: w.announcement_slug and {"slug": w.announcement_slug}),
    PublicPage("contacts", "portal:contacts"),
    PublicPage("figures", "portal:figures"),
    # the catalogue of procedures
    PublicPage("catalogue", "catalog:procedure-list"),
    PublicPage("catalogue-search", "catalog:procedure-list", query={"q": "hộ chiếu"}),
    PublicPage("procedure", "catalog:procedure-detail", lambda w: {"code": w.procedure_code}),
    # online submission and the dossier lookup
    PublicPage("online-start", "dossiers:online-start"),
    PublicPage("online-submit", "dossiers:online-submit", lambda w: {"code": w.online_procedure_code}, form=True),
    PublicPage("dossier-lookup", "dossiers:public-lookup", form=True),
    PublicPage("violation-lookup", "violations:lookup", form=True),
    # citizens' feedback (phản ánh, kiến nghị)
    PublicPage("feedback-home", "feedback:public-home"),
    PublicPage("feedback-new", "feedback:new", form=True),
    PublicPage("feedback-lookup", "feedback:lookup", form=True),
    PublicPage("feedback-published", "feedback:published", lambda w: w.feedback_code and {"code": w.feedback_code}),
    # open data
    PublicPage("opendata", "api:opendata-list"),
    PublicPage("opendata-dataset", "api:opendata-detail", lambda w: w.dataset_slug and {"slug": w.dataset_slug}),
    # signing in (officers and businesses start here)
    PublicPage("sign-in", "login"),
)


def resolve_pages(world: PublicWorld, pages=PAGES) -> tuple[list[tuple[PublicPage, str]], list[str]]:
    """(page, url) of every page that exists now, and a line for each one that does not."""
    found, missing = [], []
    for page in pages:
        try:
            url = page.url(world)
        except NoReverseMatch:
            missing.append(f"{page.key}: no URL named {page.url_name!r} yet")
            continue
        if url is None:
            missing.append(f"{page.key}: nothing to show (the world has no object for it)")
            continue
        found.append((page, url))
    return found, missing


def public_world() -> PublicWorld:
    """The catalogue, a unit with its officers, and what the newer public pages show.

    Needs the database (call it inside a django_db test)."""
    from antt.catalog.loaders import load_catalog
    from antt.catalog.models import Procedure
    from antt.dossiers.loaders import load_forms
    from antt.dossiers.tests.factories import one_stop_world
    from antt.feedback.loaders import load_rating_criteria

    load_catalog()
    load_forms()
    load_rating_criteria()
    one_stop = one_stop_world(days=3, online="full")
    catalogue = Procedure.objects.filter(versions__isnull=False).exclude(pk=one_stop.procedure.pk)
    passport = catalogue.filter(name__icontains="hộ chiếu").order_by("code").first()
    world = PublicWorld(
        procedure_code=(passport or catalogue.order_by("code").first() or one_stop.procedure).code,
        online_procedure_code=one_stop.procedure.code,
        unit=one_stop.unit,
        head=one_stop.head,
        extra={"one_stop": one_stop},
    )
    _optional_loaders()
    world.announcement_slug = _announcement(one_stop.unit)
    _contact_point(one_stop.unit)
    world.feedback_code = _published_feedback(one_stop)
    world.dataset_slug = _dataset()
    return world


def _optional_loaders() -> None:
    """Loaders other helpers add (feedback rules and topics, datasets): run when they exist."""
    import importlib

    for module, name in (
        ("antt.feedback.loaders", "load_feedback_rules"),
        ("antt.feedback.loaders", "load_feedback_topics"),
        ("antt.api.loaders", "load_datasets"),
    ):
        try:
            loader = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if loader:
            loader()


def _announcement(unit) -> str:
    from antt.portal.models import Announcement

    item = Announcement.objects.create(
        title="Nghỉ Tết Nguyên đán: lịch tiếp nhận hồ sơ",
        slug="lich-tiep-nhan-tet",
        summary="Bộ phận một cửa nghỉ từ 28 tháng Chạp đến mùng 5 Tết; nộp trực tuyến vẫn nhận.",
        body="Bộ phận một cửa nghỉ Tết theo lịch của tỉnh.\n\nHồ sơ nộp trực tuyến vẫn được tiếp nhận.",
        unit=unit,
        published=True,
        pinned=True,
        publish_from=timezone.now() - timedelta(days=1),
    )
    return item.slug


def _contact_point(unit) -> None:
    from antt.portal.models import ContactPoint

    ContactPoint.objects.create(
        name="Đường dây nóng Trung tâm Phục vụ hành chính công",
        unit=unit,
        address="Số 28 Đại lộ Lê Lợi",
        phone="0237 3 720 720",
        hours="Thứ Hai đến thứ Sáu, 7 giờ 30 đến 17 giờ",
        is_hotline=True,
    )


def _published_feedback(one_stop) -> str:
    """A feedback answered and published (as fbstaff's services would leave it: the public text
    redacted), made directly so that the public pages can be checked before those services land."""
    from antt.feedback.models import Feedback, FeedbackKind, FeedbackState, FeedbackSubject, SenderKind

    now = timezone.now()
    feedback = Feedback.objects.create(
        code=f"PAKN-{now:%y%m%d}-9001",
        kind=FeedbackKind.PROPOSAL,
        subject=FeedbackSubject.RULE,
        title="Đề nghị cho nộp ảnh chụp giấy tờ khi đăng ký tạm trú",
        content="Tôi đề nghị cho phép nộp ảnh chụp bằng điện thoại thay cho bản quét.",
        procedure=one_stop.procedure,
        unit=one_stop.unit,
        state=FeedbackState.CLOSED,
        sender_kind=SenderKind.PERSON,
        sender_name="Nguyễn Thị Lan",
        sender_phone="0987654321",
        sender_address="Phường Hạc Thành",
        received_at=now - timedelta(days=6),
        classify_due=date.today(),
        accepted_at=now - timedelta(days=5),
        answer_due=date.today() + timedelta(days=5),
        answered_at=now - timedelta(days=1),
        answer="Ảnh chụp rõ nét, đủ bốn góc được chấp nhận như bản quét.",
        answered_by=one_stop.head,
        published=True,
        published_at=now - timedelta(hours=12),
        public_question="Đề nghị cho phép nộp ảnh chụp bằng điện thoại thay cho bản quét.",
        public_answer="Ảnh chụp rõ nét, đủ bốn góc được chấp nhận như bản quét.",
    )
    return feedback.code


def _dataset() -> str | None:
    from antt.api.models import Dataset

    item = Dataset.objects.filter(is_published=True).order_by("order", "slug").first()
    return item.slug if item else None
