"""Admin: the deadline policy (data), clocks, and the supervision page (督办) with filters
by unit and region; scoped through grid.permissions like every admin list."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid import permissions
from grid.models import PREFIX_LENGTH, Region, RegionLevel, UnitKind
from grievances import selectors as grievance_selectors
from grievances.admin import QueueUrgency, register_queue_urgency
from grievances.deadlines import selectors, services
from grievances.deadlines.models import (
    Clock,
    ClockAction,
    ClockPause,
    DeadlineCode,
    DeadlinePolicy,
    ExtensionRequest,
    Holiday,
    SupervisionItem,
)

# The centre's queue (grievances admin) shows each item's time left and puts the most urgent
# first: open clocks by their nearest deadline (overdue ones are the earliest), the rest after.
# It orders by the item's copy of the clock's due time (Grievance.due_at, kept by
# services._keep_item_due), which the queue indexes of the grievance table serve.
register_queue_urgency(QueueUrgency(
    related="clock",
    ordering=(F("due_at").asc(nulls_last=True),),
    cell=selectors.queue_cell,
))


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Days off and worked weekend days: the working-hours rule for signing for items."""

    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        services.save_holiday(holiday=obj)

    def delete_model(self, request, obj):
        services.delete_holiday(holiday=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_on", "sign_days", "interim_days", "completion_days", "second_days",
                    "rating_days", "centre_hours", "reminder_hours", "updated_at"]
    list_filter = ["kind", "start_on"]
    fieldsets = [
        (None, {"fields": ["kind", "severity", "start_on", "note"]}),
        (_("期限（自然日，按北京时间计算，“0天”即当日24时前）"), {
            "fields": ["sign_days", "interim_days", "completion_days", "second_days", "rating_days"]}),
        (_("中心时限与提醒"), {"fields": ["centre_hours", "reminder_hours"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return permissions.is_admin(request.user)


class _Scoped:
    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user))


class UnitFilter(admin.SimpleListFilter):
    title = _("承办单位")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        units = permissions.visible_units(request.user).filter(
            kind__in=[UnitKind.DEPARTMENT, UnitKind.MEDIATION, UnitKind.CENTRE]).order_by("region_code", "name")
        # A province has thousands of units (2,548 in the benchmark's): with a region chosen,
        # only that region's, so every unit can be reached (region first, then unit).
        region = Region.objects.filter(code=request.GET.get("region", "")).first()
        if region is not None:
            units = units.filter(region_code__startswith=region.prefix)
        return [(u.pk, u.name) for u in units[:300]]

    def queryset(self, request, queryset):
        return queryset.filter(unit_id=self.value()) if self.value() else queryset


class RegionFilter(admin.SimpleListFilter):
    title = _("区域")
    parameter_name = "region"

    #: Most choices listed; a province's cities and counties (~110) always fit.
    LIMIT = 300

    def lookups(self, request, model_admin):
        visible = permissions.visible_regions(request.user)
        regions = list(visible.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
                       .order_by("code")[:self.LIMIT + 1])
        if len(regions) > self.LIMIT:
            # A province (1,000+ townships): its cities and counties, and the townships of
            # the county chosen, so that no county is cut off by the limit.
            chosen = Region.objects.filter(code=self.value() or "").first()
            county = chosen.code[:PREFIX_LENGTH[RegionLevel.COUNTY]] if chosen and chosen.level >= RegionLevel.COUNTY else None
            q = Q(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
            if county:
                q |= Q(level=RegionLevel.TOWNSHIP, code__startswith=county)
            regions = visible.filter(q).order_by("code")[:self.LIMIT]
        return [(r.code, f"{'　' * (r.level - 2)}{r.name}") for r in regions]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        region = Region.objects.filter(code=self.value()).first()
        return queryset.filter(region_code__startswith=region.prefix) if region else queryset.none()


class ClockPauseInline(admin.TabularInline):
    model = ClockPause
    extra = 0
    can_delete = False
    readonly_fields = ["reason", "note", "started_at", "started_by", "ended_at", "ended_by"]

    def has_add_permission(self, request, obj=None):
        return False


class ExtensionInline(admin.TabularInline):
    model = ExtensionRequest
    extra = 0
    can_delete = False
    fields = ["days", "reason", "parties_agreed", "requested_by", "requested_at", "status", "decided_by",
              "decided_at", "decision_note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ClockActionInline(admin.TabularInline):
    model = ClockAction
    extra = 0
    can_delete = False
    readonly_fields = ["deadline", "action", "due", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class _ClockDisplay:
    list_select_related = ["grievance", "unit", "centre"]
    show_full_result_count = False
    search_fields = ["=grievance__tracking_no"]

    @admin.display(description=_("受理编号"), ordering="grievance__tracking_no")
    def tracking_no(self, obj):
        return obj.grievance.tracking_no

    @admin.display(description=_("标题"))
    def title(self, obj):
        return obj.grievance.title

    @admin.display(description=_("最近时限"))
    def deadline(self, obj):
        return DeadlineCode(obj.due_code).label if obj.due_code else "—"

    @admin.display(description=_("剩余/超期"), ordering="due_at")
    def remaining(self, obj):
        if obj.paused_at:
            return _("计时暂停")
        if obj.due_at is None:
            return "—"
        now = timezone.now()
        if obj.due_at <= now:
            return _("已超期%(t)s") % {"t": selectors.duration_text(now - obj.due_at)}
        return _("剩余%(t)s") % {"t": selectors.duration_text(obj.due_at - now)}

    @admin.display(description=_("督办次数"))
    def supervisions(self, obj):
        return obj.grievance.supervision_count


@admin.register(Clock)
class ClockAdmin(_ClockDisplay, _Scoped, admin.ModelAdmin):
    list_display = ["tracking_no", "title", "kind", "severity", "unit", "deadline", "due_at", "remaining",
                    "is_open"]
    list_filter = ["is_open", "kind", "severity", UnitFilter, RegionFilter]
    inlines = [ClockPauseInline, ExtensionInline, ClockActionInline]
    readonly_fields = [f.name for f in Clock._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)


class _SupervisionChangeList(ChangeList):
    """The 督办 page's rows load the columns they show and nothing more: a clock and its item
    have about 40 columns, mostly timestamps, and parsing them took 9 ms for a page of 50 rows
    at 10 M appeals (4 ms this way). Only the shown page: actions and counts use the full rows."""

    SHOWN = ("grievance_id", "unit_id", "centre_id", "due_code", "due_at", "paused_at", "overdue_count", "is_open",
             "grievance__tracking_no", "grievance__title", "grievance__supervision_count",
             # the item's FSM fields: django-fsm reads them when an item is loaded
             "grievance__state", "grievance__version", "unit__name", "centre__name")

    def get_results(self, request):
        self.queryset = self.queryset.only(*self.SHOWN)
        if not self.province_wide(request):
            super().get_results(request)
            return
        # The province's overdue items, oldest first: PostgreSQL takes "open" and "due before
        # now" as independent, but only open clocks have a due time (at 10 M appeals: 37 rows
        # expected, 9,860 found), so it joined every overdue item and sorted them for 50 rows
        # (72 ms, growing with the province). Without sorts it reads the open-items due-time
        # index in order and stops after the page (61 rows, an incremental sort of the ties).
        # A county's or a city's items come from the region index and are sorted as before.
        with grievance_selectors.search_walk(self.queryset.db):
            super().get_results(request)
            self.result_list = list(self.result_list)

    @staticmethod
    def province_wide(request) -> bool:
        """Whether the list covers a whole province (an administrator, a province centre) with
        no region or unit chosen."""
        if request.GET.get("unit") or request.GET.get("region"):
            return False
        prefix = permissions.region_prefix(request.user)
        return prefix is not None and len(prefix) <= PREFIX_LENGTH[RegionLevel.PROVINCE]


@admin.register(SupervisionItem)
class SupervisionAdmin(_ClockDisplay, _Scoped, admin.ModelAdmin):
    """督办: open items past a deadline, by unit and region, with per-unit counts."""

    list_display = ["tracking_no", "title", "unit", "centre", "deadline", "due_at", "remaining", "supervisions",
                    "overdue_count"]
    list_filter = [UnitFilter, RegionFilter, "kind", "severity"]
    ordering = ["due_at"]
    # Pages of 50 like the centre's queue: a city's overdue items run to hundreds at 10 M
    # appeals, and the page's time follows the rows it renders (Django's default is 100).
    list_per_page = 50
    actions = ["supervise"]
    change_list_template = "admin/deadlines/supervisionitem/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(Q(is_open=True, due_at__lt=timezone.now()))

    def get_changelist(self, request, **kwargs):
        return _SupervisionChangeList

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not (permissions.is_centre_or_admin(request.user)):
            actions.pop("supervise", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        region = request.GET.get("region", "")
        prefix = ""
        if region:
            r = Region.objects.filter(code=region).first()
            prefix = r.prefix if r else region
        extra_context = {**(extra_context or {}),
                         "unit_counts": selectors.overdue_units(request.user, region_code=prefix)}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("督办所选事项"), permissions=["view"])
    def supervise(self, request, queryset):
        from grievances import services as loop

        done = 0
        for clock in queryset.select_related("grievance"):
            try:
                loop.supervise_grievance(actor=request.user, grievance=clock.grievance,
                                         note=str(_("综治中心督办：该件已超期，请加快办理并及时反馈。")))
                done += 1
            except loop.GrievanceError as exc:
                self.message_user(request, f"{clock.grievance.tracking_no}：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("已督办 %(n)d 件。") % {"n": done}, messages.SUCCESS)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    """Extensions filed with the centre (报综治中心备案): read-only here; the unit's leader
    decides on the unit's pages."""

    list_display = ["clock", "unit", "days", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["clock", "unit", "requested_by", "decided_by"]
    readonly_fields = ["clock", "unit", "centre", "days", "reason", "parties_agreed", "requested_by",
                       "requested_at", "status", "decided_by", "decided_at", "decision_note"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user, "clock__region_code"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)


