"""Deadline policy (data), one clock per grievance, pauses, extensions and the scan's
bookkeeping (DOMAIN.md §5, the "137+2030" rule).

A clock keeps the item's timeline and the due times computed from it by
grievances.deadlines.policy. Two indexed columns make the scan cheap at any size:
``next_due`` (the next moment something must happen: a reminder point or a deadline;
NULL when nothing is pending) drives the minute scan, and ``due_at`` (the nearest unmet
deadline of an open item) drives the overdue lists.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grievances.deadlines import policy
from grievances.models import GrievanceKind, Severity


class StartOn(models.TextChoices):
    ACCEPTED = policy.START_ON_ACCEPTED, _("受理时起算（矛盾纠纷当日受理）")
    DISPATCHED = policy.START_ON_DISPATCHED, _("分流交办时起算（立即启动）")


class DeadlineCode(models.TextChoices):
    CENTRE = policy.CENTRE, _("中心受理分派")
    SIGN = policy.SIGN, _("签收")
    INTERIM = policy.INTERIM, _("阶段性回复")
    COMPLETION = policy.COMPLETION, _("办结")
    RATING = policy.RATING, _("群众评价")


def validate_reminder_hours(value: str) -> None:
    try:
        hours = [int(x) for x in value.replace("，", ",").split(",") if x.strip()]
    except ValueError as exc:
        raise ValidationError(_("请填写用逗号分隔的小时数，例如“24,2”。")) from exc
    if any(h <= 0 or h > 24 * 30 for h in hours):
        raise ValidationError(_("提醒时间必须在1到720小时之间。"))


class DeadlinePolicy(models.Model):
    """The deadline rule for one kind of appeal (and, for disputes, one grade). Editable by
    staff; a clock copies its rule when it starts, so an edit applies to new items."""

    kind = models.CharField(_("诉求类型"), max_length=16, choices=GrievanceKind.choices)
    severity = models.CharField(
        _("纠纷等级"), max_length=16, choices=Severity.choices, blank=True,
        help_text=_("留空表示该类型的所有等级。"),
    )
    start_on = models.CharField(_("计时起点"), max_length=16, choices=StartOn.choices)
    sign_days = models.PositiveSmallIntegerField(
        _("签收期限（天）"), default=0, validators=[MaxValueValidator(30)],
        help_text=_("0表示当天签收（当日24时前）。"),
    )
    interim_days = models.PositiveSmallIntegerField(
        _("阶段性回复期限（天）"), null=True, blank=True, validators=[MaxValueValidator(60)],
        help_text=_("当天未办结的，须在此期限内作出阶段性回复；留空表示不要求。"),
    )
    completion_days = models.PositiveSmallIntegerField(
        _("办结期限（天）"), validators=[MinValueValidator(0), MaxValueValidator(365)]
    )
    second_days = models.PositiveSmallIntegerField(
        _("二次督办办结期限（天）"), default=7, validators=[MaxValueValidator(365)],
        help_text=_("群众评价不满意后重新办理的期限。"),
    )
    rating_days = models.PositiveSmallIntegerField(
        _("评价期限（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("反馈后逾期未评价的，自动归档。"),
    )
    centre_hours = models.PositiveSmallIntegerField(
        _("中心受理分派时限（小时）"), default=24, validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    reminder_hours = models.CharField(
        _("到期前提醒（小时）"), max_length=40, default="24,2", validators=[validate_reminder_hours],
    )
    note = models.CharField(_("依据"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则（137+2030）")
        ordering = ["kind", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "severity"], name="deadline_policy_unique"),
        ]

    def __str__(self) -> str:
        sev = f" · {self.get_severity_display()}" if self.severity else ""
        return f"{self.get_kind_display()}{sev}"

    def rules(self) -> policy.Rules:
        hours = tuple(int(x) for x in self.reminder_hours.replace("，", ",").split(",") if x.strip())
        return policy.Rules(
            start_on=self.start_on, sign_days=self.sign_days, interim_days=self.interim_days,
            completion_days=self.completion_days, second_days=self.second_days, rating_days=self.rating_days,
            centre_hours=self.centre_hours, reminder_hours=hours,
        )


class ClockQuerySet(models.QuerySet):
    def visible_to(self, user):
        from grid import permissions

        if permissions.is_admin(user):
            return self.all()
        if permissions.is_centre(user):
            return self.filter(permissions.region_q(user))
        if permissions.is_department(user) or permissions.is_mediator(user):
            return self.filter(unit_id=user.unit_id)
        return self.none()

    def open(self):
        return self.filter(is_open=True)

    def overdue(self, now):
        return self.filter(is_open=True, due_at__lt=now)


class Clock(models.Model):
    grievance = models.OneToOneField(
        "grievances.Grievance", verbose_name=_("诉求件"), primary_key=True, on_delete=models.CASCADE,
        related_name="clock",
    )
    region_code = models.CharField(_("区域代码"), max_length=12)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=GrievanceKind.choices)
    severity = models.CharField(_("纠纷等级"), max_length=16, choices=Severity.choices, blank=True)
    unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    centre = models.ForeignKey(
        "grid.Unit", verbose_name=_("责任综治中心"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    policy = models.ForeignKey(
        DeadlinePolicy, verbose_name=_("时限规则"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    rules = models.JSONField(_("规则快照"), default=dict)

    # the timeline (see policy.Timeline)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    centre_started_at = models.DateTimeField(_("中心时限起算"), null=True, blank=True)
    centre_done_at = models.DateTimeField(_("中心分派/办结时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    interim_at = models.DateTimeField(_("阶段性回复时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("二次督办起算"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    is_open = models.BooleanField(_("未结"), default=True)

    # computed by policy.compute
    centre_due = models.DateTimeField(_("中心受理分派截止"), null=True, blank=True)
    sign_due = models.DateTimeField(_("签收截止"), null=True, blank=True)
    interim_due = models.DateTimeField(_("阶段性回复截止"), null=True, blank=True)
    completion_due = models.DateTimeField(_("办结截止"), null=True, blank=True)
    rating_due = models.DateTimeField(_("评价截止"), null=True, blank=True)
    due_at = models.DateTimeField(_("最近截止时间"), null=True, blank=True)
    due_code = models.CharField(_("最近截止事项"), max_length=16, choices=DeadlineCode.choices, blank=True)
    next_due = models.DateTimeField(_("下次检查时间"), null=True, blank=True)
    overdue_count = models.PositiveSmallIntegerField(_("超期次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理时钟")
        verbose_name_plural = _("办理时钟")
        ordering = ["due_at"]
        indexes = [
            # The scan: "what needs attention now" is a range on this partial index.
            models.Index(fields=["next_due"], name="clock_next_due_idx", condition=Q(next_due__isnull=False)),
            # Overdue lists and per-unit counts: open items by unit and due time.
            models.Index(fields=["unit", "due_at"], name="clock_open_unit_due_idx", condition=Q(is_open=True)),
            # Open items by due time (the province-wide 督办 list reads it in order); the unit is
            # a key column too, so a province's per-unit overdue counts read this index alone
            # instead of fetching every overdue clock's row (~18 ms at 10 M appeals).
            models.Index(fields=["due_at", "unit"], name="clock_open_due_unit_idx", condition=Q(is_open=True)),
            models.Index(fields=["region_code"], name="clock_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
            # A centre's overdue count, list and per-unit counts (督办): its region's open
            # clocks only, by due time, unit included so the counts read the index alone. The
            # region index above also covers every closed clock, which at scale PostgreSQL
            # ANDed with the open-due index (issue 18).
            models.Index(fields=["region_code", "due_at", "unit"], name="clock_open_region_due_idx",
                         condition=Q(is_open=True), opclasses=["varchar_pattern_ops", "timestamptz_ops", "int8_ops"]),
        ]

    def __str__(self) -> str:
        return str(self.grievance_id)

    def get_rules(self) -> policy.Rules:
        return policy.Rules.from_dict(self.rules) if self.rules else policy.Rules()


class Holiday(models.Model):
    """A day off on a weekday (法定节假日) or a weekend day worked in exchange (调休上班):
    the working-hours rule for signing for an item reads them (policy.WorkCalendar)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("调休上班"), default=False, help_text=_("勾选表示这一天虽是周末但照常上班；不勾选表示放假。"),
    )
    name = models.CharField(_("名称"), max_length=40, help_text=_("例如“国庆节”“国庆节调休”。"))

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日和调休")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class PauseReason(models.TextChoices):
    EXPERT = "expert", _("专家咨询")
    APPRAISAL = "appraisal", _("鉴定")


