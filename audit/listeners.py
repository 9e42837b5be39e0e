"""What goes into the trail, and from which seam.

- Logins, logouts and failed logins: Django's own ``user_logged_in``, ``user_logged_out``
  and ``user_login_failed`` signals (every login door goes through ``django.contrib.auth``).
  Staff logins and logouts are recorded (every account that is not a citizen's); failed
  logins are recorded for every attempt, with the account only when one was named.
- Grievance events: every event the loop records (``grievances`` hook point), with a
  witness hash of the event row (audit.witnesses), in the event's own transaction.
- Mediation decisions (``mediation.hooks.mediation_decision_recorded``) and Q&A decisions
  (``legalqa.lawyers.hooks.qa_decision_recorded``): outcomes, reopenings, judicial
  confirmations, return visits, legal-aid reviews, best answers, closing reviews, lawyer
  verification, commission steps, application reviews, in the deciding transaction.
- Views of another person's personal data: ``grid.privacy.personal_data_accessed`` (item
  pages that show a full phone number, an ID number …), and downloads of private files
  through ``grid.files`` (``on_file_served``) by anyone but the person who uploaded them.
- Admin actions: every ``django.contrib.admin`` ``LogEntry`` the admin writes (add, change,
  delete, with its change message), in the admin's own transaction.
"""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import translation

from audit import services, witnesses
from audit.models import AuditKind
from grid import files
from grid.client_address import client_ip
from grid.models import Role
from grid.privacy import PersonalDataAccess, mask_phone, personal_data_accessed
from grievances.hooks import grievance_event_recorded
from legalqa.lawyers.hooks import QADecision, qa_decision_recorded
from mediation.hooks import MediationDecision, mediation_decision_recorded

ADMIN_FLAGS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def request_ip(request) -> str:
    if request is None:
        return ""
    return client_ip(request) or ""


def _is_staff_account(user) -> bool:
    return bool(user is not None and user.pk and (user.is_superuser or user.role != Role.CITIZEN))


def _door(request) -> str:
    return request.path[:100] if request is not None else ""


def on_logged_in(sender, request, user, **kwargs):
    if _is_staff_account(user):
        services.append(kind=AuditKind.LOGIN, actor=user, ip=request_ip(request),
                        summary=f"登录 {services.actor_name(user)}", object_type="grid.user", object_id=user.pk,
                        data={"door": _door(request), "role": user.role})


def on_logged_out(sender, request, user, **kwargs):
    if _is_staff_account(user):
        services.append(kind=AuditKind.LOGOUT, actor=user, ip=request_ip(request),
                        summary=f"退出 {services.actor_name(user)}", object_type="grid.user", object_id=user.pk,
                        data={"door": _door(request)})


def on_login_failed(sender, credentials, request=None, **kwargs):
    name = str(credentials.get("username") or credentials.get("phone") or "")[:150]
    account = None
    if name:
        account = get_user_model().objects.filter(Q(username=name) | Q(phone=name)).only(
            "pk", "role", "is_superuser", "username").first()
    data = {"door": _door(request)}
    if account is None:
        # Never store what was typed for no account: it may be a mistyped password.
        data["account"] = "unknown"
        summary = "登录失败（无此账号）"
    else:
        data["account_id"] = account.pk
        shown = account.username if _is_staff_account(account) else mask_phone(account.username)
        data["account"] = shown
        summary = f"登录失败 {shown}"
    services.append(kind=AuditKind.LOGIN_FAILED, ip=request_ip(request), summary=summary, data=data)


def record_admin_action(*, actor, action: str, model: str, object_id: str, object_repr: str, change_message: str,
                        at=None, log_entry_id: int | None = None, ip: str = "") -> None:
    services.append(
        kind=AuditKind.ADMIN_ACTION, actor=actor, at=at, ip=ip, summary=f"{action} {model} {object_repr}"[:300],
        object_type=model, object_id=object_id,
        data={"action": action, "object_repr": object_repr, "change_message": change_message,
              "log_entry_id": log_entry_id},
    )


