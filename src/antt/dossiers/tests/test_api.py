"""The staff dossier API (/api/v1/dossiers): create with an idempotency key, scoping, every
error class as a Vietnamese 4xx, a whole flow through /transitions, logged personal reads."""

import json
from unittest import mock

import pytest
from django.test import Client

from antt.core.models import AuditEvent, Counter
from antt.dossiers import services
from antt.dossiers.models import Dossier, Status
from antt.dossiers.tests.factories import one_stop_world
from antt.org.models import Role
from antt.org.otp import login_verified
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/dossiers"


@pytest.fixture
def w():
    return one_stop_world(days=3)


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def body(w, **overrides) -> dict:
    data = {
        "procedure": w.procedure.code,
        "level": "commune",
        "applicant": {
            "name": "Đặng  Thị Ngọc Hường",
            "id_number": "038190000123",
            "birth_date": "1990-02-17",
            "phone": "0912 345 678",
            "email": "huong@example.vn",
            "address": "Số 5 đường Lê Lợi",
        },
        "documents": [{"required_document_id": d.pk, "originals": 1} for d in w.version.documents.all()],
        "delivery": "counter",
    }
    data.update(overrides)
    return data


def post(client, path, data, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


def create(w, client=None, **overrides) -> dict:
    response = post(client or client_for(w.receptionist), BASE, body(w, **overrides))
    assert response.status_code == 201, response.content
    return response.json()


def act(client, code, action, **params):
    return post(client, f"{BASE}/{code}/transitions", {"action": action, **params})


# --- Create and idempotency ---------------------------------------------------------------


def test_counter_create_answers_201_with_code_due_date_and_the_receipt_token(w):
    # given a receptionist signed in with the second factor
    client = client_for(w.receptionist)
    # when the counter posts a complete dossier
    response = post(client, BASE, body(w), **{"Idempotency-Key": "a1b2c3"})
    # then the dossier exists with its official code, due date and lookup token
    assert response.status_code == 201, response.content
    data = response.json()
    d = Dossier.objects.get(code=data["code"])
    assert data["code"].startswith("H56.14-")
    assert data["status"] == Status.RECEIVED and data["created"] is True
    assert data["due_at"] is not None and data["deadline_state"] in ("on_time", "due_soon")
    assert data["token"] == d.token and data["lookup_url"].endswith(f"/tra-cuu/ho-so/{d.token}/")
    assert d.applicant_name == "Đặng Thị Ngọc Hường" and d.documents.count() == 2
    assert d.idempotency_key == "a1b2c3" and d.created_by == w.receptionist
    assert AuditEvent.objects.filter(object_id=str(d.pk), action="create", actor=w.receptionist).exists()


def test_a_retry_with_the_same_key_returns_the_same_dossier_with_200(w):
    # given a first request that made a dossier (its answer lost on the way back)
    client = client_for(w.receptionist)
    first = post(client, BASE, body(w), **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201
    # when the client sends it again with the same key
    again = post(client, BASE, body(w), **{"Idempotency-Key": "retry-1"})
    # then the same dossier comes back, with 200, and no second one exists
    assert again.status_code == 200
    assert again.json()["code"] == first.json()["code"] and again.json()["created"] is False
    assert again.json()["token"] == first.json()["token"]
    assert Dossier.objects.count() == 1
    # and a new key makes a new dossier
    assert post(client, BASE, body(w), **{"Idempotency-Key": "retry-2"}).status_code == 201
    assert Dossier.objects.count() == 2


def test_the_same_key_for_another_request_is_refused_and_creates_nothing(w):
    client = client_for(w.receptionist)
    assert post(client, BASE, body(w), **{"Idempotency-Key": "k-9"}).status_code == 201
    other = body(w)
    other["applicant"] = {**other["applicant"], "name": "Lê Văn Khác", "id_number": "038090000456"}
    other["applicant"].pop("birth_date")
    response = post(client, BASE, other, **{"Idempotency-Key": "k-9"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Idempotency-Key đã dùng cho một yêu cầu khác."
    assert response.json()["field"] == "Idempotency-Key"
    assert Dossier.objects.count() == 1


def test_the_key_belongs_to_the_officer_who_used_it(w):
    # given two receptionists of the same unit using the same key by chance
    colleague = make_officer(w.unit, role=Role.RECEPTIONIST)
    first = post(client_for(w.receptionist), BASE, body(w), **{"Idempotency-Key": "shared"})
    second = post(client_for(colleague), BASE, body(w), **{"Idempotency-Key": "shared"})
    # then each gets their own dossier
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] != second.json()["code"]


def test_two_requests_racing_with_one_key_make_one_dossier_through_the_constraint(w):
    # given the first request committed its dossier
    client = client_for(w.receptionist)
    first = post(client, BASE, body(w), **{"Idempotency-Key": "race"})
    real = services._existing_for_key
    calls = []

    def late_check(actor, key):
        # the second request checked for the key just before the first one committed
        calls.append(key)
        return None if len(calls) == 1 else real(actor, key)

    # when the second one inserts: the unique (created_by, idempotency_key) constraint refuses it
    with mock.patch.object(services, "_existing_for_key", late_check):
        second = post(client, BASE, body(w), **{"Idempotency-Key": "race"})
    # then it answers with the first dossier, and the day's number was given back (no gap)
    assert len(calls) == 2
    assert second.status_code == 200 and second.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1
    assert Counter.objects.get().value == 1
    assert create(w)["code"].endswith("-0002")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"applicant": {"name": "A", "id_number": "999190000123", "phone": "0912345678"}},
            "applicant.id_number",
            "mã tỉnh",
        ),
        ({"applicant": {"name": "A", "id_number": "038190000123", "phone": "12"}}, "applicant.phone", "điện thoại"),
        ({"procedure": "KHONG.CO"}, "procedure", "Thủ tục không tồn tại"),
        ({"level": "province"}, "level", "cấp"),
        ({"documents": [{"required_document_id": 999999, "originals": 1}]}, "documents", "không thuộc thủ tục"),
        ({"unit_id": 2**60}, "unit_id", "Đơn vị giải quyết"),
    ],
)
def test_bad_input_on_create_is_a_vietnamese_422_with_its_field_and_changes_nothing(w, change, field, words):
    response = post(client_for(w.receptionist), BASE, body(w, **change))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert words in response.json()["detail"]
    assert not Dossier.objects.exists()
    assert not Counter.objects.filter(value__gt=0).exists()


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"procedure": "X", "level": "commune"},
        {"procedure": "X", "level": "nowhere", "applicant": {"name": "A", "phone": "0912345678"}},
        {"procedure": "X\x00", "level": "commune", "applicant": {"name": "A", "phone": "0912345678"}},
        {"procedure": "X", "level": "commune", "applicant": {"name": "A", "phone": "0912345678"}, "fee_amount": -1},
    ],
)
def test_malformed_bodies_are_422_never_500(w, payload):
    response = post(client_for(w.receptionist), BASE, payload)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_malformed_idempotency_key_is_422(w):
    response = post(client_for(w.receptionist), BASE, body(w), **{"Idempotency-Key": "x" * 101})
    assert response.status_code == 422
    assert not Dossier.objects.exists()


