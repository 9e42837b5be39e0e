from tests.factories import PASSWORD


def test_citizen_logs_in_with_mobile_number(client, citizen):
    response = client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == citizen


def test_staff_log_in_with_username(client, east_centre_staff):
    response = client.post("/accounts/login/", {"username": east_centre_staff.username, "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_gets_a_chinese_message(client, citizen):
    response = client.post("/accounts/login/", {"username": citizen.phone, "password": "nope"})
    assert "手机号码/用户名或密码不正确。" in response.content.decode()


def test_invalid_mobile_is_refused(db):
    import pytest
    from django.core.exceptions import ValidationError

    from grid.models import User

    with pytest.raises(ValidationError) as exc:
        User(username="x", phone="12345678901", display_name="x", role="citizen").full_clean()
    assert "请输入有效的11位中国大陆手机号码。" in exc.value.message_dict["phone"]


def test_large_text_mode_toggles(client, db):
    client.post("/large-text/", {"next": "/"})
    assert 'class="large-text' in client.get("/").content.decode()
