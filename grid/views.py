import base64

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from grid import accounts, lockout, permissions, privacy, selectors, workbench
from grid.client_address import client_ip
from grid.forms import DirectorySearchForm, SecondFactorForm, SmsLoginForm, SmsRequestForm
from grid.models import UnitKind

PAGE_SIZE = 20


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on every page (the admin has no icon link of its own)."""
    return HttpResponsePermanentRedirect(static("favicon.png"))


def home(request):
    """Citizens get the services; staff land on their workbench: the counts of what waits
    for them, each opening the filtered list (grid.workbench)."""
    if workbench.is_staff_home(request.user):
        return render(request, "workbench.html", {"counters": workbench.counters_for(request.user)})
    return render(request, "home.html")


@require_POST
def toggle_large_text(request):
    nxt = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    response = HttpResponseRedirect(nxt)
    on = request.COOKIES.get("large_text") != "1"
    response.set_cookie("large_text", "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _directory(request, kind, template):
    form = DirectorySearchForm(request.GET or None)
    region = form.region if form.is_bound else None
    keyword = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    units = selectors.directory_units(kind=kind, region=region, keyword=keyword)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@require_GET
def department_directory(request):
    return _directory(request, UnitKind.DEPARTMENT, "grid/department_directory.html")


@require_GET
def mediation_directory(request):
    return _directory(request, UnitKind.MEDIATION, "grid/mediation_directory.html")


@require_GET
def region_children(request):
    """Cascading region picker: the children of a region code (or the roots)."""
    regions = selectors.region_children(request.GET.get("parent", "").strip() or None)
    return JsonResponse({"regions": [{"code": r.code, "name": r.name, "level": r.level} for r in regions]})


def _safe_next(request, default="/"):
    nxt = request.POST.get("next") or request.GET.get("next") or default
    return nxt if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}) else default


def sms_login(request):
    """Citizens and grid workers: sign in (or sign up) with a one-time SMS code."""
    step = request.POST.get("step") if request.method == "POST" else None
    phone_form = SmsRequestForm(request.POST if step == "send" else None)
    login_form = SmsLoginForm(request.POST if step == "login" else None, initial={"phone": request.GET.get("phone", "")})
    sent_to = ""
    if step == "send" and phone_form.is_valid():
        phone = phone_form.cleaned_data["phone"]
        try:
            accounts.request_login_code(phone=phone, ip=client_ip(request))
        except accounts.AccountError as exc:
            phone_form.add_error("phone", exc.message)
        else:
            sent_to = phone
            messages.success(request, _("验证码已发送到%(p)s，5分钟内有效。") % {"p": privacy.mask_phone(phone)})
        login_form = SmsLoginForm(initial={"phone": phone})
    elif step == "login" and login_form.is_valid():
        phone = login_form.cleaned_data["phone"]
        if lockout.is_locked(request, phone):
            login_form.add_error("code", lockout.lockout_message(request))
        else:
            try:
                user = accounts.login_with_code(phone=phone, code=login_form.cleaned_data["code"])
            except accounts.AccountError as exc:
                lockout.record_failure(request, phone, sender=__name__)
                locked = getattr(request, "axes_locked_out", False)
                login_form.add_error("code", lockout.lockout_message(request) if locked else exc.message)
            else:
                auth_login(request, user, backend="grid.auth.LoginBackend")
                return HttpResponseRedirect(_safe_next(request))
    return render(request, "grid/sms_login.html", {
        "phone_form": phone_form, "login_form": login_form, "sent_to": sent_to, "next": _safe_next(request, ""),
        # the 获取验证码 button counts down from this (grid/static/grid/sms_login.js)
        "resend_wait": int(accounts.LOGIN_CODE_INTERVAL.total_seconds()) if sent_to else 0,
    })


# ---------------------------------------------------------------------------------------
# staff second factor (STAFF_2FA_REQUIRED): enrol an authenticator, then confirm each sign-in


def _qr_data_uri(text: str) -> str:
    import base64

    import qrcode
    import qrcode.image.svg

    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _with_next(name: str, request) -> str:
    from urllib.parse import urlencode

    return f"{reverse(name)}?{urlencode({'next': _safe_next(request)})}"


@login_required
def otp_setup(request):
    """Enrol an authenticator app: QR code, manual key, one code to confirm; recovery codes once."""
    user = request.user
    if not permissions.requires_second_factor(user):
        return redirect("home")
    if accounts.has_second_factor(user):
        return HttpResponseRedirect(_with_next("grid:otp_verify", request))
    device = accounts.start_second_factor(user=user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = accounts.confirm_second_factor(user=user, token=form.cleaned_data["token"])
        except accounts.AccountError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            return render(request, "grid/otp_recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "grid/otp_setup.html", {
        "form": form, "qr": _qr_data_uri(device.config_url), "next": _safe_next(request, ""),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


@login_required
def otp_verify(request):
    """Confirm this sign-in with an authenticator or recovery code. Wrong codes count towards
    the account's brute-force lock like wrong passwords."""
    user = request.user
    if user.is_verified():
        return HttpResponseRedirect(_safe_next(request))
    if not accounts.has_second_factor(user):
        return HttpResponseRedirect(_with_next("grid:otp_setup", request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if lockout.is_locked(request, user.get_username()):
            form.add_error("token", lockout.lockout_message(request))
        else:
            try:
                device = accounts.verify_second_factor(user=user, token=form.cleaned_data["token"])
            except accounts.RateLimited as exc:  # the device's own growing delay: not another failure
                form.add_error("token", exc.message)
            except accounts.AccountError as exc:
                lockout.record_failure(request, user.get_username(), sender=__name__)
                locked = getattr(request, "axes_locked_out", False)
                form.add_error("token", lockout.lockout_message(request) if locked else exc.message)
            else:
                otp_login(request, device)
                return HttpResponseRedirect(_safe_next(request))
    return render(request, "grid/otp_verify.html", {"form": form, "next": _safe_next(request, "")})


# ------------------------------------------------------------------ installable app (PWA)

MAX_OFFLINE_ARTICLES = 30


@require_GET
def manifest(request):
    """The web app manifest: "add to home screen" opens the citizen home page full-screen."""
    data = {
        "name": _("综治中心一站式服务"),
        "short_name": _("综治服务"),
        "description": _("反映诉求、查询进度、法律咨询和调解，没有信号时先保存在手机上。"),
        "lang": "zh-CN",
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def _worker_version() -> str:
    import hashlib

    from django.conf import settings
    from django.template.loader import get_template

    names = ["css/site.css", "js/help.js", "js/voice.js", "js/draft-store.js", "js/drafts.js", "js/save-image.js",
             "grievances/forms.js"]
    digest = hashlib.sha256(settings.STATIC_URL.encode())
    for name in names:
        digest.update(static(name).encode())
    digest.update(get_template("sw.js").template.source.encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """/sw.js at the root so that it may control every page (static/ is a narrower scope)."""
    from django.conf import settings

    response = render(request, "sw.js", {
        "version": _worker_version(), "static_url": settings.STATIC_URL, "max_laws": MAX_OFFLINE_ARTICLES,
    }, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """What the service worker shows for a page not kept on the phone; stored at install, so
    it is rendered for nobody in particular."""
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return render(request, "offline.html")