# --- Scoping and authentication -----------------------------------------------------------


def test_without_a_session_every_operation_is_401(w):
    code = create(w)["code"]
    anonymous = Client()
    assert anonymous.get(BASE).status_code == 401
    assert anonymous.get(f"{BASE}/{code}").status_code == 401
    assert anonymous.get(f"{BASE}/{code}/actions").status_code == 401
    assert post(anonymous, BASE, body(w)).status_code == 401
    response = post(anonymous, f"{BASE}/{code}/transitions", {"action": "start"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Chưa đăng nhập hoặc phiên đã hết hạn."


def test_a_password_without_the_second_factor_is_401(w, settings):
    settings.ANTT_REQUIRE_2FA = True
    client = Client()
    client.force_login(w.receptionist)
    assert client.get(BASE).status_code == 401


def test_a_role_without_dossier_view_is_403(w):
    code = create(w)["code"]
    admin = client_for(make_officer(w.unit, role=Role.UNIT_ADMIN))
    for response in (
        admin.get(BASE),
        admin.get(f"{BASE}/{code}"),
        admin.get(f"{BASE}/{code}/actions"),
        post(admin, f"{BASE}/{code}/transitions", {"action": "start"}),
        post(admin, BASE, body(w)),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["detail"]
    assert Dossier.objects.count() == 1


def test_a_dossier_of_another_unit_is_404_and_cannot_be_changed(w):
    # given a dossier of Hạc Thành
    code = create(w)["code"]
    other = client_for(w.other_receptionist)
    # then the receptionist of Hàm Rồng neither sees nor moves it
    assert other.get(f"{BASE}/{code}").status_code == 404
    assert other.get(f"{BASE}/{code}/actions").status_code == 404
    response = act(other, code, "withdraw", reasons="Thử")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy hồ sơ."
    assert other.get(BASE).json()["count"] == 0
    assert Dossier.objects.get(code=code).status == Status.RECEIVED
    # and the province supervisor sees it (the unit is below the province)
    assert client_for(w.supervisor).get(f"{BASE}/{code}").status_code == 200


def test_a_code_that_does_not_exist_is_404(w):
    client = client_for(w.receptionist)
    assert client.get(f"{BASE}/H56.14-000000-0001").status_code == 404
    assert client.get(f"{BASE}/{'X' * 61}").status_code == 422


# --- List ---------------------------------------------------------------------------------


def test_list_is_scoped_filtered_paginated_and_carries_no_personal_data(w, django_assert_max_num_queries):
    # given three dossiers here and one in another unit
    codes = [create(w)["code"] for _ in range(3)]
    create(w, client_for(w.other_receptionist))
    client = client_for(w.receptionist)
    act(client, codes[0], "start", assignee_id=w.processor.pk)
    # when the list is read
    with django_assert_max_num_queries(8):
        response = client.get(BASE, {"page_size": 2})
    # then only this unit's dossiers, newest first, two per page
    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 3 and [i["code"] for i in data["items"]] == codes[::-1][:2]
    assert client.get(BASE, {"page": 2, "page_size": 2}).json()["items"][0]["code"] == codes[0]
    text = response.content.decode()
    assert "Hường" not in text and "038190000123" not in text and "0912345678" not in text
    # and the filters narrow it
    assert [i["code"] for i in client.get(BASE, {"status": "processing"}).json()["items"]] == [codes[0]]
    assert client.get(BASE, {"q": codes[1][-4:]}).json()["items"][0]["code"] == codes[1]
    assert client.get(BASE, {"procedure": w.procedure.code}).json()["count"] == 3
    assert client.get(BASE, {"procedure": "KHAC"}).json()["count"] == 0
    assert client.get(BASE, {"unit": w.other_unit.pk}).json()["count"] == 0
    today = Dossier.objects.get(code=codes[0]).received_at.astimezone().date().isoformat()
    assert client.get(BASE, {"received_from": today, "received_to": today}).json()["count"] == 3
    assert client.get(BASE, {"received_to": "2000-01-01"}).json()["count"] == 0
    assert client.get(BASE, {"received_from": "1777000000"}).status_code == 422
    assert client.get(BASE, {"status": "bogus"}).status_code == 422
    assert client.get(BASE, {"q": "a\x00b"}).status_code == 422


# --- Detail and personal data ---------------------------------------------------------------


def test_detail_shows_the_applicant_to_person_view_roles_and_logs_the_read(w, django_assert_max_num_queries):
    code = create(w)["code"]
    d = Dossier.objects.get(code=code)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).count()
    client = client_for(w.receptionist)
    # when the receptionist opens the dossier
    with django_assert_max_num_queries(
        16
    ):  # session, user, device, visible units, the dossier and its rows, the audit entry
        response = client.get(f"{BASE}/{code}")
    # then the full applicant, the steps, events and documents, and one logged read
    data = response.json()
    assert response.status_code == 200
    assert data["applicant"]["full"] is True
    assert data["applicant"]["id_number"] == "038190000123" and data["applicant"]["phone"] == "0912345678"
    assert [s["order"] for s in data["steps"]] == sorted(s["order"] for s in data["steps"])
    assert data["steps"][0]["state"] == "done" and data["events"][0]["action"] == "receive"
    assert {doc["name"] for doc in data["documents"]} == set(w.version.documents.values_list("name", flat=True))
    assert data["row_version"] == d.row_version and data["portal_status_code"] == 2
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL, object_id=str(d.pk))
    assert reads.count() == before + 1
    assert reads.get().actor == w.receptionist and "applicant_id_number" in reads.get().changes["fields"]


def test_detail_masks_the_applicant_for_a_supervisor_and_logs_nothing(w):
    code = create(w)["code"]
    response = client_for(w.supervisor).get(f"{BASE}/{code}")
    applicant = response.json()["applicant"]
    assert response.status_code == 200
    assert applicant["full"] is False
    assert applicant["name"] == "Đ*** T** N*** H****"
    assert applicant["id_number"].endswith("123") and "038190" not in applicant["id_number"]
    assert applicant["email"] == "" and applicant["birth_date"] is None
    assert "038190000123" not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ_PERSONAL).exists()


