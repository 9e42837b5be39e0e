"""Reports (日统计、周小结、月报告、年分析; seed 004: the monthly report before the 10th covers
types, handling, 工作人员登录率, overdue items and completion): one use-case writes them.

``generate`` makes the report of one kind, region and period once: the row is unique on
(kind, region, period start), its figures are read from the rollups and frozen in the
row, and the DOCX (docxtpl, from the newest active ReportTemplate or the bundled one) and
XLSX (openpyxl) files are rendered from those frozen figures. Calling it again for the same
period returns the existing report, so a beat that runs twice writes one report.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis import kpis, selectors
from analysis.models import Report, ReportKind, ReportTemplate
from grid.models import Region, Role, Unit, UnitKind, User
from grid.replica import heavy_reads

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "report_templates" / "report.docx"
KIND_LABEL = {k: v for k, v in ReportKind.choices}


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The period of this kind that contains ``day``."""
    if kind == ReportKind.DAILY:
        return day, day
    if kind == ReportKind.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == ReportKind.MONTHLY:
        return selectors.month_bounds(day)
    return day.replace(month=1, day=1), day.replace(month=12, day=31)


def previous_start(kind: str, start: date) -> date:
    if kind == ReportKind.DAILY:
        return start - timedelta(days=1)
    if kind == ReportKind.WEEKLY:
        return start - timedelta(days=7)
    if kind == ReportKind.MONTHLY:
        return (start - timedelta(days=1)).replace(day=1)
    return start.replace(year=start.year - 1)


def _period_label(kind: str, start: date, end: date) -> str:
    if kind == ReportKind.MONTHLY:
        return _("%(y)d年%(m)d月") % {"y": start.year, "m": start.month}
    if kind == ReportKind.YEARLY:
        return _("%(y)d年") % {"y": start.year}
    if kind == ReportKind.DAILY:
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}"


# --------------------------------------------------------------------------- figures


def _rows(values: dict[str, dict[str, int]], names: dict[str, str], total: int, limit: int | None = None) -> list[dict]:
    rows = []
    for key, c in sorted(values.items(), key=lambda kv: -kv[1]["n"]):
        if not c["n"]:
            continue
        rows.append({
            "name": names.get(key, key) or _("未填"), "n": c["n"],
            "share": kpis.percent(c["n"], total) or 0.0,
            "completion_rate": kpis.completion_rate(c).display,
            "satisfaction_rate": kpis.satisfaction_rate(c).display,
            "overdue": c["overdue"], "avg_hours": kpis.avg_completion_hours(c).display,
        })
    return rows[:limit] if limit else rows


@heavy_reads()
def compute_figures(kind: str, region: Region, start: date, end: date) -> dict:
    """Everything the report states, as plain data (frozen into the Report row)."""
    scope = selectors.Scope(label=region.name, region=region)
    period = selectors.Period("custom", start, end, _period_label(kind, start, end))
    prev_start = previous_start(kind, start)
    prev = selectors.Period("custom", prev_start, start - timedelta(days=1), "")
    now, before = selectors.totals(scope, period), selectors.totals(scope, prev)
    figs, prev_figs = kpis.grievance_figures(now), kpis.grievance_figures(before)
    names = selectors.labels()
    parts = selectors.breakdowns(scope, period)
    prev_parts = selectors.breakdowns(scope, prev, ("category",))
    kids = selectors.children(scope, period)
    prev_kids = {k["code"]: k["counts"]["n"] for k in selectors.children(scope, prev)}
    logins = selectors.login_rates(scope, start, end)
    overall_login = selectors.login_rate_overall(logins, len(selectors.working_days(start, end)))
    total = now["n"]
    return {
        "kind": kind, "kind_label": str(KIND_LABEL[kind]),
        "title": _("%(region)s矛盾纠纷%(period)s%(kind)s") % {
            "region": region.name, "period": _period_label(kind, start, end), "kind": KIND_LABEL[kind]},
        "region": {"code": region.code, "name": region.name},
        "period": {"start": start.isoformat(), "end": end.isoformat(), "label": _period_label(kind, start, end)},
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "kpis": [f.as_dict() for f in figs.values()],
        "k": {code: f.display for code, f in figs.items()},
        "prev_k": {code: f.display for code, f in prev_figs.items()},
        "kinds": _rows(parts["kind"], names["kind"], total),
        "categories": _rows(parts["category"], names["category"], total, limit=18),
        "channels": _rows(parts["channel"], names["channel"], total),
        "severities": _rows(parts["severity"], names["severity"], total),
        "regions": [{"name": k["name"], "n": k["counts"]["n"], "prev_n": prev_kids.get(k["code"], 0),
                     "completion_rate": kpis.completion_rate(k["counts"]).display,
                     "satisfaction_rate": kpis.satisfaction_rate(k["counts"]).display,
                     "overdue": k["counts"]["overdue"], "overdue_open": k["counts"]["overdue_open"]}
                    for k in kids],
        "units": [{"name": u["name"], **{code: f["display"] for code, f in u["figures"].items()},
                   "overdue": u["figures"]["overdue_count"]["value"]}
                  for u in selectors.unit_league(scope, period)],
        "logins": [{"name": r["name"], "staff": r["staff"], "rate": r["figure"]["display"],
                    "person_days": r["figure"]["numerator"], "possible": r["figure"]["denominator"]}
                   for r in logins],
        "login_rate": overall_login.as_dict(),
        "working_days": len(selectors.working_days(start, end)),
        "mediation": {k: f.as_dict() for k, f in selectors.mediation_figures(scope, period).items()},
        "commentary": commentary(figs, prev_figs, parts["category"], prev_parts["category"], names["category"],
                                 kids, prev_kids),
    }


