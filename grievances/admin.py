"""Centre staff work here: a scoped list and, on each item, exactly the transitions allowed
now, each with its form. The admin only displays and calls grievances.services; it never
edits the item's fields directly (the change page is read-only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as djforms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grid import permissions
from grid.models import Region, RegionLevel, UnitKind
from grievances import forms, panels, selectors, services
from grievances.models import (
    Category,
    Channel,
    Grievance,
    JointHandling,
    ReturnRequest,
    RoutingRule,
    Severity,
    State,
    SupervisionOrder,
)
from grievances.tracking import normalise


@dataclass(frozen=True)
class QueueUrgency:
    """Hook point "queue urgency": how the centre's queue shows time left and orders items
    by it. The grievance loop does not own the clocks; ``grievances.deadlines`` fills this
    from its admin module with ``register_queue_urgency`` (the admin is loaded after both
    apps), so the dependency stays grievances ← grievances.deadlines.

    - ``related``: the relation the cell reads, joined into the list query;
    - ``ordering``: the default order, most urgent first (a person's own click on a column
      header overrides it);
    - ``cell(grievance)``: (text, tone) where tone is one of overdue, soon, ok, paused, none.
    """

    related: str
    ordering: tuple[OrderBy, ...]
    cell: Callable[[Grievance], tuple[str, str]]


_queue_urgency: list[QueueUrgency] = []


def register_queue_urgency(urgency: QueueUrgency) -> None:
    _queue_urgency[:] = [urgency]


class CappedCountPaginator(Paginator):
    """COUNT(*) over millions of rows is slow, and OFFSET pages grow with the page number:
    count at most ``cap`` + 1 rows (CAP: 40 pages of 50, and a 41st); beyond that the list
    says "more than N" (``capped``) and staff narrow it with filters. ``walked_page``: a
    text search's page (walked: the list's index read in order, stopping at the end of the
    page; or from the bigram index): one read of that page's rows and one more serves both
    the count (capped at the end of the page: the rows before the page + the rows read,
    cap + 1 when the one more exists) and the page, instead of a count reading the same
    rows again."""

    CAP = 2000

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, cap=None, walked_page=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.walked_page = walked_page
        self.cap = per_page * walked_page if walked_page else (cap or self.CAP)
        self.capped = False
        self.walked_rows = None

    @cached_property
    def count(self):
        if self.walked_page:
            bottom = (self.walked_page - 1) * self.per_page
            rows = list(self.object_list[bottom: self.cap + 1])
            if rows or not bottom:
                self.walked_rows = rows
                n = bottom + len(rows)
            else:
                # A page past the end (a link kept from a longer list): count as before, so
                # Django's changelist answers as it does for any page out of range.
                n = self.object_list[: self.cap + 1].count()
        else:
            n = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = n > self.cap  # then n = cap + 1: one more page to go to
        return n

    def page(self, number):
        number = self.validate_number(number)  # counts, so a walked page's rows are read
        if self.walked_rows is not None and number == self.walked_page:
            return self._get_page(self.walked_rows[: self.per_page], number, self)
        return super().page(number)


class GrievanceChangeList(ChangeList):
    """The queue's changelist. A text search reads its page and one row more in one query
    (``CappedCountPaginator.walked_page``): the count is capped at the end of the current
    page (page 1: "more than 50", with a link to page 2), and no "show all". Both plans
    (``selectors.search_plan``) run inside ``selectors.search_walk``: a common term's read
    walks the list's index in order (no bigram index, no sort), a rare term's reads the
    bigram index; the same statements either way."""

    def get_results(self, request):
        self.search_plan = self.model_admin.search_plan(request)
        if not self.model_admin.is_text_search(request):
            super().get_results(request)
        else:
            self.show_all = False
            with selectors.search_walk(self.queryset.db, plan=self.search_plan):
                super().get_results(request)
                if not self.multi_page and self.paginator.walked_rows is not None:
                    # Django lists the whole queryset when it fits on one page: those are
                    # the rows already read (at most a page), not a second query.
                    self.result_list = self.paginator.walked_rows
                elif isinstance(self.result_list, QuerySet):
                    self.result_list._fetch_all()
        self.result_count_capped = getattr(self.paginator, "capped", False)
        self.result_count_shown = self.paginator.cap if self.result_count_capped else self.result_count
        if self.result_count_capped:
            self.can_show_all = False


class RegionFilter(admin.SimpleListFilter):
    title = _("区域")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        regions = permissions.visible_regions(request.user).filter(
            level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP]).order_by("code")[:200]
        return [(r.code, ("— " if r.level == RegionLevel.TOWNSHIP else "") + r.name) for r in regions]

    def queryset(self, request, queryset):
        region = Region.objects.filter(code=self.value()).first() if self.value() else None
        return queryset.filter(region_code__startswith=region.prefix) if region else queryset


class FlagFilter(admin.SimpleListFilter):
    title = _("标记")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("已超期")), ("returned", _("被退回过")), ("joint", _("联调联处")),
            ("supervised", _("督办中")), ("mass", _("涉众/疑难")), ("major", _("较大/重大")),
            ("soon", _("即将超期")), ("new_supervision", _("新督办")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        timed = selectors.timed_filters(timezone.now())
        if value in timed:
            return queryset.filter(timed[value])
        if value == "returned":
            return queryset.filter(return_count__gt=0)
        if value == "joint":
            return queryset.filter(is_joint=True)
        if value == "supervised":
            return queryset.filter(supervision_count__gt=0, state__in=selectors.OPEN_STATES)
        if value == "mass":
            return queryset.filter(Q(is_mass=True) | Q(is_difficult=True))
        if value == "major":
            return queryset.filter(severity__in=[Severity.MAJOR, Severity.GRAVE])
        return queryset


class CategoryFilter(admin.RelatedOnlyFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(c.pk, c.name) for c in selectors.dispute_categories()]


# Which form and which service each admin action uses.
CENTRE_ACTIONS = {
    "accept": (forms.AcceptForm, _("受理")),
    "reject": (forms.RejectForm, _("不予受理")),
    "dispatch": (forms.DispatchForm, _("分流交办")),
    "transfer_down": (forms.TransferDownForm, _("交下级综治中心")),
    "escalate": (forms.CentreNoteForm, _("上报上级综治中心")),
    "open_joint": (forms.JointForm, _("启动联调联处")),
    "joint_session": (forms.JointSessionForm, _("记录联席会商")),
    "verify": (forms.CentreOptionalNoteForm, _("核查通过，反馈群众")),
    "send_back": (forms.CentreNoteForm, _("退回重办")),
    "close": (forms.ReturnVisitForm, _("记录回访（满意度）")),
    "supervise": (forms.CentreNoteForm, _("督办")),
    "reopen": (forms.CentreNoteForm, _("重新启动办理（督办）")),
    "instruct": (forms.CentreNoteForm, _("领导批办")),
}


# The step that moves the item on, in the order the loop reaches them: its form is unfolded.
NEXT_STEPS = ("accept", "dispatch", "verify", "close", "joint_session", "supervise")


def run_centre_action(*, actor, grievance: Grievance, action: str, data: dict):
    """Call the service for one admin action with the form's cleaned data."""
    g = grievance
    if action == "accept":
        return services.accept_grievance(
            actor=actor, grievance=g, kind=data["kind"], severity=data["severity"], risk_level=data["risk_level"],
            category=data["category"], tags=list(data["tags"]), title=data["title"], is_mass=data["is_mass"],
            is_difficult=data["is_difficult"], note=data["note"])
    if action == "reject":
        return services.reject_grievance(actor=actor, grievance=g, reason=data["reason"], guidance=data["guidance"])
    if action == "dispatch":
        return services.dispatch_grievance(actor=actor, grievance=g, unit=data["unit"],
                                           co_units=list(data["co_units"]), note=data["note"])
    if action == "transfer_down":
        return services.transfer_to_lower_centre(actor=actor, grievance=g, centre=data["centre"], note=data["note"])
    if action == "escalate":
        return services.escalate_grievance(actor=actor, grievance=g, note=data["note"])
    if action == "open_joint":
        return services.open_joint_handling(actor=actor, grievance=g, lead_unit=data["lead_unit"],
                                            co_units=list(data["co_units"]), reason=data["reason"])
    if action == "joint_session":
        return services.record_joint_session(actor=actor, grievance=g, held_at=data["held_at"], place=data["place"],
                                             participants=data["participants"], minutes=data["minutes"])
    if action == "verify":
        return services.verify_grievance(actor=actor, grievance=g, note=data["note"])
    if action == "send_back":
        return services.send_back_grievance(actor=actor, grievance=g, reason=data["note"])
    if action == "close":
        return services.record_return_visit(actor=actor, grievance=g, satisfaction=data["satisfaction"],
                                            note=data["note"])
    if action == "supervise":
        return services.supervise_grievance(actor=actor, grievance=g, note=data["note"])
    if action == "reopen":
        return services.reopen_grievance(actor=actor, grievance=g, reason=data["note"])
    if action == "instruct":
        return services.leader_instruction(actor=actor, grievance=g, note=data["note"])
    raise Http404