# --- Transitions --------------------------------------------------------------------------


def test_the_whole_way_through_transitions(w):
    # given a dossier received at the counter
    reception, processor, head = client_for(w.receptionist), client_for(w.processor), client_for(w.head)
    code = create(w)["code"]
    actions = {a["action"] for a in reception.get(f"{BASE}/{code}/actions").json()}
    assert {"start", "withdraw", "request_supplement"} <= actions and "approve" not in actions
    # when it goes through each step
    r = act(reception, code, "start", assignee_id=w.processor.pk, note="Chuyển xử lý")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "processing" and r.json()["assignee_id"] == w.processor.pk
    assert act(processor, code, "attach_result", name="Xác nhận thông tin cư trú").status_code == 200
    r = act(processor, code, "forward", assignee_id=w.head.pk, note="Đủ điều kiện")
    assert r.status_code == 200, r.content
    assert r.json()["assignee_id"] == w.head.pk
    assert "approve" in {a["action"] for a in head.get(f"{BASE}/{code}/actions").json()}
    r = act(head, code, "approve", note="Đồng ý")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "processed"
    r = act(reception, code, "return")
    # then it is returned, with every event in order
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "returned" and r.json()["actions"] == []
    events = [e["action"] for e in reception.get(f"{BASE}/{code}").json()["events"]]
    assert events == ["receive", "start", "attach_result", "forward", "approve", "return"]
    d = Dossier.objects.get(code=code)
    assert d.results.get().code == f"{code}-KQ1"
    transitions = AuditEvent.objects.filter(object_type="dossiers.dossier", object_id=str(d.pk), action="transition")
    assert [e.changes["action"] for e in transitions.order_by("seq")] == ["start", "forward", "approve", "return"]
    assert [e.actor for e in transitions.order_by("seq")] == [w.receptionist, w.processor, w.head, w.receptionist]