def on_admin_log_entry(sender, instance: LogEntry, created, raw=False, **kwargs):
    if not created or raw:
        return
    model = ""
    if instance.content_type_id:
        ct = instance.content_type
        model = f"{ct.app_label}.{ct.model}"
    record_admin_action(
        actor=instance.user, action=ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag)), model=model,
        object_id=instance.object_id or "", object_repr=instance.object_repr,
        change_message=instance.change_message, at=instance.action_time, log_entry_id=instance.pk,
    )


def on_grievance_events(events) -> None:
    """One audit row per event, in the order written, appended together (one head lock, one
    INSERT: ``services.append_many``)."""
    entries = []
    with translation.override("zh-hans"):  # the record reads the same whatever the request's language
        for event in events:
            g = event.grievance
            entries.append(dict(
                kind=AuditKind.GRIEVANCE_EVENT, actor=event.actor, at=event.created_at,
                summary=f"{g.tracking_no} {event.get_action_display()}", object_type=witnesses.EVENT_TYPE,
                object_id=event.pk, object_hash=witnesses.event_hash(event),
                data={"grievance_id": g.pk, "tracking_no": g.tracking_no, "action": event.action,
                      "from_state": event.from_state, "to_state": event.to_state, "unit_id": event.unit_id},
            ))
    services.append_many(entries)


def on_grievance_event(event) -> None:
    """One event: the list path with one item."""
    on_grievance_events([event])


def _decision(kind: str, d) -> None:
    services.append(
        kind=kind, actor=d.actor, object_type=d.subject._meta.label_lower, object_id=d.subject.pk,
        summary=f"{d.reference} {d.decision}"[:300],
        data={"decision": d.decision, "reference": d.reference, **d.details},
    )


def on_mediation_decision(d: MediationDecision) -> None:
    _decision(AuditKind.MEDIATION_DECISION, d)


def on_qa_decision(d: QADecision) -> None:
    _decision(AuditKind.QA_DECISION, d)


def on_personal_data_accessed(access: PersonalDataAccess) -> None:
    subject = access.subject
    verb = "下载" if access.download else "查看"
    services.append(
        kind=AuditKind.PERSONAL_DATA_DOWNLOAD if access.download else AuditKind.PERSONAL_DATA_VIEW,
        actor=access.viewer, at=access.at, ip=access.ip, object_type=subject.object_type,
        object_id=subject.object_id, summary=f"{verb} {subject.label} {'、'.join(access.fields)}"[:300],
        data={"owner_id": subject.owner_id, "fields": list(access.fields), "label": subject.label},
    )


# Who a private file belongs to: the first of these foreign keys the model has.
FILE_OWNER_FIELDS = ("uploaded_by", "applicant", "citizen", "asker", "author", "user")


def _file_owner_id(obj) -> int | None:
    for name in FILE_OWNER_FIELDS:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_one:
            return field.value_from_object(obj)
    return None


def on_file_served(request, obj, field: str) -> None:
    """A private file handed out: recorded unless the downloader uploaded it themselves."""
    owner_id = _file_owner_id(obj)
    user = request.user
    if user.is_authenticated and owner_id is not None and owner_id == user.pk:
        return
    with translation.override("zh-hans"):
        label = f"{obj._meta.verbose_name} {obj.pk}"
    services.append(
        kind=AuditKind.PERSONAL_DATA_DOWNLOAD, actor=user if user.is_authenticated else None,
        ip=request_ip(request), object_type=obj._meta.label_lower, object_id=obj.pk,
        summary=f"下载 {label} {field}"[:300], data={"owner_id": owner_id, "fields": [field], "label": label},
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="audit-logged-in")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit-logged-out")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit-login-failed")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="audit-admin-log")
    grievance_event_recorded.register_many(on_grievance_events)
    mediation_decision_recorded.register(on_mediation_decision)
    qa_decision_recorded.register(on_qa_decision)
    personal_data_accessed.register(on_personal_data_accessed)
    files.on_file_served(on_file_served)