class RegisterForm(djforms.Form):
    """Hotline (12345), walk-in and screening entries typed in by centre staff."""

    channel = djforms.ChoiceField(label=_("来源渠道"), choices=[
        (Channel.HOTLINE, Channel.HOTLINE.label), (Channel.WALK_IN, Channel.WALK_IN.label),
        (Channel.SCREENING, Channel.SCREENING.label)])
    kind = djforms.ChoiceField(label=_("诉求类型"), choices=forms.GrievanceKind.choices)
    category = djforms.ModelChoiceField(label=_("纠纷类别"), queryset=Category.objects.none(), required=False)
    region = djforms.ModelChoiceField(label=_("发生地"), queryset=Region.objects.none())
    address = djforms.CharField(label=_("详细地址"), max_length=200, required=False)
    title = djforms.CharField(label=_("标题"), max_length=100)
    description = djforms.CharField(label=_("诉求内容"), widget=djforms.Textarea(attrs={"rows": 4}))
    contact_name = djforms.CharField(label=_("联系人"), max_length=64)
    contact_phone = djforms.CharField(label=_("联系电话"), max_length=11)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.dispute_categories()
        self.fields["region"].queryset = permissions.visible_regions(actor).order_by("code")

    def clean_contact_phone(self):
        from grid.models import MOBILE_RE

        phone = self.cleaned_data["contact_phone"].strip()
        if not MOBILE_RE.match(phone):
            raise djforms.ValidationError(_("请输入有效的11位手机号码。"))
        return phone


