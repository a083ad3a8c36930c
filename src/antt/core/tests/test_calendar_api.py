"""The public calendar API: /api/v1/calendar/due-date and /holidays."""

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antt.core import calendar
from antt.core.api import MAX_WORKING_DAYS, MAX_WORKING_HOURS, RECEIVED_PATTERN, RECEIVED_YEARS
from antt.core.models import CalendarDay

pytestmark = pytest.mark.django_db

DUE = "/api/v1/calendar/due-date"
HOLIDAYS = "/api/v1/calendar/holidays"


def test_due_date_answers_the_issue_example(client, django_assert_max_num_queries):
    # when
    with django_assert_max_num_queries(1):
        response = client.get(DUE, {"received": "2026-04-23T09:30", "working_days": 5})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["received_on"] == "2026-04-23"
    assert body["due"] == "2026-05-05"
    assert body["due_display"] == "05/05/2026"
    assert body["working_days"] == 5
    assert body["due_at"] is None
    assert [d["date"] for d in body["holidays_skipped"]] == ["2026-04-27", "2026-04-30", "2026-05-01"]
    assert body["holidays_skipped"][0]["name"] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert "Giỗ Tổ" in response.content.decode()  # readable Vietnamese, not \u escapes


def test_due_date_of_a_weekend_receipt_starts_on_the_next_working_day(client):
    # when handed in on Sat 25/04/2026
    body = client.get(DUE, {"received": "2026-04-25T09:00", "working_days": 0}).json()

    # then a same-day procedure is due Tue 28 (Mon 27 is off)
    assert body["received_on"] == "2026-04-28"
    assert body["due"] == "2026-04-28"


def test_due_date_respects_an_admin_day_off(client):
    # given
    CalendarDay.objects.create(date=date(2026, 5, 4), kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ thêm")

    # when
    body = client.get(DUE, {"received": "2026-04-23T09:30", "working_days": 5}).json()

    # then
    assert body["due"] == "2026-05-06"
    assert "Nghỉ thêm" in [d["name"] for d in body["holidays_skipped"]]


def test_due_date_in_working_hours_returns_the_moment(client):
    # when 8 working hours from Thu 23/04/2026 10:30
    response = client.get(DUE, {"received": "2026-04-23T10:30", "working_hours": 8})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["due_at"] == "2026-04-24T11:00:00+07:00"
    assert body["due"] == "2026-04-24"
    assert body["due_at_display"] == "11 giờ 00 phút, ngày 24/04/2026"
    assert body["working_hours"] == 8
    assert body["working_days"] is None


def test_due_date_reads_an_explicit_offset(client):
    # when 10:30 UTC (17:30 in Việt Nam)
    body = client.get(DUE, {"received": "2026-04-23T10:30:00Z", "working_days": 1}).json()

    # then
    assert body["received_on"] == "2026-04-24"
    assert body["due"] == "2026-04-28"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"working_days": 5}, "Thiếu tham số bắt buộc: received"),
        ({"received": "2026-04-23T09:30"}, "đúng một trong hai"),
        ({"received": "2026-04-23T09:30", "working_days": 5, "working_hours": 8}, "đúng một trong hai"),
        ({"received": "2026-04-23T09:30", "working_days": -1}, "phải từ 0 đến 365"),
        ({"received": "2026-04-23T09:30", "working_days": 366}, "phải từ 0 đến 365"),
        ({"received": "2026-04-23T09:30", "working_days": "năm"}, "phải là số"),
        ({"received": "2026-04-23T09:30", "working_days": "2.5"}, "phải là số"),
        ({"received": "2026-04-23T09:30", "working_hours": -0.5}, "phải từ 0 đến 2920"),
        ({"received": "2026-04-23T09:30", "working_hours": "1e9"}, "phải từ 0 đến 2920"),
        ({"received": "2026-04-23T09:30", "working_hours": "nan"}, "phải là số"),
        ({"received": "2026-04-23T09:30", "working_hours": "inf"}, "phải là số"),
        ({"received": "hôm qua", "working_days": 5}, "không đúng định dạng ngày giờ"),
        ({"received": "2026-02-30T09:30", "working_days": 5}, "không đúng định dạng ngày giờ"),
        ({"received": "2098-02-29T09:30", "working_days": 5}, "không đúng định dạng ngày giờ"),
        ({"received": "2026-04-23 09:30", "working_days": 5}, "không đúng định dạng ngày giờ"),
        ({"received": "1776400000", "working_days": 5}, "không đúng định dạng ngày giờ"),
        ({"received": "2101-01-03T09:30", "working_days": 5}, "nằm ngoài các năm 1976–2098"),
        ({"received": "1850-01-03T09:30", "working_days": 5}, "nằm ngoài các năm 1976–2098"),
        ({"received": "2100-12-30T09:30", "working_days": 5}, "nằm ngoài các năm 1976–2098"),
        ({"received": "0001-01-01T00:00:00+14:00", "working_hours": 1}, "nằm ngoài các năm 1976–2098"),
        ({"received": "2026-04-23T09:30", "working_day": 5}, "Cần đúng một trong hai tham số"),
        ({"received": "2026-04-23T09:30", "working_days": [5, 6]}, "chỉ được gửi một lần"),
    ],
)
def test_due_date_bad_parameters_give_422_in_vietnamese(client, params, fragment):
    # when
    response = client.get(DUE, params)

    # then
    assert response.status_code == 422, response.content
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(
    ("received", "received_on"),
    [
        ("2026-04-23", "2026-04-23"),  # a date alone: the start of that day
        ("2026-04-23T09:30:15.5", "2026-04-23"),
        ("2000-02-29T09:00", "2000-02-29"),
        ("2096-02-29T09:00+07:00", "2096-02-29"),
        ("1976-01-01T00:00+14:00", "1976-01-02"),  # 31/12/1975 17:00 in Việt Nam
    ],
)
def test_due_date_accepts_every_documented_form_of_received(client, received, received_on):
    response = client.get(DUE, {"received": received, "working_days": 0})
    assert response.status_code == 200, response.content
    assert response.json()["received_on"] == received_on


