"""Reports: frozen figures, made once per period, DOCX/XLSX that open, login rate, scoping."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from analysis import reports, tasks
from analysis.models import Report, ReportKind, StaffLogin
from grid.models import Role
from grid.notifications.models import Message
from tests.factories import UserFactory
from tests.grievances.factories import completed, submit


def docx_text(path_or_file) -> str:
    doc = Document(path_or_file)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.fixture
def month_with_logins(world, citizen, east_centre_staff, east_centre_leader, east_handler):
    """This month: two appeals in the east county; the east centre's two staff logged in on
    some working days."""
    completed(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler)
    submit(citizen, world.east_village)
    start, _end = reports.period_of(ReportKind.MONTHLY, timezone.localdate())
    days = [start + timedelta(days=i) for i in range(7) if (start + timedelta(days=i)).weekday() < 5]
    for user, n in ((east_centre_staff, len(days)), (east_centre_leader, 1)):
        for day in days[:n]:
            StaffLogin.objects.create(user=user, day=day, unit_id=user.unit_id, region_code=user.unit.region_code)
    return start


def test_monthly_report_docx_opens_and_states_the_login_rate(month_with_logins, world):
    report = reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=month_with_logins)
    rate = report.figures["login_rate"]
    # The east centre has 2 staff (staff, leader); the dept has 1 handler with no login.
    centre = next(r for r in report.figures["logins"] if r["name"] == "东湖区综治中心")
    assert centre["staff"] == 2 and centre["person_days"] > 0
    text = docx_text(report.docx.path)
    assert "工作人员登录率" in text
    assert rate["display"] in text and centre["rate"] in text
    assert "本期共受理诉求2件" in text
    wb = load_workbook(report.xlsx.path)
    assert "工作人员登录率" in wb.sheetnames
    assert wb["概览"]["A1"].value == report.title


def test_report_figures_are_frozen_at_generation(month_with_logins, world, citizen):
    report = reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=month_with_logins)
    submit(citizen, world.east_village)
    again = reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=month_with_logins)
    assert again.pk == report.pk
    assert again.figures["k"]["submitted"] == "2件"


def test_the_nightly_run_twice_on_the_first_makes_each_report_once(world, east_centre_leader, monkeypatch):
    first = date(2026, 11, 1)
    monkeypatch.setattr(reports.timezone, "localdate", lambda: first)
    tasks.generate_due_reports()
    tasks.generate_due_reports()
    monthly = Report.objects.filter(kind=ReportKind.MONTHLY)
    centres = 4  # city, east, west, east township (the test world)
    assert monthly.count() == centres
    assert set(monthly.values_list("period_start", flat=True)) == {date(2026, 10, 1)}
    assert Report.objects.filter(kind=ReportKind.DAILY).count() == centres
    # The east centre's leader is told once that the east county's report is ready.
    east = monthly.get(region=world.east)
    assert Message.objects.filter(user=east_centre_leader, text__contains=east.title).count() == 1


def test_build_report_prints_the_two_files(world, capsys):
    call_command("build_report", "--period", "month", "--month", "2026-10", "--region", world.east.code)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith(".docx") and lines[1].endswith(".xlsx")
    assert "工作人员登录率" in docx_text(lines[0])
    call_command("build_report", "--period", "month", "--month", "2026-10", "--region", world.east.code)
    assert capsys.readouterr().out.strip().splitlines() == lines


def test_township_leader_sees_and_downloads_only_their_reports(client, world):
    leader = UserFactory(role=Role.CENTRE_LEADER, unit=world.east_town_centre, is_staff=True)
    mine = reports.generate(kind=ReportKind.MONTHLY, region=world.east_town, start=date(2026, 10, 1))
    county = reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=date(2026, 10, 1))
    client.force_login(leader)
    page = client.get(reverse("analysis:reports")).content.decode()
    assert mine.title in page and county.title not in page
    ok = client.get(reverse("analysis:report_file", args=[mine.pk, "docx"]))
    assert ok.status_code == 200
    assert "工作人员登录率" in docx_text(io.BytesIO(b"".join(ok.streaming_content)))
    assert client.get(reverse("analysis:report_file", args=[county.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("analysis:reports"), {"region": world.east.code}).status_code == 403


def test_centre_staff_make_a_report_on_demand(client, world, east_centre_staff):
    client.force_login(east_centre_staff)
    response = client.post(reverse("analysis:report_make"),
                           {"region": world.east.code, "kind": "weekly", "day": "2026-10-14"}, follow=True)
    report = Report.objects.get(kind="weekly", region=world.east)
    assert (report.period_start, report.period_end) == (date(2026, 10, 12), date(2026, 10, 18))
    assert report.title in response.content.decode()


def test_staff_replace_the_word_template_in_the_admin(client, world, east_centre_leader):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from analysis.models import ReportTemplate

    client.force_login(east_centre_leader)
    url = reverse("admin:analysis_reporttemplate_add")
    bad = client.post(url, {"name": "坏模板", "is_active": "on",
                            "file": SimpleUploadedFile("t.docx", b"not a word file")})
    assert bad.status_code == 200 and not ReportTemplate.objects.exists()
    doc = Document()
    doc.add_paragraph("东湖区自定义模板：{{ title }}，登录率{{ login_rate.display }}")
    buf = io.BytesIO()
    doc.save(buf)
    ok = client.post(url, {"name": "新模板", "is_active": "on",
                           "file": SimpleUploadedFile("新模板.docx", buf.getvalue())})
    assert ok.status_code == 302
    report = reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=date(2026, 10, 1))
    text = docx_text(report.docx.path)
    assert text.startswith("东湖区自定义模板：" + report.title)
    assert "登录率" + report.figures["login_rate"]["display"] in text