@admin.register(Grievance)
class GrievanceAdmin(admin.ModelAdmin):
    # One line per item at 1366 px: short cells, full text on hover (admin-workbench.css).
    list_display = ("tracking_no", "short_title", "state_badge", "time_left", "category", "unit_short", "flags",
                    "submitted")
    list_display_links = ("tracking_no", "short_title")
    list_select_related = ("category", "region", "centre", "handling_unit")
    list_filter = ("state", "kind", ("category", CategoryFilter), "severity", "channel", RegionFilter, FlagFilter)
    search_fields = ("title",)
    search_help_text = _("输入受理编号或手机号码精确查找，其他文字按标题和内容查找。")
    paginator = CappedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    date_hierarchy = None
    ordering = ("-id",)
    readonly_fields = ("tracking_no", "kind", "category", "severity", "risk_level", "channel", "state", "region",
                       "grid", "address", "title", "description", "hide_identity",
                       "centre", "first_unit", "handling_unit", "handler", "return_count", "supervision_count",
                       "is_joint", "is_mass", "is_difficult", "satisfaction", "reject_reason", "guidance",
                       "result", "created_at", "accepted_at", "dispatched_at", "signed_at", "completed_at",
                       "verified_at", "closed_at")
    fieldsets = (
        (_("诉求"), {"fields": ("tracking_no", "state", "kind", "category", "severity", "risk_level", "channel",
                               "title", "description")}),
        # The reporter's name and phone are shown above the form through
        # selectors.staff_contact, which records each view of the full number.
        (_("地点和反映人"), {"fields": ("region", "grid", "address", "hide_identity")}),
        (_("办理"), {"fields": ("centre", "first_unit", "handling_unit", "handler", "return_count",
                              "supervision_count", "is_joint", "is_mass", "is_difficult", "result",
                              "reject_reason", "guidance", "satisfaction")}),
        (_("时间"), {"fields": ("created_at", "accepted_at", "dispatched_at", "signed_at", "completed_at",
                              "verified_at", "closed_at"), "classes": ("collapse",)}),
    )
    change_form_template = "admin/grievances/grievance/change_form.html"
    change_list_template = "admin/grievances/grievance/change_list.html"

    class Media:
        css = {"all": ("grievances/admin-workbench.css",)}

    def get_queryset(self, request):
        qs = selectors.queue(request.user)
        if _queue_urgency:
            # The changelist adds list_select_related only to a queryset without any.
            qs = qs.select_related(*self.list_select_related, _queue_urgency[0].related)
        return qs

    def get_ordering(self, request):
        """Most urgent first: overdue, then by the nearest deadline; items without a running
        clock after them, newest first."""
        if _queue_urgency:
            return [*_queue_urgency[0].ordering, "-id"]
        return ["-id"]

    @staticmethod
    def exact_term(term: str) -> tuple[str, str] | None:
        """(field, value) when the search is a phone number or a tracking number."""
        term = (term or "").strip()
        digits = normalise(term)
        if term and digits == term.replace(" ", "").replace("-", "") and len(digits) in (11, 14):
            return ("contact_phone" if len(digits) == 11 else "tracking_no"), digits
        return None

    def text_term(self, term: str) -> str:
        """The term of a free-text search ('' for none or an exact one)."""
        term = (term or "").strip()
        return "" if self.exact_term(term) else term

    def get_search_results(self, request, queryset, search_term):
        exact = self.exact_term(search_term)
        if exact:
            return queryset.filter(**{exact[0]: exact[1]}), False
        term = self.text_term(search_term)
        if term:
            # A list sorted by a column header is not in an index's order: not walked.
            plan = (selectors.SEARCH_INDEX if request.GET.get(ORDER_VAR) else selectors.search_plan(
                term, queryset.select_related(None), rows=self.list_per_page * self._page(request) + 1))
            request.grievance_search_plan = plan
            request.grievance_text_search = True
            return selectors.text_search(queryset, term, plan=plan), False
        return queryset, False

    @staticmethod
    def _page(request) -> int:
        try:
            return max(int(request.GET.get(PAGE_VAR, 1)), 1)
        except ValueError:
            return 1

    @staticmethod
    def search_plan(request) -> str | None:
        """How this request's text search runs (set by get_search_results from
        ``selectors.search_plan`` over the filtered list)."""
        return getattr(request, "grievance_search_plan", None)

    @staticmethod
    def is_text_search(request) -> bool:
        """Whether this request's list is a free-text search (not a phone or tracking number)."""
        return getattr(request, "grievance_text_search", False)

    def get_changelist(self, request, **kwargs):
        return GrievanceChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if self.is_text_search(request):
            return self.paginator(queryset, per_page, orphans, allow_empty_first_page,
                                  walked_page=self._page(request))
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return permissions.is_centre_or_admin(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=_("状态"), ordering="state")
    def state_badge(self, obj):
        # State(...).label, not get_state_display(): the latter rebuilds a dict of the
        # field's (lazy, translated) choices on every row (about 1 ms a row under profile).
        return State(obj.state).label

    @admin.display(description=_("标题"), ordering="title")
    def short_title(self, obj):
        return format_html('<span class="grv-short" title="{}">{}</span>', obj.title, obj.title)

    @admin.display(description=_("剩余时间"))
    def time_left(self, obj):
        if not _queue_urgency:
            return ""
        text, tone = _queue_urgency[0].cell(obj)
        return format_html('<span class="grv-left {}">{}</span>', tone, text)

    @admin.display(description=_("承办单位"), ordering="handling_unit__name")
    def unit_short(self, obj):
        name = obj.handling_unit.name if obj.handling_unit_id else obj.centre.name
        return format_html('<span class="grv-short grv-unit" title="{}">{}</span>', name, name)

    @admin.display(description=_("提交"), ordering="created_at")
    def submitted(self, obj):
        local = timezone.localtime(obj.created_at)
        return format_html('<span title="{}">{}</span>', local.strftime("%Y-%m-%d %H:%M"), local.strftime("%m-%d"))

    @admin.display(description=_("标记"))
    def flags(self, obj):
        parts = []
        if obj.supervision_count:
            parts.append(gettext("督办%(n)d") % {"n": obj.supervision_count})
        if obj.return_count:
            parts.append(gettext("退回%(n)d") % {"n": obj.return_count})
        if obj.is_joint:
            parts.append(gettext("联调"))
        if obj.has_leader_instruction:
            parts.append(gettext("批办"))
        if obj.severity in (Severity.MAJOR, Severity.GRAVE):
            parts.append(obj.get_severity_display())
        return " ".join(parts)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("register/", self.admin_site.admin_view(self.register_view), name="%s_%s_register" % info),
            path("import-hotline/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path("<path:object_id>/act/<slug:action>/", self.admin_site.admin_view(self.action_view),
                 name="%s_%s_act" % info),
        ] + super().get_urls()

    def _action_forms(self, request, g, allowed, bound=None):
        result = []
        suggestion = selectors.routing_suggestion(g) if "dispatch" in allowed or "open_joint" in allowed else None
        for name in allowed:
            if name not in CENTRE_ACTIONS:
                continue
            form_class, label = CENTRE_ACTIONS[name]
            if bound is not None and bound[0] == name:
                form = bound[1]
            else:
                initial = {"version": g.version}
                if name == "accept":
                    initial.update(kind=g.kind, category=g.category_id, title=g.title,
                                   severity=g.severity or (Severity.ORDINARY if g.kind == "dispute" else ""))
                if name in ("dispatch",) and suggestion is not None:
                    initial["unit"] = suggestion.pk
                if name == "open_joint" and suggestion is not None:
                    initial["lead_unit"] = suggestion.pk
                form = form_class(initial=initial, actor=request.user, grievance=g)
            result.append({"name": name, "label": label, "form": form,
                           "suggestion": suggestion if name in ("dispatch", "open_joint") else None})
        # One form is unfolded: the one that was just refused, else the loop's next step.
        by_name = {a["name"]: a for a in result}
        opened = by_name.get(bound[0]) if bound is not None else None
        opened = opened or next((by_name[n] for n in NEXT_STEPS if n in by_name), result[0] if result else None)
        for a in result:
            a["open"] = a is opened
        return result

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._render_change(request, object_id, extra_context=extra_context)

    # What the change page shows of an item's related rows (the facts card). Not the list's
    # clock join (the clock panel reads its clock row itself) nor ``first_unit`` (shown
    # nowhere): PostgreSQL plans a join of nine tables in 5-8 ms, of seven in about 2, and
    # a change page's own work is a few milliseconds (benchmarks/README.md, "change page").
    SHOWN_RELATED = ("category", "region", "grid", "centre", "handling_unit", "handler")

    def shown_item(self, request, object_id) -> Grievance | None:
        """The item of this change page, scoped as the list (``get_queryset``), with the
        related rows it shows; None when the person may not see it or the id is no id. Read
        once per request: Django's change view asks ``get_object`` for the same item."""
        cached = getattr(request, "_grievance_shown", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        try:
            pk = Grievance._meta.pk.to_python(object_id)
            g = self.get_queryset(request).select_related(None).select_related(*self.SHOWN_RELATED).order_by().get(
                pk=pk)
        except (Grievance.DoesNotExist, ValidationError, ValueError):
            return None
        request._grievance_shown = g
        return g

    def get_object(self, request, object_id, from_field=None):
        if from_field is None:
            return self.shown_item(request, object_id)
        return super().get_object(request, object_id, from_field)

    def _render_change(self, request, object_id, *, bound=None, extra_context=None):
        g = self.shown_item(request, object_id)
        if g is None:
            raise Http404
        info = selectors.detail(request.user, g)
        allowed = services.allowed_actions(request.user, g, pending_return=info.pending_return)
        ctx = {
            "grievance": g, "info": info, "allowed": allowed, "contact": selectors.staff_contact(request, g, info),
            "action_forms": self._action_forms(request, g, allowed, bound=bound),
            "needs_joint": g.needs_joint_handling and g.state == "accepted",
            "item_panels": panels.render("item", request, grievance=g),
            "dispatch_panels": panels.render("dispatch", request, grievance=g)
            if "dispatch" in allowed or "open_joint" in allowed else "",
        }
        ctx.update(extra_context or {})
        if bound is not None:
            # Re-show the read-only page with the bound action form: render it as a GET so
            # the admin does not treat the action's POST as an edit of the item.
            request.method = "GET"
        response = super().change_view(request, object_id, extra_context=ctx)
        if bound is not None and hasattr(response, "status_code"):
            response.status_code = 400
        return response

    def action_view(self, request, object_id, action):
        if request.method != "POST" or action not in CENTRE_ACTIONS:
            return HttpResponseRedirect(reverse("admin:grievances_grievance_change", args=[object_id]))
        g = self.get_queryset(request).select_related("centre", "region", "handling_unit").filter(
            pk=object_id).first()
        if g is None:
            raise Http404
        form_class, label = CENTRE_ACTIONS[action]
        form = form_class(request.POST, actor=request.user, grievance=g)
        if form.is_valid():
            try:
                services.check_version(g, form.cleaned_data.get("version"))
                run_centre_action(actor=request.user, grievance=g, action=action, data=form.cleaned_data)
            except services.GrievanceError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
            else:
                self.message_user(request, gettext("“%(action)s”已完成。") % {"action": label}, level=messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:grievances_grievance_change", args=[g.pk]))
        else:
            self.message_user(request, gettext("请根据提示修改后再提交。"), level=messages.ERROR)
        return self._render_change(request, object_id, bound=(action, form))

    def register_view(self, request):
        if not (permissions.is_centre_or_admin(request.user)):
            raise Http404
        form = RegisterForm(request.POST or None, actor=request.user)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                g = services.submit_grievance(
                    actor=request.user, channel=d["channel"], kind=d["kind"], category=d["category"],
                    region=d["region"], address=d["address"], title=d["title"], description=d["description"],
                    contact_name=d["contact_name"], contact_phone=d["contact_phone"])
            except services.GrievanceError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, gettext("已登记，受理编号 %(no)s。") % {"no": g.tracking_display})
                return HttpResponseRedirect(reverse("admin:grievances_grievance_change", args=[g.pk]))
        ctx = {**self.admin_site.each_context(request), "form": form, "opts": self.opts,
               "title": gettext("登记来电/来访/排查事项")}
        return TemplateResponse(request, "admin/grievances/grievance/register.html", ctx)


class HotlineImportForm(djforms.Form):
    file = djforms.FileField(label=_("12345工单CSV文件（UTF-8）"), help_text=_(
        "第一行为列名：region_code, kind, category, title, description, contact_name, contact_phone, address。"
        "kind 可填中文类型名（如“民生诉求服务”），category 可填类别编码或名称。"))


def _hotline_import_view(model_admin, request):
    import csv
    import io

    if not (permissions.is_centre_or_admin(request.user)):
        raise Http404
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("文件不是UTF-8编码的CSV。"))
        else:
            reader = csv.DictReader(io.StringIO(text))
            missing = [c for c in ("region_code", "kind", "title", "description", "contact_phone")
                       if c not in (reader.fieldnames or [])]
            if missing:
                form.add_error("file", gettext("缺少列：%(cols)s") % {"cols": ", ".join(missing)})
            else:
                made, errors = services.import_hotline_rows(actor=request.user, rows=list(reader)[:5000])
                result = {"made": made, "errors": errors}
                model_admin.message_user(request, gettext("已导入%(n)d件，%(e)d行有误。") % {
                    "n": len(made), "e": len(errors)}, level=messages.WARNING if errors else messages.SUCCESS)
    ctx = {**model_admin.admin_site.each_context(request), "form": form, "opts": model_admin.opts,
           "title": gettext("导入12345热线工单"), "result": result}
    return TemplateResponse(request, "admin/grievances/grievance/import.html", ctx)