def test_received_years_leave_room_for_a_year_of_deadline_inside_the_package():
    # then the documented years, plus a year of deadline, stay inside the holidays package
    assert calendar.first_year() < RECEIVED_YEARS[0]
    assert RECEIVED_YEARS[1] + 2 <= calendar.last_year()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    received=st.from_regex(RECEIVED_PATTERN),
    days=st.integers(0, MAX_WORKING_DAYS),
    hours=st.floats(0, MAX_WORKING_HOURS),
    by_hours=st.booleans(),
)
def test_every_schema_valid_request_gets_an_answer(client, received, days, hours, by_hours):
    # given any request the OpenAPI document admits
    params = {"received": received, "working_hours" if by_hours else "working_days": hours if by_hours else days}

    # when
    response = client.get(DUE, params)

    # then
    assert response.status_code == 200, (params, response.content)
    assert response.json()["received"].endswith("+07:00")


def test_holidays_lists_the_effective_days_off_of_a_year(client):
    # given an admin day off and an admin working day replacing a package holiday
    CalendarDay.objects.create(
        date=date(2026, 2, 14), kind=CalendarDay.Kind.DAY_OFF, name="Nghỉ Tết", legal_basis="Công văn 9859/VPCP-KGVX"
    )
    CalendarDay.objects.create(date=date(2026, 11, 24), kind=CalendarDay.Kind.WORKING_DAY, name="Làm việc")

    # when
    response = client.get(HOLIDAYS, {"year": 2026})

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    days = {d["date"]: d for d in body["days_off"]}
    assert days["2026-02-14"] == {
        "date": "2026-02-14",
        "display": "14/02/2026",
        "name": "Nghỉ Tết",
        "source": "admin",
        "legal_basis": "Công văn 9859/VPCP-KGVX",
    }
    assert days["2026-04-27"]["source"] == "package"
    assert "2026-11-24" not in days
    assert [d["date"] for d in body["working_weekends"]] == ["2026-08-22"]


def test_holidays_defaults_to_the_current_year(client):
    response = client.get(HOLIDAYS)
    assert response.status_code == 200
    assert response.json()["days_off"]


@pytest.mark.parametrize("year", ["1800", "2101", "năm nay", "2026.5"])
def test_holidays_bad_year_gives_422(client, year):
    response = client.get(HOLIDAYS, {"year": year})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_openapi_documents_every_status_of_the_calendar_endpoints(client):
    # when
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    # then
    for path in ("/api/v1/calendar/due-date", "/api/v1/calendar/holidays"):
        assert {"200", "400", "404", "422"} <= set(paths[path]["get"]["responses"])
    # and the due-date parameters are documented, "exactly one of" included
    parameters = {p["name"]: p for p in paths["/api/v1/calendar/due-date"]["get"]["parameters"]}
    assert set(parameters) == {"received", "working_days", "working_hours"}
    assert parameters["received"]["required"] and parameters["received"]["schema"]["pattern"] == RECEIVED_PATTERN
    assert "đúng một trong hai" in parameters["working_days"]["description"]


any_datetime = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.none() | st.timezones()
).map(lambda dt: dt.isoformat())
any_param = st.none() | st.text(max_size=12) | st.integers(-(10**6), 10**6).map(str) | st.floats().map(str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(received=any_datetime | st.text(max_size=30), days=any_param, hours=any_param)
def test_due_date_never_fails_with_a_server_error(client, received, days, hours):
    # given arbitrary query parameters
    params = {"received": received}
    if days is not None:
        params["working_days"] = days
    if hours is not None:
        params["working_hours"] = hours

    # when
    response = client.get(DUE, params)

    # then either an answer or a Vietnamese 4xx
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert response.json()["detail"]


def test_due_date_ignores_unknown_parameters_such_as_cache_busters(client):
    # given a browser that appends "_=<timestamp>" / when / then the answer is unchanged
    response = client.get(DUE, {"received": "2026-04-23T09:30", "working_days": 5, "_": "1777000000"})
    assert response.status_code == 200
    assert response.json()["due"] == "2026-05-05"