def _change(now: int, before: int) -> str:
    if before == 0:
        return _("（上期为0）")
    pct = (now - before) * 100.0 / before
    return _("增长%(p).1f%%") % {"p": pct} if pct >= 0 else _("下降%(p).1f%%") % {"p": -pct}


def commentary(figs, prev_figs, cats, prev_cats, cat_names, kids, prev_kids) -> list[str]:
    """A few sentences on the biggest changes against the previous period of the same kind."""
    out = []
    n, pn = figs["submitted"].value, prev_figs["submitted"].value
    out.append(_("本期共受理诉求%(n)d件，较上期%(pn)d件%(change)s。") % {"n": n, "pn": pn, "change": _change(n, pn)})
    moves = sorted(((c["n"] - prev_cats.get(k, {}).get("n", 0), k) for k, c in cats.items()), reverse=True)
    if moves and moves[0][0] > 0:
        diff, key = moves[0]
        out.append(_("增幅最大的类别是“%(cat)s”，本期%(n)d件，比上期多%(d)d件。") % {
            "cat": cat_names.get(key, key) or _("未分类"), "n": cats[key]["n"], "d": diff})
    region_moves = sorted(((k["counts"]["n"] - prev_kids.get(k["code"], 0), k["name"], k["counts"]["n"])
                           for k in kids), reverse=True)
    if region_moves and region_moves[0][0] > 0:
        diff, name, count = region_moves[0]
        out.append(_("增量最多的区域是%(name)s，本期%(n)d件，比上期多%(d)d件。") % {"name": name, "n": count, "d": diff})
    for code in ("completion_rate", "satisfaction_rate", "overdue_rate", "response_rate"):
        a, b = figs[code].value, prev_figs[code].value
        if a is None or b is None or abs(a - b) < 2.0:
            continue
        out.append(_("%(label)s为%(now)s，比上期%(dir)s%(d).1f个百分点。") % {
            "label": figs[code].label, "now": figs[code].display, "dir": _("上升") if a > b else _("下降"),
            "d": abs(a - b)})
    overdue_open = figs["overdue_open_count"].value
    if overdue_open:
        out.append(_("目前仍有%(n)d件超期未办结，请相关单位抓紧办理。") % {"n": overdue_open})
    return out


# --------------------------------------------------------------------------- files


def template_bytes() -> bytes:
    """The newest active uploaded template, else the bundled one."""
    tpl = ReportTemplate.objects.filter(is_active=True).order_by("-uploaded_at").first()
    if tpl is not None:
        with tpl.file.open("rb") as fh:
            return fh.read()
    return DEFAULT_TEMPLATE.read_bytes()


