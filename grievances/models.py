"""Citizen appeals (诉求件) and the seven-step closed loop (DOMAIN.md §3–§4).

The ``state`` field is protected: only the ``@transition`` methods below change it, and only
grievances.services calls them (after checking who acts). The model is optimistically
locked: ``ConcurrentTransitionMixin`` adds ``WHERE state = <state when loaded> AND
version = <version when loaded>`` to every UPDATE, and ``version`` is an FSM field too, so
two people acting on one item at once cannot both win, even for actions that keep the
state (a supervision order, an interim reply).

Transitions carry ``custom`` metadata (Chinese label, who may do it, event code) from which
``manage.py workflow_graph`` generates docs/workflow.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMIntegerField, transition

from grid.choices import CachedChoiceDisplay
from grid.files import PrivateFileField, RandomName
from grid.models import mobile_validator


class GrievanceKind(models.TextChoices):
    DISPUTE = "dispute", _("矛盾纠纷调解")
    LIVELIHOOD = "livelihood", _("民生诉求服务")
    COMPLAINT = "complaint", _("投诉举报反映")
    INQUIRY = "inquiry", _("信息咨询服务")
    LEGAL_AID = "legal_aid", _("法律援助申请")
    SUGGESTION = "suggestion", _("意见建议")
    BUSINESS = "business", _("助企纾困")


class Severity(models.TextChoices):
    SIMPLE = "simple", _("简易")
    ORDINARY = "ordinary", _("一般")
    MAJOR = "major", _("较大")
    GRAVE = "grave", _("重大")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class Channel(models.TextChoices):
    WEB = "web", _("网上提交")
    PATROL = "patrol", _("网格巡查")
    HOTLINE = "hotline", _("12345热线")
    WALK_IN = "walk_in", _("来访登记")
    SCREENING = "screening", _("排查录入")
    # Channels outside the platform that file through the open API (api/, Open311).
    APP = "app", _("小程序/移动应用")
    PARTNER = "partner", _("合作系统")


# Channels an API key may file under (the key's own channel; HOTLINE is the 12345 feed).
API_CHANNELS = (Channel.HOTLINE, Channel.APP, Channel.PARTNER)


@dataclass(frozen=True)
class ExternalSource:
    """A system outside the platform filing an appeal through the open API: its name (e.g.
    "12345热线", shown in the item's timeline) and the region it may file into. The API
    app resolves its key to this; grievances never sees keys."""

    name: str
    region_code: str
    region_level: int


class State(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("已分流")
    HANDLING = "handling", _("办理中")
    COMPLETED = "completed", _("已办结待核查")
    VERIFIED = "verified", _("已反馈待评价")
    CLOSED = "closed", _("已办结归档")


OPEN_STATES = (
    State.SUBMITTED, State.ACCEPTED, State.DISPATCHED, State.HANDLING, State.COMPLETED, State.VERIFIED,
)
# Where a department holds the item (first-receiver responsibility applies).
AT_UNIT_STATES = (State.DISPATCHED, State.HANDLING)
# What the citizen sees: 已受理 → 处理中 → 已办结 (DOMAIN.md §4).
PUBLIC_STAGE = {
    State.SUBMITTED: 0, State.ACCEPTED: 1, State.REJECTED: 0, State.DISPATCHED: 2, State.HANDLING: 2,
    State.COMPLETED: 2, State.VERIFIED: 3, State.CLOSED: 3,
}


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class CategoryGroup(models.TextChoices):
    DISPUTE = "dispute", _("纠纷类别")
    KEY_AREA = "key_area", _("重点领域标签")


class Category(models.Model):
    """The 18 dispute categories (Chenzhou) and the key-area tags (Siping): data, editable."""

    group = models.CharField(_("分组"), max_length=16, choices=CategoryGroup.choices, default=CategoryGroup.DISPUTE)
    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["group", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="category_unique_name_in_group"),
        ]

    def __str__(self) -> str:
        return self.name


class TrackingSequence(models.Model):
    """One row per day; ``last`` is bumped with an UPDATE that holds the row lock until the
    submitting transaction commits, so numbers are unique and gap-free under concurrency."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d} {self.last}"


# Columns of an item that its own saves leave alone: their one writer is another module.
KEPT_BY_OTHERS = frozenset({"due_at"})

# Region prefix lengths (city, county) whose queue order has an expression index, and the
# indexes: (prefix, due_at, id DESC) INCLUDE (region_code); the whole province: (due_at, id DESC).
QUEUE_PREFIX_LENGTHS = (4, 6)
QUEUE_INDEXES = [
    models.Index(Substr("region_code", 1, 4), "due_at", models.F("id").desc(), name="grv_city_queue_idx",
                 include=["region_code"]),
    models.Index(Substr("region_code", 1, 6), "due_at", models.F("id").desc(), name="grv_county_queue_idx",
                 include=["region_code"]),
    models.Index("due_at", models.F("id").desc(), name="grv_queue_idx"),
]
# The queue filtered by one state (the admin's state filter, an equality): (prefix, state,
# due_at, id DESC), so its first page and capped count read that state's items of the region
# only, not the region's and the state's items ANDed (issue 18).
QUEUE_STATE_INDEXES = [
    models.Index(Substr("region_code", 1, 4), "state", "due_at", models.F("id").desc(), name="grv_city_state_queue_idx"),
    models.Index(Substr("region_code", 1, 6), "state", "due_at", models.F("id").desc(),
                 name="grv_county_state_queue_idx"),
]


class GrievanceQuerySet(models.QuerySet):
    def visible_to(self, user) -> GrievanceQuerySet:
        """Scope by role (grid.permissions): citizens their own items, centre staff their
        region subtree, departments their unit's items (lead or co-handling), grid workers
        their grids' reports and their own, admin everything."""
        from grid import permissions

        if permissions.is_admin(user):
            return self.all()
        if permissions.is_centre(user):
            return self.filter(permissions.region_q(user))
        if permissions.is_department(user) or permissions.is_mediator(user):
            unit_id = user.unit_id
            return self.filter(
                Q(handling_unit_id=unit_id)
                | Q(pk__in=CoHandling.objects.filter(unit_id=unit_id).values("grievance_id"))
            )
        if permissions.is_grid_worker(user):
            from grid.models import Grid

            return self.filter(
                reporter_q(user) | Q(grid_id__in=Grid.objects.filter(workers=user).values("id"))
            )
        if permissions.is_citizen(user):
            return self.filter(reporter_q(user))
        return self.none()

    def registered_for_phone(self, phone: str) -> GrievanceQuerySet:
        """Items staff registered for this phone number (hotline, walk-in, screening) or a
        grid worker reported on a citizen's behalf (patrol): the citizen who logs in with
        that number by SMS owns them (index grv_phone_idx)."""
        if not phone:
            return self.none()
        return self.filter(contact_phone=phone).exclude(channel=Channel.WEB)

    def open(self) -> GrievanceQuerySet:
        return self.filter(state__in=OPEN_STATES)


def reporter_q(user) -> Q:
    """The items a citizen reported: those filed from their account, and those registered
    for their phone number by staff or a grid worker. A citizen's phone is proven: accounts
    are made by SMS login or by staff, and the number is unique among accounts. Items filed
    online by another account are never included, whatever contact number was typed."""
    q = Q(reporter_id=user.pk)
    if getattr(user, "phone", None):
        q |= Q(contact_phone=user.phone) & ~Q(channel=Channel.WEB)
    # 我也遇到了: items the citizen joined as a co-reporter (they follow its progress).
    q |= Q(pk__in=CoReporter.objects.filter(user_id=user.pk).values("grievance_id"))
    return q




def _custom(label, roles, event, public=True):
    return {"label": label, "roles": roles, "event": event, "public": public}


CENTRE = _("综治中心工作人员/领导")
CENTRE_LEADER = _("综治中心领导")
HANDLER = _("承办单位办理人/领导")
DEPT_LEADER = _("承办单位领导")
CITIZEN = _("反映人（群众/网格员）")
SYSTEM = _("系统（超时自动）")
ANYONE_STAFF = _("综治中心工作人员/领导（督办）")
CENTRE_OR_SYSTEM = _("综治中心工作人员/领导，或系统（调解回访）")
CITIZEN_OR_VISIT = _("反映人（网上评价），或综治中心工作人员（回访记录）")
SYSTEM_WITH_MAIN = _("系统（主件办结时，或关联到已办结的主件时）")


class Grievance(CachedChoiceDisplay, ConcurrentTransitionMixin, models.Model):
    tracking_no = models.CharField(_("受理编号"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=GrievanceKind.choices, db_index=True)
    category = models.ForeignKey(
        Category, verbose_name=_("纠纷类别"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="grievances", limit_choices_to={"group": CategoryGroup.DISPUTE},
    )
    tags = models.ManyToManyField(
        Category, verbose_name=_("重点领域标签"), blank=True, related_name="tagged_grievances",
        limit_choices_to={"group": CategoryGroup.KEY_AREA},
    )
    severity = models.CharField(_("纠纷等级"), max_length=16, choices=Severity.choices, blank=True)
    risk_level = models.CharField(_("风险等级"), max_length=16, choices=RiskLevel.choices, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    state = FSMField(_("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED, protected=True)
    version = FSMIntegerField(_("版本"), default=0, editable=False)

    region = models.ForeignKey("grid.Region", verbose_name=_("发生地"), on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    grid = models.ForeignKey(
        "grid.Grid", verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("诉求内容"))

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("反映人账号"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="grievances",
    )
    contact_name = models.CharField(_("联系人"), max_length=64)
    contact_phone = models.CharField(_("联系电话"), max_length=11, blank=True, validators=[mobile_validator])
    hide_identity = models.BooleanField(_("对承办部门隐藏姓名和电话"), default=False)

    centre = models.ForeignKey(
        "grid.Unit", verbose_name=_("责任综治中心"), on_delete=models.PROTECT, related_name="centre_grievances"
    )
    first_unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("首接单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handling_unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="handled_grievances",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    co_units = models.ManyToManyField(
        "grid.Unit", verbose_name=_("协办单位"), through="CoHandling", blank=True, related_name="co_grievances"
    )

    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    supervision_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    is_joint = models.BooleanField(_("联调联处"), default=False)
    is_mass = models.BooleanField(_("涉众"), default=False)
    is_difficult = models.BooleanField(_("疑难复杂"), default=False)
    has_leader_instruction = models.BooleanField(_("领导批办"), default=False)
    satisfaction = models.CharField(_("最近评价"), max_length=16, choices=Satisfaction.choices, blank=True)

    reject_reason = models.TextField(_("不予受理理由"), blank=True)
    guidance = models.TextField(_("办理指引"), blank=True)
    result = models.TextField(_("办理结果"), blank=True)

    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("分流时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    # The item's nearest unmet deadline: its clock's due_at, copied here by grievances.deadlines
    # (the clocks' one owner, the only writer of this column) so the centre's queue, which puts
    # the most urgent first, is ordered by a column of this table and its first page is a walk
    # of the (region prefix, due_at, id) indexes below (issue 18). NULL: no running clock.
    due_at = models.DateTimeField(_("最近截止时间"), null=True, blank=True, editable=False)

    objects = GrievanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求件")
        verbose_name_plural = _("诉求件")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["region_code"], name="grv_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["handling_unit", "state", "id"], name="grv_unit_state_idx"),
            models.Index(fields=["handling_unit", "id"], name="grv_unit_id_idx"),
            models.Index(fields=["centre", "state", "id"], name="grv_centre_state_idx"),
            models.Index(fields=["reporter", "id"], name="grv_reporter_idx"),
            models.Index(fields=["state", "id"], name="grv_state_idx"),
            models.Index(fields=["grid", "id"], name="grv_grid_idx"),
            models.Index(fields=["handler", "id"], name="grv_handler_idx"),
            # 我的办理事项's count of the open items a person signed: an index-only count of
            # those alone, not the person's items of three years ANDed with the province's open ones.
            # Not a partial index on the open states: the planner then read that index whole as
            # "the open items" for any state filter (the co-handled 办理中 list: 1.5 -> 40 ms at 10 M).
            models.Index(fields=["handler", "state"], name="grv_handler_state_idx"),
            models.Index(fields=["handling_unit", "id"], name="grv_unit_flagged_idx",
                         condition=Q(supervision_count__gt=0) | Q(has_leader_instruction=True)),
            models.Index(fields=["handling_unit", "id"], name="grv_unit_joint_idx", condition=Q(is_joint=True)),
            models.Index(fields=["category", "state", "id"], name="grv_category_state_idx"),
            models.Index(fields=["contact_phone"], name="grv_phone_idx"),
            # Open311 requests.json (api.selectors.requests): the page's ids newest first in a date
            # range, with status, region and kind filtered inside the index (index-only walks);
            # open items alone; one service code at a time. The duplicate suggestions
            # (assist.related.candidates): a township's items in a time window, newest first.
            models.Index(fields=["created_at", "id"], name="grv_created_cover_idx",
                         include=["kind", "category", "state", "region_code"]),
            models.Index(fields=["created_at", "id"], name="grv_open_created_idx",
                         include=["kind", "category", "region_code"], condition=Q(state__in=OPEN_STATES)),
            models.Index(fields=["kind", "category", "created_at", "id"], name="grv_kind_cat_created_idx",
                         include=["state", "region_code"]),
            models.Index(fields=["kind", "created_at", "id"], name="grv_kind_created_idx",
                         include=["category", "state", "region_code"]),
            models.Index(Substr("region_code", 1, 9), "created_at", "id", name="grv_town_created_idx"),
            # A jurisdiction (a city or a county) newest first: requests.json?jurisdiction_id=.
            # region_code is included although the key has its prefix: PostgreSQL answers from
            # an expression index alone only when the expression's column is in it too.
            models.Index(Substr("region_code", 1, 4), "created_at", "id", name="grv_city_created_idx",
                         include=["kind", "category", "state", "region_code"]),
            models.Index(Substr("region_code", 1, 6), "created_at", "id", name="grv_county_created_idx",
                         include=["kind", "category", "state", "region_code"]),
            # The centre's queue, most urgent first (due_at ascending, NULLs last, then newest):
            # a county's, a city's or the whole province's first page is an index walk.
            # region_code is included so the capped count reads the index alone.
            *QUEUE_INDEXES,
            *QUEUE_STATE_INDEXES,
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["submitted", "rejected"]) | ~Q(severity="") | ~Q(kind="dispute"),
                name="grv_dispute_graded_once_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["dispatched", "handling", "completed"]) | Q(handling_unit__isnull=False),
                name="grv_unit_while_at_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_no} {self.title}"

    def save(self, *args, **kwargs):
        """A save of the item never writes ``due_at`` (grievances.deadlines writes it with an
        UPDATE of that column alone), so an object loaded before the deadline moved cannot put
        the old time back."""
        if not self._state.adding and not args and kwargs.get("update_fields") is None \
                and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.attname not in deferred
                                       and f.name not in KEPT_BY_OTHERS]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def public_stage(self) -> int:
        return PUBLIC_STAGE[self.state]

    @property
    def needs_joint_handling(self) -> bool:
        """Chenzhou 联调联处: returned twice or more, or marked 涉众/疑难."""
        return self.return_count >= 2 or self.is_mass or self.is_difficult

    @property
    def tracking_display(self) -> str:
        from grievances.tracking import format_tracking_no

        return format_tracking_no(self.tracking_no)

    def bump_version(self) -> None:
        self.version = self.version + 1

    # ---- transitions: pure state changes; who may act is checked in services ----

    @transition(field=state, source=State.SUBMITTED, target=State.ACCEPTED,
                custom=_custom(_("受理（分类定级）"), CENTRE, "accepted"))
    def accept(self):
        self.accepted_at = timezone.now()

    @transition(field=state, source=[State.SUBMITTED, State.ACCEPTED], target=State.REJECTED,
                custom=_custom(_("不予受理（说明理由和指引）"), CENTRE, "rejected"))
    def reject(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=[State.SUBMITTED, State.ACCEPTED], target=None,
                custom=_custom(_("上报上级综治中心"), CENTRE, "escalated"))
    def escalate(self):
        pass

    @transition(field=state, source=State.ACCEPTED, target=None,
                custom=_custom(_("交下级综治中心"), CENTRE, "dispatched"))
    def transfer_down(self):
        pass

    @transition(field=state, source=State.ACCEPTED, target=State.DISPATCHED,
                conditions=[lambda g: not g.needs_joint_handling],
                custom=_custom(_("分流交办（牵头单位+协办单位/调解组织）"), CENTRE, "dispatched"))
    def dispatch(self):
        self.dispatched_at = timezone.now()

    @transition(field=state, source=State.ACCEPTED, target=State.DISPATCHED,
                custom=_custom(_("联调联处（指定牵头和协同部门）"), CENTRE, "joint_opened"))
    def open_joint(self):
        self.is_joint = True
        self.dispatched_at = timezone.now()

    @transition(field=state, source=State.DISPATCHED, target=State.HANDLING,
                custom=_custom(_("签收"), HANDLER, "signed"))
    def sign(self):
        self.signed_at = timezone.now()

    @transition(field=state, source=State.HANDLING, target=None,
                custom=_custom(_("阶段性回复"), HANDLER, "interim_reply"))
    def reply(self):
        pass

    @transition(field=state, source=State.HANDLING, target=State.COMPLETED,
                custom=_custom(_("办结（填写结果、上传材料）"), HANDLER, "completed", public=False))
    def complete(self):
        self.completed_at = timezone.now()

    @transition(field=state, source=[State.DISPATCHED, State.HANDLING], target=None,
                custom=_custom(_("申请退回（说明理由）"), HANDLER, "return_requested", public=False))
    def request_return(self):
        pass

    @transition(field=state, source=[State.DISPATCHED, State.HANDLING], target=State.ACCEPTED,
                custom=_custom(_("批准退回（退回同级综治中心）"), DEPT_LEADER, "return_approved", public=False))
    def approve_return(self):
        self.return_count += 1
        self.handling_unit = None
        self.handler = None
        self.signed_at = None

    @transition(field=state, source=State.COMPLETED, target=State.VERIFIED,
                custom=_custom(_("核查通过并反馈群众"), CENTRE, "verified"))
    def verify(self):
        self.verified_at = timezone.now()

    @transition(field=state, source=State.COMPLETED, target=State.HANDLING,
                custom=_custom(_("核查不通过，退回重办"), CENTRE, "sent_back"))
    def send_back(self):
        self.completed_at = None

    @transition(field=state, source=State.VERIFIED, target=State.CLOSED,
                custom=_custom(_("评价满意/基本满意"), CITIZEN, "rated_satisfied"))
    def rate_satisfied(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=State.VERIFIED, target=State.HANDLING,
                custom=_custom(_("评价不满意（二次督办，重新办理）"), CITIZEN_OR_VISIT, "rated_unsatisfied"))
    def rate_unsatisfied(self):
        self.completed_at = None
        self.verified_at = None

    @transition(field=state, source=State.VERIFIED, target=State.CLOSED,
                custom=_custom(_("回访满意/基本满意，办结归档"), CENTRE, "closed"))
    def close(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=State.VERIFIED, target=State.CLOSED,
                custom=_custom(_("评价期满自动归档"), SYSTEM, "auto_closed"))
    def auto_close(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=State.CLOSED, target=State.HANDLING,
                conditions=[lambda g: g.handling_unit_id is not None],
                custom=_custom(_("重新启动办理（如调解协议未履行，督办）"), CENTRE_OR_SYSTEM, "reopened"))
    def reopen(self):
        self.closed_at = None
        self.completed_at = None
        self.verified_at = None

    @transition(field=state, source=list(OPEN_STATES), target=State.CLOSED,
                custom=_custom(_("随主件办结（重复件）"), SYSTEM_WITH_MAIN, "closed_with_main"))
    def close_with_main(self):
        self.closed_at = timezone.now()

    @transition(field=state, source=list(OPEN_STATES), target=None,
                custom=_custom(_("督办"), ANYONE_STAFF, "supervised", public=False))
    def supervise(self):
        self.supervision_count += 1

    @transition(field=state, source=list(OPEN_STATES), target=None,
                custom=_custom(_("领导批办"), CENTRE_LEADER, "leader_instruction", public=False))
    def instruct(self):
        self.has_leader_instruction = True

    @transition(field=state, source=list(OPEN_STATES), target=None,
                custom=_custom(_("补充材料"), CITIZEN, "supplemented"))
    def supplement(self):
        pass

    @transition(field=state, source=[State.DISPATCHED, State.HANDLING], target=None,
                custom=_custom(_("记录联席会商"), CENTRE, "joint_session", public=False))
    def record_joint_session(self):
        pass


class CoHandling(models.Model):
    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="co_handlings")
    unit = models.ForeignKey("grid.Unit", verbose_name=_("协办单位"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The item's state, copied by grievances.services (the one place states change: _transition,
    # and _replace_co_units when the rows are made) so a unit's co-handled count per state is
    # an index-only count on (unit, state), not a probe of every item (issue 18).
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED,
                             editable=False)

    class Meta:
        verbose_name = _("协办单位")
        verbose_name_plural = _("协办单位")
        constraints = [models.UniqueConstraint(fields=["grievance", "unit"], name="cohandling_unique")]
        indexes = [models.Index(fields=["unit", "grievance"], name="cohandling_unit_idx"),
                   models.Index(fields=["unit", "state"], name="cohandling_unit_state_idx")]

    def __str__(self) -> str:
        return str(self.unit)


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("分流交办")
    ESCALATED = "escalated", _("上报上级")
    SIGNED = "signed", _("签收")
    INTERIM_REPLY = "interim_reply", _("阶段性回复")
    COMPLETED = "completed", _("办结")
    VERIFIED = "verified", _("核查反馈")
    SENT_BACK = "sent_back", _("退回重办")
    RATED_SATISFIED = "rated_satisfied", _("评价满意")
    RATED_UNSATISFIED = "rated_unsatisfied", _("评价不满意")
    CLOSED = "closed", _("办结归档")
    AUTO_CLOSED = "auto_closed", _("自动归档")
    RETURN_REQUESTED = "return_requested", _("申请退回")
    RETURN_APPROVED = "return_approved", _("退回获批")
    RETURN_REFUSED = "return_refused", _("退回未获批")
    JOINT_OPENED = "joint_opened", _("启动联调联处")
    JOINT_SESSION = "joint_session", _("联席会商")
    SUPERVISED = "supervised", _("督办")
    LEADER_INSTRUCTION = "leader_instruction", _("领导批办")
    SUPPLEMENTED = "supplemented", _("补充材料")
    REOPENED = "reopened", _("重新启动办理")
    PAUSED = "paused", _("暂停计时")
    RESUMED = "resumed", _("恢复计时")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("延期获批")
    EXTENSION_REFUSED = "extension_refused", _("延期未获批")
    LINKED_DUPLICATE = "linked_duplicate", _("关联重复件")
    LINKED_RELATED = "linked_related", _("关联相关件")
    CLOSED_WITH_MAIN = "closed_with_main", _("随主件办结")
    CO_REPORTED = "co_reported", _("我也遇到了")


class ImmutableQuerySet(models.QuerySet):
    """Bulk UPDATE and DELETE are refused like ``save``/``delete`` on one row: an event, once
    written, is the record. On PostgreSQL a trigger refuses them for raw SQL too (migration
    0009), and the audit trail keeps a hash of each event (``verify_audit``)."""

    def update(self, **kwargs):
        raise ValueError("GrievanceEvent rows are immutable")

    def delete(self):
        raise ValueError("GrievanceEvent rows are immutable")

    update.queryset_only = True
    delete.queryset_only = True


class GrievanceEvent(CachedChoiceDisplay, models.Model):
    """One step of the loop: immutable (never updated, never deleted). The item and the
    actor are protected: deleting either would have to change or remove the record."""

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=32, choices=EventAction.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=State.choices, blank=True)
    unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("相关单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("群众可见"), default=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["grievance", "id"], name="grvevent_grievance_idx"),
            # Open311 servicerequestupdates: public events since a time (api.selectors).
            models.Index(fields=["created_at", "id"], name="grvevent_public_at_idx", condition=Q(public=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("GrievanceEvent rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("GrievanceEvent rows are immutable")


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("图片")
    VIDEO = "video", _("视频")
    DOCUMENT = "document", _("文档")
    AUDIO = "audio", _("语音")


def _upload_to(instance, filename):
    """Kept for migration 0001; new files are named by grid.files.RandomName."""
    now = timezone.now()
    return f"grievances/{now:%Y/%m}/{filename}"


class Attachment(models.Model):
    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        GrievanceEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    file = PrivateFileField(_("文件"), upload_to=RandomName("grievances"))
    thumbnail = PrivateFileField(_("缩略图"), upload_to=RandomName("grievances"), blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)  # display text only
    content_type = models.CharField(_("内容类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    public = models.BooleanField(_("群众可见"), default=True)
    # A voice note's text from the city's speech service (grid.speech), when one is configured.
    transcript = models.TextField(_("语音转写"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class StagedUpload(models.Model):
    """A file uploaded ahead of its form (upload first, then reference): already through
    the upload gate and stored privately, owned by the person who uploaded it, until the
    form that names it is submitted (the file becomes an Attachment and this row goes) or
    it expires. A form refused for a typo therefore keeps its photos."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE,
                              related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    file = PrivateFileField(_("文件"), upload_to=RandomName("grievances/staged"))
    thumbnail = PrivateFileField(_("缩略图"), upload_to=RandomName("grievances/staged"), blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("内容类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待提交附件")
        verbose_name_plural = _("待提交附件")
        indexes = [models.Index(fields=["owner", "created_at"], name="staged_owner_idx")]

    def __str__(self) -> str:
        return self.original_name


@dataclass(frozen=True)
class StagedRef:
    """A form's reference to a StagedUpload by id; the service checks it is the actor's."""

    pk: int


class RoutingRule(models.Model):
    """属地+属事: category × region → unit. The most specific region wins; without a rule
    the suggestion falls back up the region tree (village → township → county → city)."""

    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="routing_rules",
        limit_choices_to={"group": CategoryGroup.DISPUTE},
    )
    region = models.ForeignKey("grid.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    unit = models.ForeignKey("grid.Unit", verbose_name=_("建议承办单位"), on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分流规则")
        verbose_name_plural = _("分流规则")
        ordering = ["region_code", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], name="routing_rule_unique"),
        ]
        indexes = [models.Index(fields=["category", "region_code"], name="routing_cat_region_idx")]

    def __str__(self) -> str:
        return f"{self.category} @ {self.region} → {self.unit}"

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)


class ReturnStatus(models.TextChoices):
    PENDING = "pending", _("待领导审核")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ReturnRequest(CachedChoiceDisplay, models.Model):
    """首接首办: a unit may ask to return an item only with a reason and its own leader's approval."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="return_requests")
    unit = models.ForeignKey("grid.Unit", verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("退回理由"))
    status = models.CharField(_("状态"), max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退回申请")
        verbose_name_plural = _("退回申请")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grievance"], condition=Q(status="pending"), name="one_pending_return_per_grievance"
            ),
        ]
        indexes = [models.Index(fields=["unit", "status", "id"], name="return_unit_status_idx")]

    def __str__(self) -> str:
        return f"{self.grievance.tracking_no} {self.get_status_display()}"


class JointHandling(models.Model):
    """联调联处: the centre names a lead department and co-departments."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="joint_handlings")
    lead_unit = models.ForeignKey("grid.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+")
    co_units = models.ManyToManyField("grid.Unit", verbose_name=_("协同单位"), blank=True, related_name="+")
    reason = models.TextField(_("启动原因"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("启动时间"), default=timezone.now)

    class Meta:
        verbose_name = _("联调联处")
        verbose_name_plural = _("联调联处")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.grievance.tracking_no} {self.lead_unit}"


class JointSession(models.Model):
    """联席会商: one joint session with its minutes."""

    joint = models.ForeignKey(JointHandling, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("会商时间"))
    place = models.CharField(_("地点/方式"), max_length=100)
    participants = models.TextField(_("参会单位和人员"))
    minutes = models.TextField(_("会商纪要"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("联席会商")
        verbose_name_plural = _("联席会商")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.place}"


class SupervisionKind(models.TextChoices):
    SUPERVISION = "supervision", _("督办")
    SECOND = "second", _("二次督办")
    OVERDUE = "overdue", _("超时督办")
    LEADER = "leader", _("领导批办")


class SupervisionOrder(CachedChoiceDisplay, models.Model):
    """督办 orders and 领导批办 instructions: the handling unit sees them flagged."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(_("类型"), max_length=16, choices=SupervisionKind.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发出人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("被督办单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("督办意见"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办/批办")
        verbose_name_plural = _("督办/批办")
        ordering = ["-id"]
        indexes = [models.Index(fields=["grievance", "id"], name="supervision_grievance_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.grievance.tracking_no}"


class RatingMethod(models.TextChoices):
    ONLINE = "online", _("网上评价")
    RETURN_VISIT = "return_visit", _("回访")


class Rating(models.Model):
    """The citizen's rating of one round of handling (a second round follows 不满意): given
    online by the citizen, or told to centre staff on a return visit (回访), which is how
    elderly and hotline citizens rate; then ``rated_by`` is the staff member who recorded it."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="ratings")
    method = models.CharField(_("评价方式"), max_length=16, choices=RatingMethod.choices,
                              default=RatingMethod.ONLINE)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices)
    professionalism = models.PositiveSmallIntegerField(
        _("专业度"), null=True, blank=True, choices=[(i, str(i)) for i in range(1, 6)]
    )
    comment = models.TextField(_("评价意见"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(professionalism__isnull=True) | Q(professionalism__gte=1, professionalism__lte=5),
                name="rating_professionalism_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grievance.tracking_no} {self.get_satisfaction_display()}"


class LinkKind(models.TextChoices):
    DUPLICATE = "duplicate", _("重复件")
    RELATED = "related", _("相关件")


class GrievanceLink(models.Model):
    """重复件 / 关联件, set by centre staff (a suggestion of ``assist`` they accepted).
    ``DUPLICATE``: ``grievance`` repeats ``main``; it follows the main item's result and is
    closed with it (grievances.services.link_grievances, close_duplicates_of). ``RELATED``:
    two items about connected matters, each handled on its own. Both items' timelines show
    the link."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="links_out")
    main = models.ForeignKey(Grievance, verbose_name=_("主件"), on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("关联类型"), max_length=16, choices=LinkKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("关联时间"), default=timezone.now)

    class Meta:
        verbose_name = _("关联件")
        verbose_name_plural = _("关联件")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["grievance", "main"], name="grievance_link_unique"),
            models.UniqueConstraint(fields=["grievance"], condition=Q(kind="duplicate"),
                                    name="grievance_one_main"),
            models.CheckConstraint(condition=~Q(grievance=models.F("main")), name="grievance_link_not_self"),
        ]
        indexes = [models.Index(fields=["main", "kind"], name="grievance_link_main_idx")]

    def __str__(self) -> str:
        return f"{self.grievance_id} → {self.main_id} {self.kind}"


class CoReporter(models.Model):
    """我也遇到了: a citizen added their voice to an open item instead of filing it again.
    The item counts them; they get its progress messages (grievances.deadlines)."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="co_reporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反映人账号"), on_delete=models.CASCADE,
                             related_name="+")
    phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("共同反映人")
        verbose_name_plural = _("共同反映人")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["grievance", "user"], name="co_reporter_unique")]
        indexes = [models.Index(fields=["user", "grievance"], name="co_reporter_user_idx")]

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.user_id}"
