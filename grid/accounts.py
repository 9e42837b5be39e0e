"""Account use-cases: signing in with a one-time SMS code, lifting a brute-force lock,
resetting a lost second-factor device.

SMS codes are for citizens and grid workers only (``permissions.may_log_in_by_sms``).
Staff and administrators sign in with a password; a code request for a staff member's
number gets the same answer on the page as any other number (nothing tells a stranger
whose number it is), no usable code is ever issued for it, and the staff member's phone
gets a notice instead of a code.

Refusals are ``AccountError`` with a Chinese message shown as is; throttles raise its
subclass ``RateLimited``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import permissions
from grid.models import LoginCode, Role, User

LOGIN_CODE_TTL = timedelta(minutes=5)
LOGIN_CODE_INTERVAL = timedelta(seconds=60)
LOGIN_CODES_PER_HOUR_PHONE = 5
LOGIN_CODES_PER_HOUR_IP = 20
LOGIN_CODE_ATTEMPTS = 5


class AccountError(Exception):
    """A refusal with a message for the person who asked."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


class RateLimited(AccountError):
    """Too many requests or tries: wait, or use another way in."""


def _code_hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"login:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _unusable_hash() -> str:
    # Not hex and one character short: no code ever hashes to it.
    return "!" + secrets.token_hex(31)


def _check_throttles(phone: str, ip: str | None, now) -> None:
    recent = LoginCode.objects.filter(phone=phone, created_at__gte=now - timedelta(hours=1))
    last = recent.order_by("-created_at").first()
    if last and last.created_at > now - LOGIN_CODE_INTERVAL:
        wait = int((last.created_at + LOGIN_CODE_INTERVAL - now).total_seconds()) + 1
        raise RateLimited(_("验证码已发送，请%(s)d秒后再重新获取。") % {"s": wait})
    if recent.count() >= LOGIN_CODES_PER_HOUR_PHONE:
        raise RateLimited(_("该手机号获取验证码过于频繁，请一小时后再试，或使用密码登录。"))
    if ip and LoginCode.objects.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count() >= (
        LOGIN_CODES_PER_HOUR_IP
    ):
        raise RateLimited(_("当前网络获取验证码过于频繁，请稍后再试。"))


@transaction.atomic
def request_login_code(*, phone: str, ip: str | None = None) -> None:
    """Send a 6-digit code by SMS (immediately: it is useless later). Throttled per phone
    (one a minute, five an hour) and per client address; only a keyed hash is stored.
    For a number that belongs to a staff account no code exists: the row only counts for
    the throttles, and the phone gets a notice to sign in with the password."""
    from grid.notifications.backends import send_sms_now

    now = timezone.now()
    _check_throttles(phone, ip, now)
    owner = User.objects.filter(phone=phone).first()
    key = f"login-{phone}-{now:%Y%m%d%H%M%S}"
    if owner is not None and not permissions.may_log_in_by_sms(owner):
        LoginCode.objects.create(phone=phone, code_hash=_unusable_hash(), expires_at=now + LOGIN_CODE_TTL, ip=ip)
        send_sms_now(phone, _("【综治中心】本号码绑定的是工作人员账号，不能使用短信验证码登录，请使用用户名和密码登录。"
                              "如非本人操作，请忽略本短信。"), key=key)
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    LoginCode.objects.create(phone=phone, code_hash=_code_hash(phone, code), expires_at=now + LOGIN_CODE_TTL, ip=ip)
    minutes = int(LOGIN_CODE_TTL.total_seconds() // 60)
    send_sms_now(phone, _("【综治中心】您的登录验证码是%(code)s，%(m)d分钟内有效。请勿告诉他人。")
                 % {"code": code, "m": minutes}, key=key)


def login_with_code(*, phone: str, code: str) -> User:
    """Check the code; on success return the account (a citizen's is created on first login).
    A wrong code is counted (and the count committed) before the refusal is raised. A number
    whose account may not use SMS codes answers exactly as a wrong code does."""
    now = timezone.now()
    refusal = None
    with transaction.atomic():
        lc = (LoginCode.objects.select_for_update().filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
              .order_by("-created_at").first())
        if lc is None:
            refusal = AccountError(_("验证码已过期或未获取，请重新获取。"))
        elif lc.attempts >= LOGIN_CODE_ATTEMPTS:
            refusal = RateLimited(_("验证码错误次数过多，请重新获取。"))
        else:
            owner = User.objects.filter(phone=phone).first()
            matches = hmac.compare_digest(lc.code_hash, _code_hash(phone, (code or "").strip()))
            if not matches or (owner is not None and not permissions.may_log_in_by_sms(owner)):
                lc.attempts += 1
                lc.save(update_fields=["attempts"])
                refusal = AccountError(_("验证码不正确。"))
            else:
                lc.used_at = now
                lc.save(update_fields=["used_at"])
    if refusal:
        raise refusal
    with transaction.atomic():
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.create_user(username=phone, phone=phone, role=Role.CITIZEN,
                                            display_name=_("群众%(tail)s") % {"tail": phone[-4:]})
    if not user.is_active:
        raise AccountError(_("该账号已停用。"))
    return user


def unlock_login(*, actor, user: User) -> int:
    """Lift a brute-force lock on the account now (it also lifts itself after the cool-off)."""
    from grid import lockout

    if not permissions.can_manage_account(actor, user):
        raise AccountError(_("您无权管理该账号。"))
    return lockout.unlock(user.username)


# ---------------------------------------------------------------------------------------
# second factor for staff: an authenticator app (TOTP) plus one-time recovery codes

RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"


def has_second_factor(user: User) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def start_second_factor(*, user: User):
    """The authenticator to enrol: an unconfirmed TOTP device, created once and shown as a
    QR code until the person confirms it with a code from the app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if has_second_factor(user):
        raise AccountError(_("您已绑定身份验证器；如手机丢失，请联系管理员重置。"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_second_factor(*, user: User, token: str):
    """Confirm the authenticator with a code from the app; returns (device, recovery codes).
    The recovery codes are shown once and each opens one sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise AccountError(_("请重新打开绑定页面，扫描新的二维码。"))
    if not device.verify_token((token or "").strip()):
        raise AccountError(_("动态验证码不正确，请确认手机时间准确后重新输入。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return device, codes


def verify_second_factor(*, user: User, token: str):
    """The device that accepts this code: six digits go to the authenticator, anything else
    to the recovery codes. Each device slows down wrong codes with a growing delay; while it
    waits the answer is RateLimited, otherwise a wrong code is an AccountError."""
    import math

    from django_otp import devices_for_user
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    token = (token or "").strip().lower().replace(" ", "")
    kind = TOTPDevice if token.isdigit() else StaticDevice
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if not isinstance(device, kind):
                continue
            allowed, info = device.verify_is_allowed()
            if not allowed and (info or {}).get("locked_until"):
                wait = math.ceil((info["locked_until"] - timezone.now()).total_seconds())
                raise RateLimited(_("动态验证码错误次数较多，请%(s)d秒后再试。") % {"s": max(1, wait)})
            if device.verify_token(token):
                return device
    raise AccountError(_("动态验证码或恢复码不正确。"))


@transaction.atomic
def reset_second_factor(*, actor, user: User) -> int:
    """A lost or replaced phone: remove the person's authenticator and recovery codes, so the
    next sign-in asks them to enrol again. Reset the password too if the phone was stolen."""
    from django_otp import devices_for_user

    if not permissions.can_manage_account(actor, user):
        raise AccountError(_("您无权管理该账号。"))
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed
