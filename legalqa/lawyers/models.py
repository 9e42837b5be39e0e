"""Lawyer Q&A and public legal services (在线问法 Siping, 掌上通 Xinfeng; DOMAIN.md §7).

Lawyers keep a verified profile with their fields of practice; a citizen's question goes to
the verified lawyers of its field only (QuestionRouting rows are who may see it); 3–5
lawyers answer, the citizen marks the best one (中标) and that lawyer's award is one ledger
row. Commissions (委托), call-back requests (专家速应), document templates, litigation guides
and applications for other public legal services live here too.

Every big table carries a denormalised ``region_code`` (12 digits) so staff scoping is one
indexed prefix match (grid.permissions.region_q).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from grid.files import PrivateFileField, RandomName
from legalqa.models import FieldOfLaw

licence_validator = RegexValidator(r"^\d{17}$", _("律师执业证号应为17位数字。"))
mobile_or_landline = RegexValidator(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", _("请输入有效的手机号或固定电话。"))


def _region_index(name: str) -> models.Index:
    return models.Index(fields=["region_code"], name=name, opclasses=["varchar_pattern_ops"])


class QAConfig(models.Model):
    """One row of rules staff may change (answer limit, escalation time, award period...)."""

    answer_limit = models.PositiveSmallIntegerField(
        _("每题最多回答律师数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("信丰做法：汇集3–5名律师的解答，达到上限后不再接受新的回答。"),
    )
    escalation_minutes = models.PositiveSmallIntegerField(
        _("未回答提醒时限（分钟）"), default=10, validators=[MinValueValidator(1)],
        help_text=_("超过该时间无人回答先提醒值班律师，再过同样时间提醒监管工作人员。"),
    )
    decide_after_days = models.PositiveSmallIntegerField(
        _("群众未选最佳答案后由工作人员评定（天）"), default=7, validators=[MinValueValidator(1)],
    )
    commission_window_minutes = models.PositiveIntegerField(
        _("委托优先推送时长（分钟）"), default=60, validators=[MinValueValidator(1)],
        help_text=_("先推送给本领域星级最高的律师，超过该时长无人接单再推送给本领域全部律师。"),
    )
    commission_top_n = models.PositiveSmallIntegerField(_("优先推送律师人数"), default=3,
                                                        validators=[MinValueValidator(1)])
    default_award_amount = models.DecimalField(_("默认每次中标报酬（元）"), max_digits=8, decimal_places=2,
                                               default=Decimal("50.00"))

    class Meta:
        verbose_name = _("问法规则设置")
        verbose_name_plural = _("问法规则设置")

    def __str__(self) -> str:
        return str(_("问法规则设置"))

    @classmethod
    def get(cls) -> QAConfig:
        obj = cls.objects.order_by("pk").first()
        return obj or cls.objects.create()

    def staff_decision_cutoff(self, now: datetime.datetime | None = None) -> datetime.datetime:
        """Staff may pick the best answer of a question the citizen left undecided for
        ``decide_after_days`` days: questions asked at or before this moment (DOMAIN.md §7)."""
        return (now or timezone.now()) - datetime.timedelta(days=self.decide_after_days)


class LawyerProfileQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verified_at__isnull=False, user__is_active=True)

    def in_field(self, field):
        return self.filter(fields=field)

    def on_duty(self, at: datetime.datetime | None = None):
        """Lawyers whose duty hours include this moment (local time, weekday list)."""
        now = timezone.localtime(at or timezone.now())
        t = now.time()
        wd = str(now.isoweekday())
        return self.filter(duty_days__contains=wd).filter(
            Q(duty_start__lte=t, duty_end__gt=t)
            | Q(duty_start__gt=models.F("duty_end"), duty_start__lte=t)
            | Q(duty_start__gt=models.F("duty_end"), duty_end__gt=t)
        )

    def by_stars(self):
        return self.order_by("-rating_avg", "-rating_count", "pk")


class LawyerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("律师账号"), on_delete=models.CASCADE,
                                related_name="lawyer_profile")
    name = models.CharField(_("姓名"), max_length=32)
    licence_no = models.CharField(_("执业证号"), max_length=17, unique=True, validators=[licence_validator])
    firm = models.CharField(_("执业机构（律师事务所）"), max_length=100)
    fields = models.ManyToManyField(FieldOfLaw, verbose_name=_("擅长领域"), related_name="lawyers")
    years = models.PositiveSmallIntegerField(_("执业年限"), default=0, validators=[MaxValueValidator(70)])
    languages = models.CharField(_("服务语言"), max_length=100, default="普通话", blank=True)
    photo = PrivateFileField(_("照片"), upload_to=RandomName("lawyers/photos"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=16, validators=[mobile_or_landline])
    bio = models.TextField(_("简介"), blank=True)
    region = models.ForeignKey("grid.Region", verbose_name=_("执业地区"), on_delete=models.PROTECT,
                               related_name="+")
    region_code = models.CharField(_("地区代码"), max_length=12, editable=False, db_index=False)
    duty_days = models.CharField(_("值班日（1=周一…7=周日）"), max_length=7, default="12345",
                                 validators=[RegexValidator(r"^[1-7]{0,7}$", _("只能填写1到7的数字。"))])
    duty_start = models.TimeField(_("值班开始"), default=datetime.time(8, 30))
    duty_end = models.TimeField(_("值班结束"), default=datetime.time(17, 30))
    takes_unmatched = models.BooleanField(
        _("兜底律师"), default=False,
        help_text=_("接收没有对口领域律师的咨询（兜底池），由综治中心指定。"))
    verified_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    rating_avg = models.DecimalField(_("星级"), max_digits=3, decimal_places=2, default=Decimal("0"),
                                     editable=False)
    rating_count = models.PositiveIntegerField(_("评价数"), default=0, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = LawyerProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("律师")
        verbose_name_plural = _("律师")
        ordering = ["-rating_avg", "pk"]
        indexes = [_region_index("lawyer_region_idx"), models.Index(fields=["-rating_avg"], name="lawyer_stars_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.firm}）"

    def save(self, *args, **kwargs):
        if self.region_id:
            self.region_code = self.region.code
        super().save(*args, **kwargs)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def stars(self) -> int:
        return int(round(float(self.rating_avg)))

    def is_on_duty(self, at: datetime.datetime | None = None) -> bool:
        now = timezone.localtime(at or timezone.now())
        if str(now.isoweekday()) not in self.duty_days:
            return False
        t = now.time()
        if self.duty_start <= self.duty_end:
            return self.duty_start <= t < self.duty_end
        return t >= self.duty_start or t < self.duty_end


class QuestionState(models.TextChoices):
    OPEN = "open", _("待解答")
    ANSWERED = "answered", _("已解答")
    CLOSED = "closed", _("已结束")


class QuestionRoute(models.TextChoices):
    FIELD = "field", _("本领域律师")
    FALLBACK = "fallback", _("兜底律师")
    STAFF = "staff", _("待工作人员分派")
    MANUAL = "manual", _("工作人员已分派")


class Question(FSMModelMixin, models.Model):
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提问人"), on_delete=models.PROTECT,
                              related_name="legal_questions")
    field = models.ForeignKey(FieldOfLaw, verbose_name=_("领域"), on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("问题描述"))
    region = models.ForeignKey("grid.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT,
                               related_name="+")
    region_code = models.CharField(_("地区代码"), max_length=12, editable=False)
    state = FSMField(_("状态"), default=QuestionState.OPEN, choices=QuestionState.choices, protected=True)
    answers_closed = models.BooleanField(_("已停止接收回答"), default=False)
    answer_count = models.PositiveSmallIntegerField(_("回答数"), default=0)
    created_at = models.DateTimeField(_("提问时间"), default=timezone.now, db_index=True)
    first_answer_at = models.DateTimeField(_("首次回答时间"), null=True, blank=True)
    respond_due_at = models.DateTimeField(_("应答时限"), null=True, blank=True)
    route = models.CharField(
        _("分派方式"), max_length=16, choices=QuestionRoute.choices, default=QuestionRoute.FIELD,
        help_text=_("该领域没有已审核律师时转兜底律师；兜底律师也没有时等待工作人员分派。"))
    escalation_level = models.PositiveSmallIntegerField(
        _("催办级别"), default=0, help_text=_("0 未催办，1 已提醒值班律师，2 已提醒监管工作人员"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    resolved = models.BooleanField(_("首次即解决"), null=True, blank=True)
    rating_professional = models.PositiveSmallIntegerField(_("专业度"), null=True, blank=True,
                                                           validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_speed = models.PositiveSmallIntegerField(_("响应速度"), null=True, blank=True,
                                                    validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_useful = models.PositiveSmallIntegerField(_("实用性"), null=True, blank=True,
                                                     validators=[MinValueValidator(1), MaxValueValidator(5)])
    suggestion = models.TextField(_("改进建议"), blank=True)

    class Meta:
        verbose_name = _("法律咨询")
        verbose_name_plural = _("法律咨询")
        ordering = ["-created_at"]
        indexes = [
            _region_index("question_region_idx"),
            models.Index(fields=["escalation_level", "respond_due_at"], name="question_escalation_idx",
                         condition=Q(first_answer_at__isnull=True)),
            models.Index(fields=["field", "-created_at"], name="question_field_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="question_escalation_range"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.region_id and not self.region_code:
            self.region_code = self.region.code
        super().save(*args, **kwargs)

    @property
    def best_answer(self):
        return next((a for a in self.answers.all() if a.is_best), None)

    @property
    def satisfaction(self) -> float | None:
        vals = [v for v in (self.rating_professional, self.rating_speed, self.rating_useful) if v]
        return sum(vals) / len(vals) if vals else None

    @transition(field=state, source=QuestionState.OPEN, target=QuestionState.ANSWERED)
    def mark_answered(self):
        pass

    @transition(field=state, source=[QuestionState.OPEN, QuestionState.ANSWERED], target=QuestionState.CLOSED)
    def close(self):
        self.closed_at = timezone.now()


class QuestionRouting(models.Model):
    """A lawyer the question was sent to: this row is what lets the lawyer see it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="routings")
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_routings")
    routed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分派记录")
        verbose_name_plural = _("分派记录")
        constraints = [models.UniqueConstraint(fields=["question", "lawyer"], name="routing_unique")]
        indexes = [models.Index(fields=["lawyer", "-routed_at"], name="routing_lawyer_idx")]

    def __str__(self) -> str:
        return f"{self.question_id}→{self.lawyer_id}"


