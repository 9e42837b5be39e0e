"""Brute-force protection on every login door: per account and per client address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_logged_in, user_login_failed

from tests.factories import PASSWORD

LOCKED = "该账号已被锁定"


def _fail(client, url, username, times, **extra):
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"}, **extra)
    return response


def test_ten_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, citizen):
    response = _fail(client, "/accounts/login/", citizen.phone, 9)
    assert "手机号码/用户名或密码不正确" in response.content.decode()
    response = _fail(client, "/accounts/login/", citizen.phone, 1)
    page = response.content.decode()
    assert response.status_code == 429 and LOCKED in page
    assert f'value="{citizen.phone}"' in page and "wrong-password" not in page  # typed name kept, not the password
    response = client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    assert LOCKED in response.content.decode()
    assert client.get("/").context["user"].is_anonymous


def test_admin_login_is_locked_too(client, admin_user):
    response = _fail(client, "/admin/login/", "admin", 10)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302


def test_username_and_phone_count_against_the_same_account(client, east_centre_staff):
    east_centre_staff.phone = "13800000009"
    east_centre_staff.save()
    _fail(client, "/accounts/login/", east_centre_staff.username, 5)
    response = _fail(client, "/accounts/login/", "13800000009", 5)
    assert LOCKED in response.content.decode()


def test_the_lock_lifts_after_the_cool_off(client, citizen, settings):
    _fail(client, "/accounts/login/", citizen.phone, 10)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time
                                 - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD}).status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, citizen):
    _fail(client, "/accounts/login/", citizen.phone, 9)
    assert client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD}).status_code == 302
    client.logout()
    response = _fail(client, "/accounts/login/", citizen.phone, 1)
    assert LOCKED not in response.content.decode()


def test_failures_from_one_address_lock_that_address_only(client, citizen, other_citizen, settings, db):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    for n in range(6):
        _fail(client, "/accounts/login/", f"nobody{n}", 1, HTTP_X_FORWARDED_FOR="198.51.100.7")
    blocked = client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD},
                          HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "当前网络登录失败次数过多" in blocked.content.decode()
    other = client.post("/accounts/login/", {"username": other_citizen.phone, "password": PASSWORD},
                        HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_wrong_sms_codes_count_and_a_locked_account_gets_no_sms_login(client, citizen, capsys):
    url = "/accounts/login/sms/"
    client.post(url, {"step": "send", "phone": citizen.phone})
    code = capsys.readouterr().out.split("验证码是")[1][:6]
    client.post(url, {"step": "login", "phone": citizen.phone, "code": "000000" if code != "000000" else "111111"})
    assert AccessAttempt.objects.get(username=citizen.username).failures_since_start == 1
    _fail(client, "/accounts/login/", citizen.phone, 9)
    response = client.post(url, {"step": "login", "phone": citizen.phone, "code": code})
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert client.get("/").context["user"].is_anonymous


def test_an_administrator_unlocks_an_account_in_the_admin(client, admin_user, citizen):
    _fail(client, "/accounts/login/", citizen.phone, 10)
    client.force_login(admin_user)
    response = client.post("/admin/grid/user/", {"action": "unlock_login", "_selected_action": [citizen.pk]},
                           follow=True)
    assert "已为1个账号解除登录锁定" in response.content.decode()
    client.logout()
    assert client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD}).status_code == 302


def test_a_centre_leader_cannot_unlock_an_administrator(db, east_centre_leader, admin_user):
    from grid import accounts

    with pytest.raises(accounts.AccountError):
        accounts.unlock_login(actor=east_centre_leader, user=admin_user)


def test_login_signals_still_fire_for_the_audit_trail(client, citizen):
    seen = []

    def failed(sender, credentials, request=None, **kw):
        seen.append(("failed", credentials.get("username")))

    def ok(sender, request, user, **kw):
        seen.append(("ok", user.pk))

    user_login_failed.connect(failed)
    user_logged_in.connect(ok)
    try:
        _fail(client, "/accounts/login/", citizen.phone, 1)
        client.post("/accounts/login/", {"username": citizen.phone, "password": PASSWORD})
    finally:
        user_login_failed.disconnect(failed)
        user_logged_in.disconnect(ok)
    assert seen == [("failed", citizen.phone), ("ok", citizen.pk)]


def test_signing_in_to_ones_own_account_does_not_reset_the_count_against_another(client, citizen, other_citizen):
    _fail(client, "/accounts/login/", citizen.phone, 9)
    assert client.post("/accounts/login/", {"username": other_citizen.phone, "password": PASSWORD}).status_code == 302
    client.logout()
    response = _fail(client, "/accounts/login/", citizen.phone, 1)
    assert LOCKED in response.content.decode()
