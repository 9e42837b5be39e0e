"""Mediation (调解), the risk register (一案一策) and legal aid review (DOMAIN.md §6).

A mediation case always hangs off a 矛盾纠纷调解 grievance: the grievance carries the loop
(deadlines, supervision, the citizen's rating); the case carries what the mediators do
(parties, sessions, the agreement, judicial confirmation, return visits). Outcomes finish
the grievance's handling step through grievances.services, never by touching its state.

Every table that lists rows for staff carries a denormalised ``region_code`` so scoping is
one indexed prefix match (grid.permissions.region_q).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from grid.chunked import ChunkedUpload
from grid.files import PrivateFileField, RandomName
from grid.models import mobile_validator
from grievances.models import RiskLevel


def _region_index(name: str) -> models.Index:
    return models.Index(fields=["region_code"], name=name, opclasses=["varchar_pattern_ops"])


# --------------------------------------------------------------------------- mediators


class MediatorProfile(models.Model):
    """What the public directory shows about a mediator (一村一品: elders, retired cadres,
    legal workers, a Yi-language team)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.CASCADE, related_name="mediator_profile",
        limit_choices_to={"role": "mediator"},
    )
    title = models.CharField(_("身份"), max_length=64, blank=True, help_text=_("例如：乡贤、退休干部、法律工作者"))
    expertise = models.CharField(_("擅长领域"), max_length=200, blank=True, help_text=_("用顿号分隔，例如：婚姻家庭、邻里关系"))
    languages = models.CharField(_("调解语言"), max_length=100, default="普通话", help_text=_("例如：普通话、彝语"))
    bio = models.TextField(_("简介"), blank=True)
    years = models.PositiveSmallIntegerField(_("从事调解年限"), default=0)
    is_public = models.BooleanField(_("在调解员名录中公开"), default=True)
    region_code = models.CharField(_("区域代码"), max_length=12, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("调解员档案")
        verbose_name_plural = _("调解员档案")
        ordering = ["region_code", "user_id"]
        indexes = [_region_index("medprofile_region_idx")]

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args, **kwargs):
        unit = self.user.unit if self.user_id else None
        self.region_code = unit.region_code if unit else ""
        super().save(*args, **kwargs)

    @property
    def expertise_list(self) -> list[str]:
        return [x.strip() for x in self.expertise.replace(",", "、").replace("，", "、").split("、") if x.strip()]


# --------------------------------------------------------------------------- cases


class CaseState(models.TextChoices):
    OPEN = "open", _("待调解")
    MEDIATING = "mediating", _("调解中")
    SUCCEEDED = "succeeded", _("调解成功")
    FAILED = "failed", _("调解不成")
    TERMINATED = "terminated", _("终止调解")


CASE_OPEN_STATES = (CaseState.OPEN, CaseState.MEDIATING)


class MediationCaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> MediationCaseQuerySet:
        """Who sees a case: the administrator; centre staff of the case's region subtree;
        the case's own mediators; the organisation's head (its leader or a department
        leader role in it); mediators of the organisation while no one is assigned yet
        (so someone can take it). Nobody else, citizens see theirs via ``for_party``."""
        from grid import permissions

        if permissions.is_admin(user):
            return self.all()
        if permissions.is_centre(user):
            return self.filter(permissions.region_q(user))
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        q = Q(mediators=user)
        if user.unit_id and (permissions.is_mediator(user) or permissions.is_department(user)):
            q |= Q(organisation__leader=user) | Q(organisation_id=user.unit_id, mediator_count=0)
            if permissions.is_department_leader(user):
                q |= Q(organisation_id=user.unit_id)
        return self.filter(q).distinct()

    def for_party(self, user) -> MediationCaseQuerySet:
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(Q(grievance__reporter=user) | Q(parties__user=user)).distinct()


