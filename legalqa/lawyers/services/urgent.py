"""The urgent channel (专家速应): callback requests, their acknowledgement and reminders, call logs."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from legalqa.lawyers.models import (
    CallbackRequest,
    CallLog,
    LawyerProfile,
    QAConfig,
)
from legalqa.lawyers.services.common import QAError, _notify, lawyer_name, supervising_staff
from legalqa.models import FieldOfLaw


@transaction.atomic
def request_callback(*, citizen, field: FieldOfLaw, lawyer, phone: str, note: str = "") -> CallbackRequest:
    """专家速应: ask an on-duty lawyer to call back; the lawyer must acknowledge it."""
    profile = LawyerProfile.objects.verified().in_field(field).filter(user=lawyer).first()
    if profile is None:
        raise QAError(_("所选律师不在该领域的已审核律师中。"))
    if not profile.is_on_duty():
        raise QAError(_("该律师现在不在值班时间，请选择值班律师。"))
    if not phone:
        raise QAError(_("请填写回拨电话。"))
    cb = CallbackRequest.objects.create(field=field, lawyer=lawyer, citizen=citizen, phone=phone,
                                        note=(note or "")[:200], region_code=profile.region_code)
    _notify(key=f"qa-cb{cb.pk}", template="qa_callback",
            context={"phone": phone, "field": field.name, "note": cb.note}, users=[lawyer],
            link=reverse("lawyers:lawyer_desk"))
    return cb


@transaction.atomic
def acknowledge_callback(*, lawyer, callback: CallbackRequest, called: bool = False) -> CallbackRequest:
    if lawyer.pk != callback.lawyer_id:
        raise QAError(_("只能确认发给自己的回拨请求。"))
    now = timezone.now()
    first = CallbackRequest.objects.filter(pk=callback.pk, acknowledged_at__isnull=True).update(acknowledged_at=now)
    if called:
        CallbackRequest.objects.filter(pk=callback.pk, called_at__isnull=True).update(called_at=now)
    callback.refresh_from_db()
    if first:
        _notify(key=f"qa-cb{callback.pk}-ack", template="qa_callback_ack",
                context={"lawyer": lawyer_name(lawyer)}, users=[callback.citizen])
    return callback


def remind_unacknowledged_callbacks(now: datetime.datetime | None = None) -> int:
    """A call-back request the lawyer has not acknowledged within the response limit goes
    once to the supervising staff of the lawyer's region (claimed by ``reminded_at``)."""
    now = now or timezone.now()
    minutes = QAConfig.get().escalation_minutes
    cutoff = now - datetime.timedelta(minutes=minutes)
    ids = CallbackRequest.objects.filter(acknowledged_at__isnull=True, reminded_at__isnull=True,
                                         created_at__lte=cutoff).values_list("pk", flat=True)
    done = 0
    for pk in list(ids[:500]):
        with transaction.atomic():
            if not CallbackRequest.objects.filter(pk=pk, acknowledged_at__isnull=True,
                                                  reminded_at__isnull=True).update(reminded_at=now):
                continue
            cb = CallbackRequest.objects.select_related("lawyer", "field").get(pk=pk)
            _notify(key=f"qa-cb{pk}-overdue", template="qa_callback_overdue",
                    context={"lawyer": lawyer_name(cb.lawyer), "minutes": minutes, "phone": cb.phone,
                             "field": cb.field.name},
                    users=supervising_staff(cb.region_code) if cb.region_code else [],
                    link=reverse("admin:lawyers_callbackrequest_change", args=[pk]))
            done += 1
    return done


def log_call(*, citizen, field: FieldOfLaw, lawyer) -> CallLog:
    return CallLog.objects.create(field=field, lawyer=lawyer,
                                  citizen=citizen if citizen and citizen.is_authenticated else None)
