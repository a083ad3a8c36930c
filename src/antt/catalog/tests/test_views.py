def test_catalogue_page_finds_the_passport_without_accents(catalog, client):
    # when
    response = client.get("/thu-tuc/", {"q": "cap ho chieu"})
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cấp hộ chiếu phổ thông" in html
    assert '<label for="id_q">Tìm thủ tục</label>' in html
    assert "Đăng ký thường trú" not in html


def test_catalogue_page_lists_everything_without_a_query(catalog, client):
    response = client.get("/thu-tuc/")
    assert response.status_code == 200
    assert "Kết quả: 120 thủ tục" in response.content.decode()


def test_catalogue_page_refuses_an_unknown_field_with_a_message(catalog, client):
    response = client.get("/thu-tuc/", {"field": "khong-co"})
    assert response.status_code == 400
    assert "Lĩnh vực không tồn tại." in response.content.decode()


def test_detail_page_shows_fees_in_dong_and_the_internal_process(catalog, client):
    response = client.get("/thu-tuc/1.004222/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "20.000 đ" in html
    assert "Cán bộ tiếp nhận" in html


def test_detail_page_of_an_unknown_code_is_404(catalog, client):
    assert client.get("/thu-tuc/0.000000/").status_code == 404


def test_catalogue_page_costs_a_constant_number_of_queries(catalog, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/thu-tuc/", {"q": "dang ky"})
    assert response.status_code == 200