class MediationCase(ConcurrentTransitionMixin, models.Model):
    grievance = models.OneToOneField(
        "grievances.Grievance", verbose_name=_("诉求件"), on_delete=models.PROTECT, related_name="mediation_case"
    )
    organisation = models.ForeignKey(
        "grid.Unit", verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="mediation_cases",
        limit_choices_to={"kind": "mediation"},
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("调解员"), blank=True, related_name="mediation_cases"
    )
    mediator_count = models.PositiveSmallIntegerField(_("调解员人数"), default=0, editable=False)
    state = FSMField(_("状态"), max_length=16, choices=CaseState.choices, default=CaseState.OPEN, protected=True)
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    facts = models.TextField(_("纠纷事实"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("分派人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("立案时间"), default=timezone.now)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    guidance = models.TextField(_("后续指引"), blank=True, help_text=_("调解不成时告知仲裁、诉讼等途径"))
    termination_reason = models.TextField(_("终止理由"), blank=True)
    ended_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    performance_supervised = models.BooleanField(_("协议未履行已督办"), default=False)

    objects = MediationCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-id"]
        indexes = [
            _region_index("medcase_region_idx"),
            models.Index(fields=["organisation", "state", "id"], name="medcase_org_state_idx"),
            # The dashboard's count of a region's cases ended in a period (analysis.selectors.
            # mediation_figures) read from the index alone, without a heap fetch per case.
            models.Index(fields=["region_code", "ended_at"], name="medcase_region_ended_idx",
                         opclasses=["varchar_pattern_ops", "timestamptz_ops"], include=["state"]),
        ]

    def __str__(self) -> str:
        return f"{self.grievance.tracking_no} {self.grievance.title}"

    @property
    def is_open(self) -> bool:
        return self.state in CASE_OPEN_STATES

    @transition(field=state, source=CaseState.OPEN, target=CaseState.MEDIATING)
    def start(self):
        pass

    @transition(field=state, source=CASE_OPEN_STATES, target=CaseState.SUCCEEDED)
    def succeed(self):
        self.ended_at = timezone.now()

    @transition(field=state, source=CASE_OPEN_STATES, target=CaseState.FAILED)
    def fail(self):
        self.ended_at = timezone.now()

    @transition(field=state, source=CASE_OPEN_STATES, target=CaseState.TERMINATED)
    def terminate(self):
        self.ended_at = timezone.now()

    @transition(field=state, source=[CaseState.SUCCEEDED, CaseState.FAILED, CaseState.TERMINATED],
                target=CaseState.MEDIATING)
    def reopen(self):
        self.ended_at = None


class PartySide(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")


class Party(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("当事人类型"), max_length=16, choices=PartySide.choices)
    name = models.CharField(_("姓名/名称"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=11, blank=True, validators=[mobile_validator])
    address = models.CharField(_("住址"), max_length=200, blank=True)
    id_number = models.CharField(_("身份证号/统一社会信用代码"), max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("平台账号"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="mediation_parties",
    )

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "side", "id"]
        indexes = [models.Index(fields=["user"], name="medparty_user_idx")]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.name}"


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("现场调解")
    VIDEO = "video", _("视频调解")


class Session(models.Model):
    """调解记录: one meeting, planned then recorded."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    mode = models.CharField(_("方式"), max_length=16, choices=SessionMode.choices, default=SessionMode.IN_PERSON)
    scheduled_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    room_token = models.CharField(_("视频会议室"), max_length=64, blank=True, editable=False)
    participants = models.TextField(_("参加人员"), blank=True)
    present_parties = models.ManyToManyField(Party, verbose_name=_("到场当事人"), blank=True, related_name="+")
    minutes = models.TextField(_("调解记录"), blank=True)
    next_steps = models.TextField(_("下一步安排"), blank=True)
    held = models.BooleanField(_("已进行"), default=False)
    invited_at = models.DateTimeField(_("邀请发送时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="in_person") | ~Q(room_token=""), name="medsession_video_has_room"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.scheduled_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def new_room_token() -> str:
        return secrets.token_urlsafe(12)

    @property
    def is_video(self) -> bool:
        return self.mode == SessionMode.VIDEO and bool(self.room_token)


class RoomRole(models.TextChoices):
    MEDIATOR = "mediator", _("调解员")
    PARTY = "party", _("当事人")


class RoomPass(models.Model):
    """One person's way into a video session's room (视频调解室), and their attendance record.

    Each party gets a pass with its own unguessable token (the SMS link carries it, no
    account needed); a mediator's pass is bound to their account. ``first_joined_at``,
    ``last_seen_at`` and ``seconds_present`` are the session record: who joined, when, for
    how long. ``epoch`` is the current page load, so a reloaded page replaces its old
    peer connections instead of doubling them."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="room_passes")
    role = models.CharField(_("身份"), max_length=16, choices=RoomRole.choices)
    party = models.ForeignKey(Party, verbose_name=_("当事人"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(_("显示名称"), max_length=64)
    token = models.CharField(_("入室口令"), max_length=64, unique=True, editable=False)
    epoch = models.CharField(max_length=32, blank=True, editable=False)
    consented_at = models.DateTimeField(_("同意录像时间"), null=True, blank=True)
    first_joined_at = models.DateTimeField(_("首次进入时间"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最后在线时间"), null=True, blank=True)
    left_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    seconds_present = models.PositiveIntegerField(_("在线时长（秒）"), default=0)

    class Meta:
        verbose_name = _("视频调解室入室凭证")
        verbose_name_plural = _("视频调解室入室凭证")
        ordering = ["session", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "party"], condition=Q(party__isnull=False),
                                    name="roompass_one_per_party"),
            models.UniqueConstraint(fields=["session", "user"], condition=Q(user__isnull=False),
                                    name="roompass_one_per_user"),
            models.CheckConstraint(condition=Q(role="mediator", user__isnull=False) | Q(role="party",
                                   party__isnull=False), name="roompass_has_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.display_name}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)

    @property
    def minutes_present(self) -> int:
        return (self.seconds_present + 59) // 60


class RoomSignal(models.Model):
    """One signalling message (SDP offer/answer, ICE candidate, room event) waiting to be
    polled. ``recipient`` empty means everybody in the room."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(RoomPass, on_delete=models.CASCADE, related_name="+")
    sender_epoch = models.CharField(max_length=32, blank=True)
    recipient = models.ForeignKey(RoomPass, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    payload = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["session", "id"], name="roomsignal_session_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sender_id}->{self.recipient_id}"


class VideoRoomState(models.Model):
    """What the room shows everybody: whether the mediator records, whether it is closed,
    and which draft agreement is on screen."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="room")
    record_requested = models.BooleanField(_("申请录像"), default=False)
    recording_since = models.DateTimeField(_("录像开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("调解室关闭时间"), null=True, blank=True)
    shared_draft = models.ForeignKey("AgreementDraft", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = _("视频调解室")
        verbose_name_plural = _("视频调解室")

    def __str__(self) -> str:
        return str(self.session)


class Recording(models.Model):
    """A recording of a video session (the mediator's browser records and uploads it in
    chunks); private, with its SHA-256, visible only to the case's mediators and the centre."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="recordings")
    file = PrivateFileField(_("录像文件"), upload_to=RandomName("mediation/recordings"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("文件大小"))
    content_type = models.CharField(max_length=64, default="video/webm")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调解录像")
        verbose_name_plural = _("调解录像")
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return f"{self.session} {self.sha256[:12]}"


class RecordingUpload(ChunkedUpload):
    """A recording on its way up, chunk by chunk (grid.chunked: resumable after a dropped connection)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")

    temp_prefix = "mediation/uploads"

    class Meta:
        verbose_name = _("录像分片上传")
        verbose_name_plural = _("录像分片上传")


class AgreementDraft(models.Model):
    """A draft agreement (协议草案) the mediator shows in the room as a PDF; each party's
    confirmation of it is kept with the PDF's SHA-256, like a signature."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agreement_drafts")
    terms = models.TextField(_("协议内容"))
    performance_deadline = models.DateField(_("履行期限"))
    pdf = PrivateFileField(_("协议草案PDF"), upload_to=RandomName("mediation/drafts"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("协议草案")
        verbose_name_plural = _("协议草案")
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return f"{self.session} {self.sha256[:12]}"


class AgreementConfirmation(models.Model):
    """A party confirmed a draft agreement in the video room (当事人在线确认)."""

    draft = models.ForeignKey(AgreementDraft, on_delete=models.CASCADE, related_name="confirmations")
    party = models.ForeignKey(Party, verbose_name=_("当事人"), on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(_("所确认文件SHA-256"), max_length=64)
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("协议确认")
        verbose_name_plural = _("协议确认")
        ordering = ["draft", "confirmed_at"]
        constraints = [models.UniqueConstraint(fields=["draft", "party"], name="agreementconfirm_once")]

    def __str__(self) -> str:
        return f"{self.party_id} {self.confirmed_at:%Y-%m-%d %H:%M}"


def _agreement_upload(instance, filename):
    return f"mediation/agreements/{timezone.now():%Y/%m}/{filename}"


class Agreement(models.Model):
    """调解协议书."""

    case = models.OneToOneField(MediationCase, on_delete=models.CASCADE, related_name="agreement")
    number = models.CharField(_("协议编号"), max_length=32, unique=True)
    facts = models.TextField(_("纠纷主要事实"))
    terms = models.TextField(_("协议内容"))
    performance_deadline = models.DateField(_("履行期限"))
    performance_method = models.CharField(_("履行方式"), max_length=200, blank=True)
    signed_on = models.DateField(_("签订日期"), default=timezone.localdate)
    pdf = PrivateFileField(_("协议书PDF"), upload_to=RandomName("mediation/agreements"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调解协议书")
        verbose_name_plural = _("调解协议书")

    def __str__(self) -> str:
        return self.number


class ConfirmationStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("不予确认")


class JudicialConfirmation(models.Model):
    """司法确认: the parties apply to a court to make the agreement enforceable."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="confirmations")
    court = models.CharField(_("受理法院"), max_length=100)
    applied_on = models.DateField(_("申请日期"), default=timezone.localdate)
    documents = models.TextField(_("提交材料"), blank=True)
    document_file = PrivateFileField(_("材料附件"), upload_to=RandomName("mediation/confirmations"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ConfirmationStatus.choices,
                              default=ConfirmationStatus.APPLIED)
    decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    ruling_no = models.CharField(_("裁定书文号"), max_length=64, blank=True)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status=ConfirmationStatus.APPLIED), name="one_pending_confirmation_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.court} {self.get_status_display()}"


class ReturnVisit(models.Model):
    """回访 after a successful mediation: was the agreement performed, are the parties satisfied?"""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="return_visits")
    scheduled_for = models.DateField(_("计划回访日期"))
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    performed = models.BooleanField(_("协议已履行"), null=True)
    satisfied = models.BooleanField(_("当事人满意"), null=True)
    note = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["scheduled_for", "id"]
        indexes = [
            models.Index(fields=["visited_at", "scheduled_for"], name="medvisit_due_idx"),
            _region_index("medvisit_region_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visited_at__isnull=True) | Q(performed__isnull=False), name="medvisit_done_has_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.scheduled_for}"

    @property
    def is_done(self) -> bool:
        return self.visited_at is not None


# --------------------------------------------------------------------------- risk register


class RiskStatus(models.TextChoices):
    IDENTIFIED = "identified", _("已排查")
    CONTROLLING = "controlling", _("管控化解中")
    RESOLVED = "resolved", _("已化解")
    CONVERTED = "converted", _("已转为诉求件")


RISK_OPEN_STATUSES = (RiskStatus.IDENTIFIED, RiskStatus.CONTROLLING)


class RiskQuerySet(models.QuerySet):
    def visible_to(self, user) -> RiskQuerySet:
        """Centre staff and admin by region subtree; a responsible unit sees its own risks;
        grid workers see the risks they reported."""
        from grid import permissions

        if permissions.is_centre_or_admin(user):
            return self.filter(permissions.region_q(user))
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        q = Q(reported_by=user)
        if user.unit_id:
            q |= Q(responsible_unit_id=user.unit_id)
        return self.filter(q)


class Risk(ConcurrentTransitionMixin, models.Model):
    """A risk found in screening (排查) that is not (yet) a grievance, managed 一案一策."""

    title = models.CharField(_("风险名称"), max_length=100)
    description = models.TextField(_("风险描述"))
    region = models.ForeignKey("grid.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    address = models.CharField(_("具体地点"), max_length=200, blank=True)
    category = models.ForeignKey(
        "grievances.Category", verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"group": "dispute"},
    )
    level = models.CharField(_("风险等级"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=1)
    responsible_unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="risks"
    )
    status = FSMField(_("状态"), max_length=16, choices=RiskStatus.choices, default=RiskStatus.IDENTIFIED,
                      protected=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("排查人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    found_on = models.DateField(_("排查日期"), default=timezone.localdate)
    grievance = models.OneToOneField(
        "grievances.Grievance", verbose_name=_("转化的诉求件"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="source_risk",
    )
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("矛盾风险")
        verbose_name_plural = _("矛盾风险（一案一策）")
        ordering = ["-id"]
        indexes = [
            _region_index("risk_region_idx"),
            models.Index(fields=["status", "region_code"], name="risk_status_region_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)

    @transition(field=status, source=RiskStatus.IDENTIFIED, target=RiskStatus.CONTROLLING)
    def take_control(self):
        pass

    @transition(field=status, source=RISK_OPEN_STATUSES, target=RiskStatus.RESOLVED)
    def resolve(self):
        self.resolved_at = timezone.now()

    @transition(field=status, source=RISK_OPEN_STATUSES, target=RiskStatus.CONVERTED)
    def convert(self):
        pass


class RiskPlan(models.Model):
    """一案一策: exactly one plan per risk, revised in place (revisions go to the history)."""

    risk = models.OneToOneField(Risk, on_delete=models.CASCADE, related_name="plan")
    measures = models.TextField(_("化解措施"))
    responsible_person = models.CharField(_("责任人"), max_length=64)
    target_date = models.DateField(_("化解时限"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("化解方案")
        verbose_name_plural = _("化解方案")

    def __str__(self) -> str:
        return f"{self.risk}: {self.responsible_person}"


class RiskEvent(models.Model):
    """The risk's history (纠纷预警 → 快速介入 → 跟踪回访); immutable, kept after conversion."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, choices=RiskStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=RiskStatus.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("风险动态")
        verbose_name_plural = _("风险动态")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("RiskEvent rows are immutable")
        super().save(*args, **kwargs)


# --------------------------------------------------------------------------- legal aid


class LegalAidCaseType(models.TextChoices):
    LABOUR = "labour", _("劳动争议（追索劳动报酬、工伤）")
    FAMILY = "family", _("婚姻家庭（赡养、抚养、扶养）")
    TRAFFIC = "traffic", _("交通事故人身损害赔偿")
    MEDICAL = "medical", _("医疗损害赔偿")
    STATE_COMP = "state_comp", _("国家赔偿")
    SOCIAL = "social", _("社会保险、最低生活保障待遇")
    CRIMINAL = "criminal", _("刑事辩护/代理")
    OTHER = "other", _("其他")


class LegalAidStatus(models.TextChoices):
    PENDING = "pending", _("待审查")
    APPROVED = "approved", _("已批准，已指派律师")
    REFUSED = "refused", _("不予援助")


class LegalAidQuerySet(models.QuerySet):
    def visible_to(self, user) -> LegalAidQuerySet:
        """Legal aid centre staff see applications dispatched to their centre; centre staff
        their region subtree; the assigned lawyer their own; the applicant their own."""
        from grid import permissions

        if permissions.is_centre_or_admin(user):
            return self.filter(permissions.region_q(user))
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        q = Q(grievance__reporter=user) | Q(lawyer=user)
        if permissions.is_department(user):
            q |= Q(grievance__handling_unit_id=user.unit_id)
        return self.filter(q)


class LegalAidApplication(models.Model):
    """法律援助申请: the extra data of a legal-aid grievance, reviewed by the legal aid centre."""

    grievance = models.OneToOneField(
        "grievances.Grievance", verbose_name=_("诉求件"), on_delete=models.CASCADE, related_name="legal_aid"
    )
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    applicant_name = models.CharField(_("申请人姓名"), max_length=64)
    id_number = models.CharField(_("身份证号"), max_length=18)
    address = models.CharField(_("住址"), max_length=200)
    case_type = models.CharField(_("案件类型"), max_length=16, choices=LegalAidCaseType.choices)
    opponent = models.CharField(_("对方当事人"), max_length=100, blank=True)
    hardship = models.TextField(_("经济困难声明"))
    monthly_income = models.DecimalField(_("家庭人均月收入（元）"), max_digits=10, decimal_places=2, null=True,
                                         blank=True)
    status = models.CharField(_("审查状态"), max_length=16, choices=LegalAidStatus.choices,
                              default=LegalAidStatus.PENDING)
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("指派律师"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="legal_aid_cases", limit_choices_to={"role": "lawyer"},
    )
    refusal_reason = models.TextField(_("不予援助理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审查人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审查时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)

    objects = LegalAidQuerySet.as_manager()

    class Meta:
        verbose_name = _("法律援助申请")
        verbose_name_plural = _("法律援助申请")
        ordering = ["-id"]
        indexes = [_region_index("legalaid_region_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=LegalAidStatus.APPROVED) | Q(lawyer__isnull=False), name="legalaid_approved_has_lawyer"
            ),
            models.CheckConstraint(
                condition=~Q(status=LegalAidStatus.REFUSED) | ~Q(refusal_reason=""), name="legalaid_refused_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grievance.tracking_no} {self.applicant_name}"


def _legal_aid_upload(instance, filename):
    return f"mediation/legal_aid/{timezone.now():%Y/%m}/{filename}"


class LegalAidDocument(models.Model):
    application = models.ForeignKey(LegalAidApplication, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("材料名称"), max_length=100)
    file = PrivateFileField(_("文件"), upload_to=RandomName("mediation/legal_aid"))
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
