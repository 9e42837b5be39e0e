"""The analysis layer's tables (DOMAIN.md §10; seed 004 研判分析).

- ``GrievanceFact``: one row per appeal with the dimensions and the 0/1 counters it
  contributes (``analysis.facts`` computes them from the appeal, its clock and its events).
- ``Rollup``: the sums of those counters by submission day × scope × dimension value. A
  scope is a region code at any level (city, county, township, village: the 12-digit code
  of that ancestor), a 15-digit grid code, "u<unit id>" for one handling unit's own rows,
  or "" for everything. Beside the day rows, month rows: day = the month's first day and
  dim "m:<dim>" (``analysis.facts.MONTH_PREFIX``), the sum of the month's day rows, so a
  page reads one row per value for a whole month; and year rows: day = 1 January and dim
  "y:<dim>" (``analysis.facts.YEAR_PREFIX``), the sum of the year's month rows, one row per
  value for a whole year. Every page, report and figure of this app reads these rows,
  never the appeal table. Maintained incrementally
  from every grievance event (``analysis.rollups``) and rebuildable from the events.
- ``StaleFact``: the appeals whose fact and rollup rows wait for the refresher (the event's
  transaction only marks them here; ``analysis.rollups.refresh_stale`` applies them seconds
  later, set-based).
- ``StaffLogin``: one row per staff member and day they logged in (工作人员登录率).
- ``Boundary``: GeoJSON boundaries of regions and grids for the map, uploaded by staff.
- ``Report`` / ``ReportTemplate``: reports with their figures frozen at generation.
- ``Export``: a streamed export of the appeal list, with its progress.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid.files import PrivateFileField, RandomName

# Completion-time histogram: upper bounds in hours of each bucket (the last is open).
DURATION_BUCKETS_HOURS = (4, 8, 24, 48, 72, 120, 168, 240, 480, 720)
HISTOGRAM = tuple(f"h{i}" for i in range(len(DURATION_BUCKETS_HOURS) + 1))

# The counters one appeal contributes (see analysis.facts for what each means).
METRICS = (
    "n", "responded", "responded_24h", "rejected", "accepted", "dispatched", "open", "completed", "closed",
    "sign_due", "sign_on_time", "interim_due", "interim_on_time", "completion_due", "completion_on_time",
    "overdue", "overdue_open", "rated", "satisfied", "second_supervision", "first_resolved", "returned",
    "repeat", "major", "supervised", "dur_n", "dur_minutes", *HISTOGRAM,
)


class GrievanceFact(models.Model):
    grievance = models.OneToOneField(
        "grievances.Grievance", primary_key=True, on_delete=models.CASCADE, related_name="analysis_fact"
    )
    day = models.DateField(_("提交日期"))
    region_code = models.CharField(_("区域代码"), max_length=12)
    grid_code = models.CharField(_("网格编码"), max_length=15, blank=True)
    kind = models.CharField(_("诉求类型"), max_length=16)
    category_id = models.IntegerField(_("类别"), null=True, blank=True)
    severity = models.CharField(_("纠纷等级"), max_length=16, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=16)
    unit_id = models.IntegerField(_("承办单位"), null=True, blank=True)
    cell = models.CharField(_("坐标格"), max_length=24, blank=True)
    person = models.CharField(_("反映人标识"), max_length=32, blank=True)
    counts = models.JSONField(_("计数"), default=dict)

    class Meta:
        verbose_name = _("诉求统计事实")
        verbose_name_plural = _("诉求统计事实")
        indexes = [
            models.Index(fields=["day"], name="fact_day_idx"),
            models.Index(fields=["region_code", "category_id", "day"], name="fact_place_cat_idx"),
            models.Index(fields=["person", "day"], name="fact_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.day}"


class Rollup(models.Model):
    day = models.DateField(_("日期"))
    scope = models.CharField(_("范围"), max_length=15, blank=True)
    dim = models.CharField(_("维度"), max_length=12)
    value = models.CharField(_("维度值"), max_length=40, blank=True)
    n = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_24h = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    sign_due = models.IntegerField(default=0)
    sign_on_time = models.IntegerField(default=0)
    interim_due = models.IntegerField(default=0)
    interim_on_time = models.IntegerField(default=0)
    completion_due = models.IntegerField(default=0)
    completion_on_time = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    overdue_open = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    second_supervision = models.IntegerField(default=0)
    first_resolved = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    repeat = models.IntegerField(default=0)
    major = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)
    dur_n = models.IntegerField(default=0)
    dur_minutes = models.BigIntegerField(default=0)
    h0 = models.IntegerField(default=0)
    h1 = models.IntegerField(default=0)
    h2 = models.IntegerField(default=0)
    h3 = models.IntegerField(default=0)
    h4 = models.IntegerField(default=0)
    h5 = models.IntegerField(default=0)
    h6 = models.IntegerField(default=0)
    h7 = models.IntegerField(default=0)
    h8 = models.IntegerField(default=0)
    h9 = models.IntegerField(default=0)
    h10 = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [
            # Also the index every read uses: scope = X AND dim = Y AND day BETWEEN a AND b.
            models.UniqueConstraint(fields=["scope", "dim", "day", "value"], name="rollup_key"),
        ]
        indexes = [models.Index(fields=["day"], name="rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.scope} {self.dim}={self.value}"


class StaleFact(models.Model):
    """A mark: an appeal an event touched whose fact and rollup rows are not refreshed yet.
    The event's transaction appends one row per appeal (one plain INSERT for a whole batch);
    the refresher claims rows (DELETE … RETURNING over SKIP LOCKED rows) and refreshes those
    appeals. Append-only, with no unique key and no foreign key, so writing a mark never
    waits for another transaction (an upsert on the appeal's id made two deadline scans of
    one item wait for each other's mark and deadlock) and never locks or checks the appeal
    row. A mark becomes visible to the refresher only when its transaction commits, so the
    refresher cannot consume it before the change it stands for is visible; an appeal may
    hold several marks, and the refresher takes them all at once."""

    id = models.BigAutoField(primary_key=True)
    grievance_id = models.BigIntegerField(_("诉求件"))
    marked_at = models.DateTimeField(_("标记时间"))

    class Meta:
        verbose_name = _("待刷新统计")
        verbose_name_plural = _("待刷新统计")

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.marked_at:%H:%M:%S}"


class StaffLogin(models.Model):
    """A staff member logged in on this local day (once per person and day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    unit_id = models.IntegerField(_("单位"))
    region_code = models.CharField(_("区域代码"), max_length=12)
    first_at = models.DateTimeField(_("首次登录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工作人员登录记录")
        verbose_name_plural = _("工作人员登录记录")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="stafflogin_once_a_day")]
        indexes = [models.Index(fields=["region_code", "day"], name="stafflogin_region_day_idx",
                                opclasses=["varchar_pattern_ops", "date_ops"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class Boundary(models.Model):
    """The outline of one region (12-digit code) or grid (15-digit code) for the map."""

    code = models.CharField(_("区域/网格代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    geometry = models.JSONField(_("边界（GeoJSON几何）"))
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True,
                                             help_text=_("用于计算每万人诉求量；留空则只显示件数。"))
    center_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("上传人"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("地图边界")
        verbose_name_plural = _("地图边界")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReportKind(models.TextChoices):
    DAILY = "daily", _("日统计")
    WEEKLY = "weekly", _("周小结")
    MONTHLY = "monthly", _("月报告")
    YEARLY = "yearly", _("年分析")


class Report(models.Model):
    """One report for one region and period. Its figures are frozen at generation time
    (``figures``); the files are rendered from them. One per kind, region and period."""

    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    region = models.ForeignKey("grid.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("区域代码"), max_length=12)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=200)
    figures = models.JSONField(_("冻结数据"), default=dict)
    docx = PrivateFileField(_("Word文件"), upload_to=RandomName("analysis/reports"), blank=True)
    xlsx = PrivateFileField(_("Excel文件"), upload_to=RandomName("analysis/reports"), blank=True)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("生成人"))

    class Meta:
        verbose_name = _("分析报告")
        verbose_name_plural = _("分析报告")
        ordering = ["-period_start", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region", "period_start"], name="report_once_per_period"),
        ]
        indexes = [models.Index(fields=["region_code", "kind", "period_start"], name="report_region_idx",
                                opclasses=["varchar_pattern_ops", "varchar_ops", "date_ops"])]

    def __str__(self) -> str:
        return self.title


class ReportTemplate(models.Model):
    """A Word template (docxtpl) staff may replace; the newest active one is used."""

    name = models.CharField(_("名称"), max_length=100)
    file = PrivateFileField(_("Word模板（.docx）"), upload_to=RandomName("analysis/templates"))
    is_active = models.BooleanField(_("启用"), default=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("报告模板")
        verbose_name_plural = _("报告模板")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.name


def export_name(instance, filename: str) -> str:
    """Private, random, and keeping .csv (which the upload gate's type table does not know)."""
    return f"analysis/exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.format}"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Export(models.Model):
    """One export of the filtered appeal list, written row by row by a task."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(_("格式"), max_length=8, choices=ExportFormat.choices)
    filters = models.JSONField(_("筛选条件"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    total = models.PositiveIntegerField(_("预计行数"), default=0)
    done = models.PositiveIntegerField(_("已导出行数"), default=0)
    file = PrivateFileField(_("文件"), upload_to=export_name, blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据导出")
        verbose_name_plural = _("数据导出")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "id"], name="export_user_idx")]
        constraints = [models.CheckConstraint(condition=Q(done__gte=0), name="export_done_nonneg")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