def render_docx(figures: dict) -> bytes:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(BytesIO(template_bytes()))
    doc.render(figures)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def render_xlsx(figures: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("概览")
    ws.append([figures["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("统计时段"), f"{figures['period']['start']} ~ {figures['period']['end']}"])
    ws.append([_("生成时间"), figures["generated_at"]])
    ws.append([])
    ws.append([_("指标"), _("本期"), _("上期"), _("分子"), _("分母")])
    for k in figures["kpis"]:
        ws.append([k["label"], k["display"], figures["prev_k"].get(k["code"], ""), k["numerator"], k["denominator"]])
    ws.append([figures["login_rate"]["label"], figures["login_rate"]["display"], "",
               figures["login_rate"]["numerator"], figures["login_rate"]["denominator"]])
    ws.append([figures["mediation"]["success_rate"]["label"], figures["mediation"]["success_rate"]["display"]])
    ws.append([figures["mediation"]["confirmations"]["label"], figures["mediation"]["confirmations"]["display"]])
    ws.append([])
    ws.append([_("研判点评")])
    for line in figures["commentary"]:
        ws.append([line])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 16

    def sheet(title, header, rows, keys):
        s = wb.create_sheet(title)
        s.append(header)
        for r in rows:
            s.append([r.get(k) for k in keys])
        s.column_dimensions["A"].width = 26

    row_header = [_("名称"), _("件数"), _("占比%"), _("办结率"), _("满意率"), _("超期"), _("平均办结时长")]
    row_keys = ["name", "n", "share", "completion_rate", "satisfaction_rate", "overdue", "avg_hours"]
    sheet(_("诉求类型"), row_header, figures["kinds"], row_keys)
    sheet(_("纠纷类别"), row_header, figures["categories"], row_keys)
    sheet(_("来源渠道"), row_header, figures["channels"], row_keys)
    sheet(_("纠纷等级"), row_header, figures["severities"], row_keys)
    sheet(_("下级区域"), [_("区域"), _("件数"), _("上期件数"), _("办结率"), _("满意率"), _("超期"), _("超期未结")],
          figures["regions"], ["name", "n", "prev_n", "completion_rate", "satisfaction_rate", "overdue", "overdue_open"])
    sheet(_("承办单位"), [_("单位"), _("件数"), _("办结率"), _("按时办结率"), _("超期"), _("满意率"), _("平均办结时长")],
          figures["units"], ["name", "submitted", "completion_rate", "completion_on_time_rate", "overdue",
                             "satisfaction_rate", "avg_completion_hours"])
    sheet(_("工作人员登录率"), [_("单位"), _("工作人员数"), _("登录人次（工作日）"), _("应登录人次"), _("登录率")],
          figures["logins"], ["name", "staff", "person_days", "possible", "rate"])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _files(report: Report) -> None:
    report.docx.save("report.docx", ContentFile(render_docx(report.figures)), save=False)
    report.xlsx.save("report.xlsx", ContentFile(render_xlsx(report.figures)), save=False)
    Report.objects.filter(pk=report.pk).update(docx=report.docx.name, xlsx=report.xlsx.name)


# --------------------------------------------------------------------------- the use-case


def leaders_of(region: Region) -> list[User]:
    """The centre leaders of the region's own centre (and the centre's named leader)."""
    centre = Unit.objects.filter(kind=UnitKind.CENTRE, region=region).first()
    if centre is None:
        return []
    q = Q(unit=centre, role=Role.CENTRE_LEADER, is_active=True)
    if centre.leader_id:
        q |= Q(pk=centre.leader_id, is_active=True)
    return list(User.objects.filter(q).distinct().order_by("pk"))


def generate(*, kind: str, region: Region, start: date, user=None, notify_leaders: bool = True) -> Report:
    """The report of this kind for the period containing ``start``, made once. Its figures
    are frozen, so the transitions still waiting for the rollup refresher are applied
    first: a report counts every transition committed before it was generated."""
    from analysis import rollups

    start, end = period_of(kind, start)
    existing = Report.objects.filter(kind=kind, region=region, period_start=start).first()
    if existing is not None:
        return existing
    rollups.refresh_stale()
    figures = compute_figures(kind, region, start, end)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=kind, region=region, region_code=region.code, period_start=start, period_end=end,
                title=figures["title"], figures=figures, generated_by=user)
            _files(report)
            if notify_leaders:
                _notify(report)
    except IntegrityError:
        return Report.objects.get(kind=kind, region=region, period_start=start)
    return report


def _notify(report: Report) -> None:
    from grid.notifications.services import notify

    link = reverse("analysis:reports") + f"?region={report.region_code}"
    notify(key=f"analysis:report:{report.pk}", template="analysis_report_ready",
           text=_("【研判分析】{{ title }}已生成，请查看：{{ link }}"), context={"title": report.title},
           users=leaders_of(report.region), channels=("site",), link=link)


def due_kinds(today: date) -> list[tuple[str, date]]:
    """What the hourly run makes (once) on ``today``: yesterday's daily statistics; on Mondays last
    week's summary; on the 1st last month's report; on 1 January last year's analysis."""
    yesterday = today - timedelta(days=1)
    out = [(ReportKind.DAILY, yesterday)]
    if today.weekday() == 0:
        out.append((ReportKind.WEEKLY, yesterday))
    if today.day == 1:
        out.append((ReportKind.MONTHLY, yesterday))
        if today.month == 1:
            out.append((ReportKind.YEARLY, yesterday))
    return out


def generate_due(today: date | None = None) -> list[Report]:
    """Every report due today for the region of every active governance centre."""
    today = today or timezone.localdate()
    regions = Region.objects.filter(units__kind=UnitKind.CENTRE, units__is_active=True).distinct().order_by("code")
    made = []
    for kind, day in due_kinds(today):
        for region in regions:
            made.append(generate(kind=kind, region=region, start=day))
    return made