class ClockPause(models.Model):
    """专家咨询/鉴定: the time between start and end does not count (seed 004)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("暂停原因"), max_length=16, choices=PauseReason.choices)
    note = models.CharField(_("说明"), max_length=200)
    started_at = models.DateTimeField(_("暂停时间"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("暂停人"), on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("恢复人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("计时暂停")
        verbose_name_plural = _("计时暂停")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["clock"], condition=Q(ended_at__isnull=True), name="one_open_pause"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="pause_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.started_at:%Y-%m-%d}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待领导审核")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ExtensionRequest(models.Model):
    """延期: agreed by the mediator and the parties, approved by the unit's leader, filed
    with the centre (seed 004); an approval moves the completion due time."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey("grid.Unit", verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey(
        "grid.Unit", verbose_name=_("备案综治中心"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("延长天数"), validators=[MinValueValidator(1), MaxValueValidator(90)])
    reason = models.TextField(_("延期理由"))
    parties_agreed = models.BooleanField(_("当事人已同意延期"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=16, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["clock"], condition=Q(status="pending"), name="one_pending_extension"),
        ]

    def __str__(self) -> str:
        return f"{self.days}天 {self.get_status_display()}"


class ClockAction(models.Model):
    """What the scan did, once per item, deadline, action and due time: the unique key
    makes a second scan (or a re-run after a crash) a no-op."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="actions")
    deadline = models.CharField(_("时限事项"), max_length=16, choices=DeadlineCode.choices)
    action = models.CharField(_("动作"), max_length=16)
    due = models.DateTimeField(_("截止时间"))
    created_at = models.DateTimeField(_("执行时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("时限处理记录")
        verbose_name_plural = _("时限处理记录")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "deadline", "action", "due"], name="clock_action_once"),
        ]

    def __str__(self) -> str:
        return f"{self.deadline} {self.action}"


class SupervisionItem(Clock):
    """The centre's supervision page (督办): open items past a deadline."""

    class Meta:
        proxy = True
        verbose_name = _("超期督办事项")
        verbose_name_plural = _("督办（超期事项）")
