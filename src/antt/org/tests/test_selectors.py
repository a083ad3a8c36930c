import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from antt.core.text import fold
from antt.org.models import Role, Unit, User
from antt.org.selectors import get_scoped_or_404, mask_phone, officer_get, officer_list, scope, visible_units
from antt.org.tests.factories import make_officer, make_unit

pytestmark = pytest.mark.django_db


def test_visible_units_are_own_unit_and_below(world):
    # given a commune officer and a supervisor at the province
    # when listing the units each may see
    commune_view = set(visible_units(world.receptionist_a))
    province_view = set(visible_units(world.supervisor))
    # then the commune officer sees only their unit, the supervisor everything below the province
    assert commune_view == {world.commune_a}
    assert province_view == {world.province, world.commune_a, world.commune_b}


def test_scope_filters_any_queryset_by_unit_path(world):
    # when scoping the user table for an officer of commune A
    rows = set(scope(world.receptionist_a, User.objects.all()))
    # then only commune A's people are left
    assert rows == {world.admin_a, world.receptionist_a}


def test_scope_follows_a_longer_lookup_path(world):
    # given a unit below commune A (a post), and a query through the parent relation
    post = make_unit("Đồn thử", parent=world.commune_a)
    # when scoping units through their parent's path
    rows = set(scope(world.receptionist_a, Unit.objects.filter(parent__isnull=False), unit_field="parent"))
    # then units whose parent is inside commune A's subtree are kept
    assert rows == {post}


def test_path_prefix_does_not_leak_to_units_with_similar_ids(world):
    # given units whose ids share a textual prefix ("/1/" vs "/12/") - paths end with "/"
    others = [make_unit(f"Đơn vị {i}") for i in range(12)]
    # when scoping for commune A
    rows = set(scope(world.receptionist_a, Unit.objects.all(), unit_field=None))
    # then none of the unrelated roots are included
    assert rows == {world.commune_a}
    assert not rows & set(others)


def test_users_without_unit_or_anonymous_see_nothing(world):
    # given a superuser without a unit, and an anonymous visitor
    boss = make_officer(None, role=Role.SYSTEM_ADMIN, is_superuser=True)
    # then both see nothing: nobody is special-cased
    assert not scope(boss, User.objects.all()).exists()
    assert not visible_units(AnonymousUser()).exists()


def test_inactive_user_sees_nothing(world):
    world.supervisor.is_active = False
    assert not scope(world.supervisor, User.objects.all()).exists()


def test_get_scoped_or_404_hides_out_of_unit_objects(world):
    # when an officer of A asks for an officer of B
    # then it is "not found", not "forbidden"
    with pytest.raises(Http404):
        get_scoped_or_404(world.receptionist_a, User.objects.all(), pk=world.receptionist_b.pk)
    assert get_scoped_or_404(world.receptionist_a, User.objects.all(), pk=world.admin_a.pk) == world.admin_a


def test_officer_list_needs_officer_view(world):
    # given a receptionist (no "officer.view")
    # then listing officers is refused
    with pytest.raises(PermissionDenied):
        officer_list(world.receptionist_a)
    with pytest.raises(PermissionDenied):
        officer_get(world.receptionist_a, world.admin_a.pk)


def test_supervisor_lists_officers_of_every_commune(world):
    rows = set(officer_list(world.supervisor))
    assert {world.receptionist_a, world.receptionist_b, world.admin_a, world.admin_b} <= rows


def test_officer_list_filters_by_unit_role_and_folded_text(world):
    # when the supervisor filters
    by_unit = set(officer_list(world.supervisor, unit=world.commune_b))
    by_role = set(officer_list(world.supervisor, role=Role.UNIT_ADMIN))
    by_text = list(officer_list(world.supervisor, q="nguyen duc"))
    # then each filter applies; text matches without diacritics
    assert by_unit == {world.admin_b, world.receptionist_b}
    assert by_role == {world.admin_a, world.admin_b}
    assert by_text == [world.receptionist_b]


def test_officer_list_unit_filter_cannot_widen_scope(world):
    # given commune A's admin asks for commune B's officers
    rows = officer_list(world.admin_a, unit=world.commune_b)
    # then nothing comes back
    assert not rows.exists()


def test_officer_list_sorts_by_folded_name_both_ways(world):
    names = [o.full_name for o in officer_list(world.supervisor, order="name")]
    assert names == sorted(names, key=fold)
    assert [o.full_name for o in officer_list(world.supervisor, order="-name")] == names[::-1]


def test_mask_phone_shows_only_the_last_digits():
    assert mask_phone("0912345123") == "09xx xxx 123"
    assert mask_phone("") == ""
    assert mask_phone("12") == "•••"
