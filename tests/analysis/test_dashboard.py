"""The dashboard shows each viewer only their own region (or unit), with a fixed number of
queries whatever the number of appeals."""

import json

import pytest
from django.urls import reverse

from analysis.models import Boundary
from analysis.rollups import refresh_stale
from grid.models import Role
from tests.factories import RegionFactory, UserFactory
from tests.grievances.factories import completed, dispatched, submit

SQUARE = {"type": "Polygon", "coordinates": [[[113.0, 28.0], [113.1, 28.0], [113.1, 28.1], [113.0, 28.0]]]}


@pytest.fixture
def spread(world, citizen, east_centre_staff, east_handler, west_centre_staff, west_handler):
    """Appeals in two townships of the east county and one in the west county."""
    world.east_town2 = RegionFactory(code="439001002000", name="桂花街道", level=4, parent=world.east)
    world.east_village2 = RegionFactory(code="439001002001", name="丹桂村", level=5, parent=world.east_town2)
    completed(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler)
    submit(citizen, world.east_village)
    dispatched(citizen, world.east_village2, east_centre_staff, world.east_dept2)
    dispatched(citizen, world.west_village, west_centre_staff, world.west_dept)
    refresh_stale()  # the refresher has run (the beat, seconds after the transitions)
    return world


def data(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("analysis:data"), params)
    return response.status_code, response.json()


def kpi(payload, code):
    return next(k for k in payload["kpis"] if k["code"] == code)["value"]


def test_county_leader_sees_the_county_and_its_townships(client, spread, east_centre_leader):
    status, d = data(client, east_centre_leader)
    assert status == 200
    assert kpi(d, "submitted") == 3  # not the west county's appeal
    assert {c["name"]: c["n"] for c in d["children"]} == {"湖滨街道": 2, "桂花街道": 1}


def test_township_leader_sees_only_the_township_everywhere(client, spread):
    leader = UserFactory(role=Role.CENTRE_LEADER, unit=spread.east_town_centre, is_staff=True)
    status, d = data(client, leader)
    assert status == 200
    assert kpi(d, "submitted") == 2
    assert [c["name"] for c in d["children"]] == ["柳岸社区"]
    assert {u["name"] for u in d["league"]} == {"东湖区住房和城乡建设局"}  # not the other township's unit
    # Asking for the county, the neighbouring township or the west county is refused.
    for code in ("439001000000", "439001002000", "439002000000"):
        status, d = data(client, leader, region=code)
        assert status == 403 and d["error"] == "该区域不在您的辖区内。"
    client.force_login(leader)
    page = client.get(reverse("analysis:dashboard"), {"region": "439001002000"})
    assert page.status_code == 403 and "该区域不在您的辖区内。" in page.content.decode()


def test_township_leader_map_has_only_their_villages(client, spread):
    leader = UserFactory(role=Role.CENTRE_LEADER, unit=spread.east_town_centre, is_staff=True)
    for code in ("439001001001", "439001002001", "439002001001"):
        Boundary.objects.create(code=code, name=code, geometry=SQUARE)
    client.force_login(leader)
    geo = client.get(reverse("analysis:map")).json()
    assert [f["properties"]["code"] for f in geo["features"]] == ["439001001001"]
    assert client.get(reverse("analysis:map"), {"region": "439001002000"}).status_code == 403


def test_drill_down_from_county_to_township(client, spread, east_centre_leader):
    status, d = data(client, east_centre_leader, region="439001001000")
    assert status == 200
    assert d["scope"]["label"] == "湖滨街道" and kpi(d, "submitted") == 2
    client.force_login(east_centre_leader)
    page = client.get(reverse("analysis:dashboard"), {"region": "439001001000"}).content.decode()
    assert 'href="?region=439001000000&period=month"' in page  # back up to the county
    assert "?region=439001001001&period=month" in page  # down to the village


def test_department_leader_sees_only_their_unit(client, spread, east_dept_leader):
    status, d = data(client, east_dept_leader)
    assert status == 200
    assert d["scope"]["is_unit"] and d["scope"]["label"] == "东湖区住房和城乡建设局"
    assert kpi(d, "submitted") == 1  # the completed one dispatched to this unit
    assert d["children"] == [] and d["league"] == [] and d["points"] == []
    assert sum(r["n"] for r in d["breakdowns"]["kind"]) == 1
    geo = client.get(reverse("analysis:map")).json()
    assert geo["features"] == []