def test_supplement_fee_and_payment_through_transitions(w):
    client = client_for(w.receptionist)
    code = create(w)["code"]
    r = act(client, code, "request_supplement", items=["Giấy tờ chứng minh chỗ ở"], reasons="Thiếu bản chính")
    assert r.status_code == 200 and r.json()["status"] == "supplement"
    d = Dossier.objects.get(code=code)
    assert d.supplement_requests.get().items == ["Giấy tờ chứng minh chỗ ở"]
    code2 = create(w)["code"]
    r = act(client, code2, "request_fee", amount=50000)
    assert r.status_code == 200 and r.json()["status"] == "fee_requested"
    assert "record_payment" in {a["action"] for a in r.json()["actions"]}
    r = act(client, code2, "record_payment", reference="BL-0001")
    assert r.status_code == 200 and r.json()["status"] == "received"
    assert Dossier.objects.get(code=code2).fee_receipt_ref == "BL-0001"


def test_an_unknown_action_is_422_listing_the_allowed_ones(w):
    code = create(w)["code"]
    response = act(client_for(w.receptionist), code, "teleport")
    assert response.status_code == 422
    assert response.json()["field"] == "action"
    assert "accept" in response.json()["detail"] and "withdraw" in response.json()["detail"]


def test_a_transition_not_allowed_now_is_409_and_changes_nothing(w):
    code = create(w)["code"]
    response = act(client_for(w.head), code, "approve")
    assert response.status_code == 409
    assert "Phê duyệt" in response.json()["detail"]
    assert Dossier.objects.get(code=code).status == Status.RECEIVED


