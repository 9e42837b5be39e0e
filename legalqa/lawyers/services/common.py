"""The Q&A refusal, message texts and small helpers shared by every topic module."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from grid import uploads
from grid.models import Role, UnitKind
from legalqa.lawyers import citing


class QAError(Exception):
    """A refusal with a message for the person who acted."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


# Message texts (plain text; staff may edit them in the notifications admin once written).
MESSAGES = {
    "qa_question_routed": "【在线问法】{{ field }}领域有新的咨询：{{ title }}，请及时解答。{{ link }}",
    "qa_answered": "【在线问法】{{ lawyer }}律师已解答您的咨询“{{ title }}”。{{ link }}",
    "qa_follow_up": "【在线问法】咨询人对“{{ title }}”提出了追问，请查看。{{ link }}",
    "qa_ask_back": "【在线问法】{{ lawyer }}律师就“{{ title }}”向您追问或补充说明，请查看。{{ link }}",
    "qa_escalate_lawyers": "【在线问法】咨询“{{ title }}”已{{ minutes }}分钟无人解答，请值班律师尽快解答。{{ link }}",
    "qa_unrouted_staff": "【在线问法】{{ region }}的咨询“{{ title }}”（{{ field }}）暂无可分派的律师，请指定律师解答。{{ link }}",
    "qa_escalate_staff": "【在线问法督办】{{ region }}的咨询“{{ title }}”已{{ minutes }}分钟无人解答，请协调律师解答。{{ link }}",
    "qa_best_answer": "【在线问法】您对“{{ title }}”的解答被评为最佳答案（中标），报酬{{ amount }}元已记入台账。{{ link }}",
    "qa_commission_offer": "【律师委托】{{ field }}领域有新的委托：{{ matter }}，请查看并决定是否接受。{{ link }}",
    "qa_commission_accepted": "【律师委托】{{ lawyer }}律师已接受您的委托，将通过{{ phone }}与您联系。{{ link }}",
    "qa_commission_declined": "【律师委托】{{ lawyer }}律师未能接受您的委托，您可另选律师。{{ link }}",
    "qa_callback": "【专家速应】群众请求回拨：{{ phone }}（{{ field }}）{{ note }}，请确认并尽快回拨。{{ link }}",
    "qa_callback_ack": "【专家速应】{{ lawyer }}律师已收到您的回拨请求，将尽快来电。",
    "qa_callback_overdue": "【专家速应督办】{{ lawyer }}律师{{ minutes }}分钟内未确认群众的回拨请求（{{ phone }}，{{ field }}），请协调。{{ link }}",
    "qa_lawyer_reverify": "【在线问法】{{ lawyer }}律师修改了{{ changed }}，审核已撤销，请重新审核。{{ link }}",
    "qa_service_review": "【公共法律服务】您的{{ kind }}：{{ result }}{{ link }}",
    "qa_service_new": "【公共法律服务】新的{{ kind }}待审核：{{ name }}。{{ link }}",
    "qa_service_overdue": "【公共法律服务督办】{{ kind }}（{{ name }}）已超过3天未答复，请尽快审核。{{ link }}",
}


def _notify(*, key: str, template: str, context: dict, users=(), link: str = "", channels=("site", "sms")):
    from grid.notifications.services import notify

    url = f"{_site()}{link}" if link else ""
    return notify(key=key, template=template, context=context, users=[u for u in users if u],
                  channels=channels, link=url, text=MESSAGES[template])


def _site() -> str:
    from django.conf import settings

    return getattr(settings, "SITE_URL", "").rstrip("/")


def _check_text(text: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise QAError(message)
    return text


def _citations_ok(text: str) -> None:
    try:
        citing.check_citations(text)
    except ValidationError as exc:
        raise QAError("；".join(exc.messages)) from exc


def supervising_staff(region_code: str) -> list:
    """The staff of the nearest centre, at or above the question's place, that has staff."""
    from grid.models import PREFIX_LENGTH, User

    codes = {region_code[:n].ljust(12, "0") for n in PREFIX_LENGTH.values()}
    staff = list(User.objects.filter(
        unit__kind=UnitKind.CENTRE, unit__region__code__in=codes, is_active=True,
        role__in=[Role.CENTRE_STAFF, Role.CENTRE_LEADER]).select_related("unit__region"))
    if not staff:
        return []
    level = max(u.unit.region.level for u in staff)
    return [u for u in staff if u.unit.region.level == level]


def _checked(f, policy: str):
    """A file through the upload gate (forms pass it through already; raw files from other
    callers are checked here), a refusal becoming the service's error."""
    try:
        return uploads.ensure(f, policy=policy)
    except ValidationError as exc:
        raise QAError(" ".join(exc.messages)) from exc


def lawyer_name(user) -> str:
    """The lawyer's name as the message texts use it, before their own "律师" (卫律师 →
    卫, so "{{ lawyer }}律师" reads 卫律师, never 卫律师律师)."""
    name = (getattr(user, "display_name", "") or "").strip()
    return name[:-2].strip() if name.endswith("律师") and len(name) > 2 else name