class Answer(models.Model):
    question = models.ForeignKey(Question, verbose_name=_("咨询"), on_delete=models.CASCADE, related_name="answers")
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("律师"), on_delete=models.PROTECT,
                               related_name="qa_answers")
    body = models.TextField(_("解答"))
    is_best = models.BooleanField(_("最佳答案（中标）"), default=False)
    created_at = models.DateTimeField(_("回答时间"), default=timezone.now)

    class Meta:
        verbose_name = _("律师解答")
        verbose_name_plural = _("律师解答")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "lawyer"], name="answer_one_per_lawyer"),
            models.UniqueConstraint(fields=["question"], condition=Q(is_best=True), name="answer_one_best"),
        ]
        indexes = [models.Index(fields=["lawyer", "-created_at"], name="answer_lawyer_idx")]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.lawyer_id}"


class ReplyKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("追问")
    ASK_BACK = "ask_back", _("律师追问")
    CLARIFY = "clarify", _("补充解答")


class Reply(models.Model):
    """A message in the thread under one lawyer's answer: the citizen's follow-up (追问) or
    the lawyer's ask-back / further explanation. Each notifies the other side once."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=ReplyKind.choices)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("追问与回复")
        verbose_name_plural = _("追问与回复")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("图片")
    AUDIO = "audio", _("语音")


class Attachment(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attachments")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=8, choices=AttachmentKind.choices)
    file = PrivateFileField(_("文件"), upload_to=RandomName("qa/attachments"))
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.file.name


class AwardRate(models.Model):
    """The amount paid per award (中标) in a period, set by staff (the finance rule)."""

    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    amount = models.DecimalField(_("每次中标报酬（元）"), max_digits=8, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("中标报酬标准")
        verbose_name_plural = _("中标报酬标准")
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="award_rate_period")]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}: {self.amount}"


class AwardEntry(models.Model):
    """The ledger: one row per best answer, never two for one question."""

    question = models.OneToOneField(Question, on_delete=models.PROTECT, related_name="award")
    answer = models.OneToOneField(Answer, on_delete=models.PROTECT, related_name="award")
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_awards")
    amount = models.DecimalField(_("金额（元）"), max_digits=8, decimal_places=2)
    period = models.CharField(_("结算月份"), max_length=7, help_text="YYYY-MM")
    decided_by_staff = models.BooleanField(_("工作人员评定"), default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    region_code = models.CharField(max_length=12)
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now)

    class Meta:
        verbose_name = _("中标报酬台账")
        verbose_name_plural = _("中标报酬台账")
        ordering = ["-created_at"]
        indexes = [_region_index("award_region_idx"), models.Index(fields=["period", "lawyer"], name="award_period_idx")]

    def __str__(self) -> str:
        return f"{self.period} {self.lawyer_id} {self.amount}"


class Rating(models.Model):
    """One citizen rating of one lawyer (from a question or a commission): the stars."""

    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_ratings")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings")
    commission = models.ForeignKey("Commission", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="ratings")
    score = models.DecimalField(max_digits=3, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("律师评价")
        verbose_name_plural = _("律师评价")
        constraints = [
            models.UniqueConstraint(fields=["lawyer", "question"], name="rating_once_per_question"),
            models.UniqueConstraint(fields=["lawyer", "commission"], name="rating_once_per_commission"),
        ]

    def __str__(self) -> str:
        return f"{self.lawyer_id}: {self.score}"


class CommissionState(models.TextChoices):
    PUSHING_TOP = "pushing_top", _("优先推送高星律师")
    PUSHING_ALL = "pushing_all", _("推送本领域律师")
    DIRECT = "direct", _("等待所选律师接受")
    DECLINED = "declined", _("律师已谢绝")
    ACCEPTED = "accepted", _("律师已接受")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


# A commission waiting for a lawyer: offered lawyers may accept or decline it.
COMMISSION_OPEN_TO_LAWYERS = (CommissionState.PUSHING_TOP, CommissionState.PUSHING_ALL, CommissionState.DIRECT)


class Commission(FSMModelMixin, models.Model):
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("委托人"), on_delete=models.PROTECT,
                                related_name="qa_commissions")
    field = models.ForeignKey(FieldOfLaw, verbose_name=_("领域"), on_delete=models.PROTECT)
    question = models.ForeignKey(Question, verbose_name=_("来自咨询"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="commissions")
    chosen_lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("指定律师"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办律师"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="qa_cases")
    matter = models.TextField(_("委托事项"))
    phone = models.CharField(_("联系电话"), max_length=16, validators=[mobile_or_landline])
    region = models.ForeignKey("grid.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, editable=False)
    state = FSMField(_("状态"), default=CommissionState.PUSHING_TOP, choices=CommissionState.choices,
                     protected=True)
    widen_at = models.DateTimeField(_("扩大推送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("评价意见"), blank=True)

    class Meta:
        verbose_name = _("律师委托")
        verbose_name_plural = _("律师委托")
        ordering = ["-created_at"]
        indexes = [
            _region_index("commission_region_idx"),
            models.Index(fields=["state", "widen_at"], name="commission_widen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field} · {self.matter[:20]}"

    def save(self, *args, **kwargs):
        if self.region_id and not self.region_code:
            self.region_code = self.region.code
        super().save(*args, **kwargs)

    @transition(field=state, source=CommissionState.PUSHING_TOP, target=CommissionState.PUSHING_ALL)
    def widen(self):
        pass

    @transition(field=state, source=list(COMMISSION_OPEN_TO_LAWYERS), target=CommissionState.ACCEPTED)
    def accept(self, lawyer):
        self.lawyer = lawyer
        self.accepted_at = timezone.now()

    @transition(field=state, source=CommissionState.DIRECT, target=CommissionState.DECLINED)
    def decline(self):
        pass

    @transition(field=state, source=CommissionState.ACCEPTED, target=CommissionState.COMPLETED)
    def complete(self):
        self.completed_at = timezone.now()

    @transition(field=state, source=[*COMMISSION_OPEN_TO_LAWYERS, CommissionState.DECLINED],
                target=CommissionState.CANCELLED)
    def cancel(self):
        pass


class OfferStage(models.TextChoices):
    TOP = "top", _("高星优先")
    ALL = "all", _("全领域")
    DIRECT = "direct", _("点单")


class CommissionOffer(models.Model):
    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="offers")
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_offers")
    stage = models.CharField(_("推送轮次"), max_length=8, choices=OfferStage.choices)
    offered_at = models.DateTimeField(default=timezone.now)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("委托推送")
        verbose_name_plural = _("委托推送")
        ordering = ["offered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["commission", "lawyer"], name="offer_unique")]

    def __str__(self) -> str:
        return f"{self.commission_id}→{self.lawyer_id}"


class CallbackRequest(models.Model):
    """专家速应: a citizen asks the on-duty lawyer to call back; the lawyer must acknowledge."""

    field = models.ForeignKey(FieldOfLaw, verbose_name=_("领域"), on_delete=models.PROTECT)
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("值班律师"), on_delete=models.PROTECT,
                               related_name="qa_callbacks")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("群众"), on_delete=models.PROTECT,
                                related_name="+")
    phone = models.CharField(_("回拨电话"), max_length=16, validators=[mobile_or_landline])
    note = models.CharField(_("简要说明"), max_length=200, blank=True)
    region_code = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("律师确认时间"), null=True, blank=True)
    called_at = models.DateTimeField(_("已回拨时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("超时提醒时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("专家速应回拨")
        verbose_name_plural = _("专家速应回拨")
        ordering = ["-created_at"]
        indexes = [
            _region_index("callback_region_idx"),
            models.Index(fields=["created_at"], name="callback_unacked_idx",
                         condition=Q(acknowledged_at__isnull=True, reminded_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.field} {self.phone}"


class CallLog(models.Model):
    """A tap on the tel: button of the urgent channel (for the KPIs)."""

    field = models.ForeignKey(FieldOfLaw, on_delete=models.PROTECT)
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("专家速应来电记录")
        verbose_name_plural = _("专家速应来电记录")

    def __str__(self) -> str:
        return f"{self.field} {self.created_at:%Y-%m-%d %H:%M}"


class DocType(models.TextChoices):
    COMPLAINT = "complaint", _("起诉状")
    DEFENCE = "defence", _("答辩状")
    CONTRACT = "contract", _("合同")
    APPLICATION = "application", _("申请书")
    AGREEMENT = "agreement", _("协议书")
    OTHER = "other", _("其他文书")


class DocumentTemplate(models.Model):
    """A DOCX template; marked fields are Jinja placeholders such as {{ 原告姓名 }}."""

    title = models.CharField(_("名称"), max_length=100)
    field = models.ForeignKey(FieldOfLaw, verbose_name=_("领域"), on_delete=models.PROTECT, related_name="templates")
    doc_type = models.CharField(_("文书类型"), max_length=12, choices=DocType.choices)
    description = models.TextField(_("说明"), blank=True)
    file = PrivateFileField(_("DOCX 模板文件"), upload_to=RandomName("qa/templates"))
    placeholders = models.JSONField(_("待填写项"), default=list, blank=True, editable=False)
    published = models.BooleanField(_("已发布"), default=True)
    downloads = models.PositiveIntegerField(_("下载次数"), default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["field__order", "doc_type", "title"]

    def __str__(self) -> str:
        return self.title


class CaseType(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("行政案件")
    CIVIL = "civil", _("民事案件")
    CRIMINAL = "criminal", _("刑事案件")
    MARRIAGE = "marriage", _("婚姻纠纷案件")
    SUPPORT = "support", _("赡养纠纷案件")
    LABOUR = "labour", _("劳动合同纠纷案件")
    TRAFFIC = "traffic", _("交通事故损害赔偿纠纷案件")


class LitigationGuide(models.Model):
    """诉讼指引; the HTML is sanitised with nh3 when saved through the service."""

    case_type = models.CharField(_("案件类型"), max_length=16, choices=CaseType.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("诉讼指南"))
    application_notes = models.TextField(_("申请须知"), blank=True)
    evidence_notes = models.TextField(_("举证须知"), blank=True)
    published = models.BooleanField(_("已发布"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("诉讼指引")
        verbose_name_plural = _("诉讼指引")
        ordering = ["case_type", "title"]

    def __str__(self) -> str:
        return self.title


class ServiceKind(models.TextChoices):
    NOTARISATION = "notarisation", _("公证预约")
    MEDIATION = "mediation", _("人民调解申请")
    RECONSIDERATION = "reconsideration", _("行政复议申请")


class ServiceState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    MISSING = "missing", _("待补齐材料")
    APPROVED = "approved", _("已受理并预约")
    REFUSED = "refused", _("不予受理")
    TRANSFERRED = "transferred", _("已转入调解流程")


class ServiceApplication(FSMModelMixin, models.Model):
    """An application for another public legal service, reviewed online by staff within the
    137 rule (same day where possible, interim reply within 3 days, done within 7)."""

    kind = models.CharField(_("服务类型"), max_length=16, choices=ServiceKind.choices)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="legal_services")
    contact_name = models.CharField(_("联系人"), max_length=32)
    contact_phone = models.CharField(_("联系电话"), max_length=16, validators=[mobile_or_landline])
    region = models.ForeignKey("grid.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, editable=False)
    # notarisation
    office = models.CharField(_("公证处"), max_length=100, blank=True)
    matter = models.TextField(_("事项"), blank=True)
    preferred_slot = models.CharField(_("希望办理时段"), max_length=50, blank=True)
    # mediation
    other_party = models.CharField(_("对方当事人"), max_length=100, blank=True)
    # reconsideration
    respondent_agency = models.CharField(_("被申请人（行政机关）"), max_length=100, blank=True)
    contested_decision = models.TextField(_("不服的行政行为"), blank=True)
    request = models.TextField(_("复议请求"), blank=True)
    documents = PrivateFileField(_("材料"), upload_to=RandomName("qa/services"), blank=True)
    state = FSMField(_("状态"), default=ServiceState.SUBMITTED, choices=ServiceState.choices, protected=True)
    appointment_at = models.DateTimeField(_("预约办理时间"), null=True, blank=True)
    missing_documents = models.TextField(_("需补齐的材料"), blank=True)
    refuse_reason = models.TextField(_("不予受理理由"), blank=True)
    staff_note = models.TextField(_("工作人员意见"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    grievance = models.ForeignKey("grievances.Grievance", verbose_name=_("调解诉求件"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    interim_due_at = models.DateTimeField(_("答复时限"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(_("超时提醒时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("公共法律服务申请")
        verbose_name_plural = _("公共法律服务申请")
        ordering = ["-created_at"]
        indexes = [
            _region_index("service_region_idx"),
            models.Index(fields=["interim_due_at"], name="service_overdue_idx",
                         condition=Q(state=ServiceState.SUBMITTED, reminded_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.contact_name}"

    def save(self, *args, **kwargs):
        if self.region_id and not self.region_code:
            self.region_code = self.region.code
        super().save(*args, **kwargs)

    @transition(field=state, source=[ServiceState.SUBMITTED, ServiceState.MISSING], target=ServiceState.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=ServiceState.SUBMITTED, target=ServiceState.MISSING)
    def ask_missing(self):
        pass

    @transition(field=state, source=ServiceState.MISSING, target=ServiceState.SUBMITTED)
    def resubmit(self):
        pass

    @transition(field=state, source=[ServiceState.SUBMITTED, ServiceState.MISSING], target=ServiceState.REFUSED)
    def refuse(self):
        pass

    @transition(field=state, source=ServiceState.SUBMITTED, target=ServiceState.TRANSFERRED)
    def transfer(self):
        pass