def test_citizens_and_lawyers_cannot_open_the_dashboard(client, citizen, lawyer):
    for user in (citizen, lawyer):
        client.force_login(user)
        assert client.get(reverse("analysis:dashboard")).status_code == 403
        assert client.get(reverse("analysis:data")).status_code == 403


def test_dashboard_query_count_does_not_grow_with_appeals(
    client, world, citizen, east_centre_staff, east_centre_leader, django_assert_num_queries,
):
    for _ in range(2):
        dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    refresh_stale()
    client.force_login(east_centre_leader)
    url = reverse("analysis:dashboard")
    client.get(url)
    with django_assert_num_queries(15):
        assert client.get(url).status_code == 200
    for _ in range(3):
        dispatched(citizen, world.east_village, east_centre_staff, world.east_dept2)
    refresh_stale()
    with django_assert_num_queries(15):
        page = client.get(url)
    payload = json.loads(page.content.decode().split('id="analysis-data" type="application/json">')[1]
                         .split("</script>")[0])
    assert kpi(payload, "submitted") == 5


EXPORTS_PAGE_QUERIES = 8


def test_reports_and_exports_pages_have_a_fixed_query_count(client, world, east_centre_leader,
                                                            django_assert_num_queries):
    from datetime import date

    from analysis import reports
    from analysis.models import Export, ReportKind

    client.force_login(east_centre_leader)
    reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=date(2026, 9, 1), notify_leaders=False)
    Export.objects.create(user=east_centre_leader, format="csv", filters={"start": "2026-10-01", "end": "2026-10-31"})
    client.get(reverse("analysis:reports"))
    client.get(reverse("analysis:exports"))
    with django_assert_num_queries(7):
        client.get(reverse("analysis:reports"))
    with django_assert_num_queries(EXPORTS_PAGE_QUERIES):
        client.get(reverse("analysis:exports"))
    for month in (10, 11):
        reports.generate(kind=ReportKind.MONTHLY, region=world.east, start=date(2026, month, 1),
                         notify_leaders=False)
        Export.objects.create(user=east_centre_leader, format="xlsx", filters={"start": "2026-10-01", "end": "2026-10-31"})
    with django_assert_num_queries(7):
        page = client.get(reverse("analysis:reports"))
    assert page.content.decode().count("Word</a>") == 3
    with django_assert_num_queries(EXPORTS_PAGE_QUERIES):
        client.get(reverse("analysis:exports"))


@pytest.mark.parametrize("who, url, queries", [
    ("east_centre_leader", "analysis:data", 14),
    ("east_centre_leader", "analysis:map", 7),
    ("east_dept_leader", "analysis:dashboard", 9),
    ("east_dept_leader", "analysis:data", 8),
])
def test_data_endpoints_and_the_department_page_have_a_fixed_query_count(
    request, client, world, citizen, east_centre_staff, django_assert_num_queries, who, url, queries,
):
    """The same number of queries with 2 appeals and with 5 (the figures come from rollups)."""
    for _ in range(2):
        dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    refresh_stale()
    client.force_login(request.getfixturevalue(who))
    client.get(reverse(url))
    with django_assert_num_queries(queries):
        assert client.get(reverse(url)).status_code == 200
    for _ in range(3):
        dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    refresh_stale()
    with django_assert_num_queries(queries):
        assert client.get(reverse(url)).status_code == 200


def test_a_three_year_period_reads_year_rows_in_the_same_number_of_queries(
    client, world, citizen, east_centre_staff, east_centre_leader, django_assert_num_queries,
):
    """A custom period of three years (whole years from year rows, a month from month rows)
    costs the queries of a month, and counts the appeals of its days."""
    from datetime import timedelta

    from django.utils import timezone

    from analysis import selectors

    for _ in range(2):
        dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    refresh_stale()
    today = timezone.localdate()
    start = (today.replace(month=1, day=1) - timedelta(days=2 * 366)).replace(month=12, day=1)
    assert selectors.split(start, today)[2] is not None  # it does read year rows
    client.force_login(east_centre_leader)
    for name, queries in (("analysis:data", 14), ("analysis:dashboard", 15)):
        url = f"{reverse(name)}?period=custom&start={start}&end={today}"
        client.get(url)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
    assert kpi(json.loads(client.get(f"{reverse('analysis:data')}?period=custom&start={start}&end={today}")
                          .content), "submitted") == 2


