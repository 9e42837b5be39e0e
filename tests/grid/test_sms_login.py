"""SMS-code sign-in: only citizens and grid workers; staff numbers get a neutral answer."""

from datetime import timedelta

import pytest
from django.urls import reverse

from grid import accounts
from grid.models import LoginCode, User

URL = "/accounts/login/sms/"


def _code(capsys) -> str:
    return capsys.readouterr().out.split("验证码是")[1][:6]


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_sms_login_creates_account_and_logs_in(client, capsys, db):
    client.post(URL, {"step": "send", "phone": "13655556666"})
    code = _code(capsys)
    assert LoginCode.objects.get().code_hash != code
    response = client.post(URL, {"step": "login", "phone": "13655556666", "code": _wrong(code)})
    assert "验证码不正确" in response.content.decode()
    response = client.post(URL, {"step": "login", "phone": "13655556666", "code": code, "next": "/appeals/mine/"})
    assert response.status_code == 302 and response["Location"] == "/appeals/mine/"
    assert client.get("/appeals/mine/").status_code == 200
    assert User.objects.get(phone="13655556666").role == "citizen"


def test_sms_code_requests_are_throttled(client, db):
    client.post(URL, {"step": "send", "phone": "13655556666"})
    response = client.post(URL, {"step": "send", "phone": "13655556666"})
    assert "秒后再重新获取" in response.content.decode()
    assert LoginCode.objects.count() == 1


def test_password_login_page_links_to_sms_login(client, db):
    assert reverse("grid:sms_login") in client.get(reverse("grid:login")).content.decode()


def test_old_sms_login_address_redirects(client, db):
    response = client.get("/appeals/login/sms/?next=/appeals/mine/")
    assert response.status_code == 301 and response["Location"] == URL + "?next=/appeals/mine/"


def test_grid_worker_signs_in_with_a_code(client, grid_worker, capsys):
    grid_worker.phone = "13655557777"
    grid_worker.save()
    client.post(URL, {"step": "send", "phone": "13655557777"})
    response = client.post(URL, {"step": "login", "phone": "13655557777", "code": _code(capsys)})
    assert response.status_code == 302
    assert client.get("/").context["user"] == grid_worker


@pytest.mark.parametrize("who", ["admin_user", "east_centre_staff", "east_handler", "mediator", "lawyer"])
def test_an_sms_code_cannot_open_a_staff_account(client, capsys, request, who):
    staff = request.getfixturevalue(who)
    staff.phone = "13800000001"
    staff.save()
    response = client.post(URL, {"step": "send", "phone": "13800000001"})
    page = response.content.decode()
    out = capsys.readouterr().out
    assert "验证码是" not in out and "请使用用户名和密码登录" in out  # no code exists; the owner is told why
    assert "验证码已发送到138****0001" in page  # the same answer as for any other number
    for guess in ("000000", "123456"):
        response = client.post(URL, {"step": "login", "phone": "13800000001", "code": guess})
        assert "验证码不正确" in response.content.decode()
    assert client.get("/").context["user"].is_anonymous
    assert client.get("/admin/").status_code == 302


def test_a_code_issued_before_the_number_became_staff_does_not_open_the_account(db, capsys, east_centre_staff):
    accounts.request_login_code(phone="13800000002")
    code = _code(capsys)
    east_centre_staff.phone = "13800000002"
    east_centre_staff.save()
    with pytest.raises(accounts.AccountError, match="不正确"):
        accounts.login_with_code(phone="13800000002", code=code)


def test_citizen_promoted_to_staff_loses_the_sms_door(db, capsys, citizen):
    citizen.is_staff = True
    citizen.save()
    accounts.request_login_code(phone=citizen.phone)
    assert "验证码是" not in capsys.readouterr().out


def test_login_code_expires_and_locks_after_five_wrong_tries(db, capsys):
    accounts.request_login_code(phone="13655550000", ip="10.0.0.1")
    code = _code(capsys)
    for _ in range(5):
        with pytest.raises(accounts.AccountError, match="不正确"):
            accounts.login_with_code(phone="13655550000", code=_wrong(code))
    with pytest.raises(accounts.RateLimited, match="次数过多"):
        accounts.login_with_code(phone="13655550000", code=code)
    LoginCode.objects.update(attempts=0, expires_at=LoginCode.objects.get().created_at - timedelta(seconds=1))
    with pytest.raises(accounts.AccountError, match="已过期"):
        accounts.login_with_code(phone="13655550000", code=code)


def test_login_code_is_single_use(db, capsys):
    accounts.request_login_code(phone="13655550001")
    user = accounts.login_with_code(phone="13655550001", code=(code := _code(capsys)))
    assert user.phone == "13655550001" and user.role == "citizen"
    with pytest.raises(accounts.AccountError):
        accounts.login_with_code(phone="13655550001", code=code)


def test_rate_limits_are_not_transition_refusals(db):
    from grievances.services import GrievanceError

    accounts.request_login_code(phone="13655550003")
    with pytest.raises(accounts.RateLimited) as exc:
        accounts.request_login_code(phone="13655550003")
    assert not isinstance(exc.value, GrievanceError)
