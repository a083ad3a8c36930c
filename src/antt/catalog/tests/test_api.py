import pytest


@pytest.fixture
def api(client):
    def get(path, **params):
        return client.get("/api/v1/procedures" + path, params)

    return get


def test_list_without_filters_lists_every_procedure_with_validity(catalog, api):
    # when
    response = api("", limit=200)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 120 and len(body["items"]) == 120
    item = next(i for i in body["items"] if i["code"] == "1.004222")
    assert item["legal_time"] == {"amount": 7.0, "unit": "working_days", "text": "7 ngày làm việc", "note": ""}
    assert item["levels"] == ["district", "commune"] or set(item["levels"]) == {"district", "commune"}
    assert item["in_force"] and item["field"]["slug"] == "cu-tru"
    abolished = [i for i in body["items"] if not i["in_force"]]
    assert abolished and all(i["valid_to"] == "2021-06-30" for i in abolished)


def test_list_is_paginated_with_a_default_of_50(catalog, api):
    # when
    body = api("").json()
    # then
    assert body["count"] == 120 and len(body["items"]) == 50


def test_list_filters_by_text_field_and_level(catalog, api):
    # when
    passport = api("", q="cap ho chieu").json()
    vehicles = api("", field="dang-ky-xe", level="district").json()
    # then
    assert "Cấp hộ chiếu phổ thông" in [i["name"] for i in passport["items"]]
    assert vehicles["count"] == 8


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"field": "khong-co"}, "Lĩnh vực không tồn tại"),
        ({"level": "ward"}, "không hợp lệ"),
        ({"online_level": "level4"}, "không hợp lệ"),
        ({"q": "x" * 201}, "Độ dài"),
        ({"limit": 500}, "ngoài khoảng"),
    ],
)
def test_bad_parameters_give_422_with_a_vietnamese_message(catalog, api, params, fragment):
    # when
    response = api("", **params)
    # then
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_detail_has_documents_fees_steps_and_versions(catalog, api):
    # when
    response = api("/1.004222")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["documents"][0]["form_code"].startswith("CT01")
    assert {f["channel"]: f["amount"] for f in body["fees"]} == {"in_person": 20000, "online": 10000}
    assert [s["role"] for s in body["steps"]] == ["receptionist", "processor", "head", "receptionist"]
    assert body["internal_target_hours"] <= body["max_internal_hours"] == 44.8
    assert len(body["versions"]) == 1 and body["versions"][0]["in_force"]
    assert "Luật Cư trú" in body["legal_basis"]


def test_unknown_code_gives_404_in_vietnamese(catalog, api):
    # when
    response = api("/0.000000")
    # then
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy thủ tục."


def test_list_costs_a_constant_number_of_queries(catalog, api, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api("", limit=200)
    assert response.status_code == 200


def test_nul_characters_never_reach_the_database(catalog, api):
    # PostgreSQL refuses NUL in text; the API must answer 4xx, not 500
    assert api("", q="ho\x00chieu").status_code == 200
    assert api("", field="cu\x00tru").status_code == 422
    assert api("/1.0\x0004222").status_code == 404


@pytest.mark.parametrize("on", ["0", "1777000000", "23/04/2026", "2026-4-23"])
def test_a_validity_date_must_be_an_iso_date(client, on):
    # given a date that pydantic alone would read as a Unix time, or a non-ISO form
    # when / then it is refused in Vietnamese, not silently read as 1970-01-01
    response = client.get("/api/v1/procedures", {"on": on})
    assert response.status_code == 422
    assert response.json()["detail"]