# The league table's rows as the dashboard template's loop wrote them before
# analysis_rows.league_rows (the markup a leader sees must not change).
LEAGUE_LOOP = """{% for u in league %}
          <tr><td>{{ u.name }}</td><td class="text-end">{{ u.figures.submitted.display }}</td><td class="text-end">{{ u.figures.completion_rate.display }}</td>
            <td class="text-end">{{ u.figures.completion_on_time_rate.display }}</td><td class="text-end {% if u.figures.overdue_count.value %}text-danger fw-semibold{% endif %}">{{ u.figures.overdue_count.value }}</td>
            <td class="text-end">{{ u.figures.satisfaction_rate.display }}</td><td class="text-end">{{ u.figures.avg_completion_hours.display }}</td></tr>
        {% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_league_rows_are_the_template_loops_html_escaped_alike(language):
    from django.template import Context, Template
    from django.utils import translation

    from analysis import kpis
    from analysis.models import METRICS

    busy = dict.fromkeys(METRICS, 0) | {"n": 12, "completed": 7, "completion_due": 7, "completion_on_time": 5,
                                         "overdue": 3, "overdue_open": 2, "rated": 4, "satisfied": 3,
                                         "dispatched": 12, "returned": 1, "dur_n": 7, "dur_minutes": 4321}
    with translation.override(language):
        league = [{"unit_id": 1, "name": '<b>R&D "局"</b>', "figures": kpis.figure_dicts(busy, kpis.UNIT_KPIS)},
                  {"unit_id": 2, "name": "空的单位", "figures": kpis.figure_dicts({}, kpis.UNIT_KPIS)}]
        loop = Template(LEAGUE_LOOP).render(Context({"league": league}))
        rows = Template("{% load analysis_rows %}{% league_rows league %}").render(Context({"league": league}))
    assert rows == loop
    assert "&lt;b&gt;R&amp;D &quot;局&quot;&lt;/b&gt;" in rows and "<b>" not in rows
    assert rows.count("text-danger fw-semibold") == 1  # only the unit with overdue items


def test_dashboard_league_lists_the_units_with_their_figures(client, spread, east_centre_leader):
    client.force_login(east_centre_leader)
    page = client.get(reverse("analysis:dashboard")).content.decode()
    league = page.split("承办单位（超期最多在前）")[1].split("</table>")[0]
    assert "东湖区住房和城乡建设局" in league and "本时段没有交办到单位的诉求。" not in league


def test_dashboard_embeds_what_the_charts_draw_and_shows_the_league_as_a_table(client, spread, east_centre_leader):
    client.force_login(east_centre_leader)
    page = client.get(reverse("analysis:dashboard")).content.decode()
    embedded = json.loads(page.split('id="analysis-data" type="application/json">')[1].split("</script>")[0])
    assert {"trend", "breakdowns", "children", "points", "text", "kpis"} <= set(embedded)
    assert "league" not in embedded  # shown by the table below; data.json still serves it
    assert "东湖区住房和城乡建设局" in page.split("承办单位（超期最多在前）")[1].split("</table>")[0]
    assert data(client, east_centre_leader)[1]["league"]


def test_areas_with_an_outline_show_appeals_per_10k_without_reading_the_outlines(client, spread, east_centre_leader):
    """湖滨街道 has an outline and a population (2 appeals per 20,000 residents: 1.0 per 10k),
    桂花街道 an outline without population ("—"); the county's own outline is not needed. The
    outlines themselves (map.json serves them) are not read by the dashboard."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(east_centre_leader)
    assert data(client, east_centre_leader)[1]["has_map"] is False
    assert "尚未上传本级下属区域的边界" in client.get(reverse("analysis:dashboard")).content.decode()
    Boundary.objects.create(code="439001001000", name="湖滨街道", geometry=SQUARE, population=20000)
    Boundary.objects.create(code="439001002000", name="桂花街道", geometry=SQUARE)
    _status, d = data(client, east_centre_leader)
    assert d["has_map"] is True
    assert {c["name"]: (c["per10k"], c["has_boundary"]) for c in d["children"]} == {
        "湖滨街道": (1.0, True), "桂花街道": (None, True)}
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("analysis:dashboard")).content.decode()
    assert "尚未上传本级下属区域的边界" not in page
    areas = page.split("下级区域（点击下钻）")[1].split("</table>")[0]
    assert '湖滨街道</a></td>\n            <td class="text-end">2</td><td class="text-end">1.0</td>' in areas
    assert '桂花街道</a></td>\n            <td class="text-end">1</td><td class="text-end">—</td>' in areas
    assert not [q["sql"] for q in ctx.captured_queries if "geometry" in q["sql"]]