GrievanceAdmin.import_view = _hotline_import_view


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "group", "code", "sort_order", "is_active")
    list_filter = ("group", "is_active")
    list_editable = ("sort_order", "is_active")
    search_fields = ("name", "code")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "region", "unit", "is_active")
    list_filter = ("category", "is_active")
    list_select_related = ("category", "region", "unit")
    autocomplete_fields = ("region",)
    search_fields = ("region__name", "unit__name", "category__name")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = permissions.visible_units(request.user).filter(
                kind__in=[UnitKind.DEPARTMENT, UnitKind.MEDIATION, UnitKind.CENTRE])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not permissions.is_admin(request.user) and not permissions.can_see_region(request.user, obj.region):
            raise Http404
        super().save_model(request, obj, form, change)


class _ReadOnlyScoped(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            grievance__in=Grievance.objects.visible_to(request.user).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("诉求件"))
    def grievance_link(self, obj):
        url = reverse("admin:grievances_grievance_change", args=[obj.grievance_id])
        return format_html('<a href="{}">{}</a>', url, obj.grievance.tracking_no)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(_ReadOnlyScoped):
    list_display = ("grievance_link", "unit", "requested_by", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("grievance", "unit", "requested_by", "decided_by")


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(_ReadOnlyScoped):
    list_display = ("grievance_link", "kind", "unit", "issued_by", "note", "created_at")
    list_filter = ("kind",)
    list_select_related = ("grievance", "unit", "issued_by")


@admin.register(JointHandling)
class JointHandlingAdmin(_ReadOnlyScoped):
    list_display = ("grievance_link", "lead_unit", "opened_by", "created_at")
    list_select_related = ("grievance", "lead_unit", "opened_by")