def test_a_role_not_allowed_to_act_is_403(w):
    code = create(w)["code"]
    response = act(client_for(w.supervisor), code, "withdraw", reasons="Thử")
    assert response.status_code == 403
    assert response.json()["detail"] == "Vai trò của bạn không được thực hiện thao tác này."
    assert Dossier.objects.get(code=code).status == Status.RECEIVED


def test_a_stale_row_version_is_409_and_the_current_one_succeeds(w):
    client = client_for(w.receptionist)
    code = create(w)["code"]
    seen = client.get(f"{BASE}/{code}").json()["row_version"]
    # given another officer changed the dossier since it was read
    assert act(client_for(w.head), code, "assign", assignee_id=w.processor2.pk).status_code == 200
    # when the first one acts on what they saw
    response = act(client, code, "start", assignee_id=w.processor.pk, row_version=seen)
    # then 409, and nothing changed
    assert response.status_code == 409
    assert "cán bộ khác cập nhật" in response.json()["detail"]
    d = Dossier.objects.get(code=code)
    assert d.status == Status.RECEIVED and d.assignee == w.processor2
    response = act(client, code, "start", assignee_id=w.processor.pk, row_version=d.row_version)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("action", "params", "field"),
    [
        ("request_supplement", {"items": [], "reasons": "Thiếu"}, "items"),
        ("stop", {}, "reasons"),
        ("request_fee", {}, "amount"),
        ("apologise", {"reason": "Chậm"}, "new_due_date"),
        ("assign", {}, "assignee_id"),
        ("start", {"assignee_id": 2**60}, "assignee_id"),
    ],
)
def test_bad_transition_input_is_422_with_its_field(w, action, params, field):
    code = create(w)["code"]
    response = act(client_for(w.head), code, action, **params)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert Dossier.objects.get(code=code).status == Status.RECEIVED


def test_an_officer_of_another_unit_cannot_be_assigned(w):
    code = create(w)["code"]
    other_processor = make_officer(w.other_unit, role=Role.PROCESSOR)
    response = act(client_for(w.receptionist), code, "start", assignee_id=other_processor.pk)
    assert response.status_code == 422 and response.json()["field"] == "assignee_id"
    assert Dossier.objects.get(code=code).assignee is None


# --- The OpenAPI document -------------------------------------------------------------------


def test_openapi_document_renders_and_each_operation_declares_its_errors(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    ours = {
        (path, method): op
        for path, ops in paths.items()
        if path.startswith(BASE) and not path.endswith("/lookup")
        for method, op in ops.items()
    }
    assert set(ours) == {
        (BASE, "get"),
        (BASE, "post"),
        (f"{BASE}/{{code}}", "get"),
        (f"{BASE}/{{code}}/actions", "get"),
        (f"{BASE}/{{code}}/transitions", "post"),
    }
    for (path, method), op in ours.items():
        declared = set(op["responses"])
        assert {"401", "403", "404", "422"} <= declared, (path, method)
        assert op.get("security"), (path, method)
        if method == "post":
            assert "409" in declared, path
    assert {"200", "201"} <= set(ours[(BASE, "post")]["responses"])
    header = [p for p in ours[(BASE, "post")]["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in header] == ["Idempotency-Key"]


def test_the_public_lookup_is_not_shadowed_by_the_staff_detail_path(client, w):
    # `POST /dossiers/lookup` belongs to the public router mounted at the same prefix
    response = post(client, f"{BASE}/lookup", {"code": "H56.14-000000-0001", "phone_last4": "1234"})
    assert response.status_code == 404
    assert response.json()["detail"]
    # and a staff GET of "lookup" is not a dossier
    assert client_for(w.receptionist).get(f"{BASE}/lookup").status_code in (404, 405)
