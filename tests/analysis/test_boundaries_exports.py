"""Map boundary uploads (validated, all or nothing) and streamed exports (scoped, with progress)."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from analysis.models import Boundary, Export
from grid.models import Role
from tests.factories import UserFactory
from tests.grievances.factories import dispatched, submit

SQUARE = {"type": "Polygon", "coordinates": [[[113.0, 28.0], [113.1, 28.0], [113.1, 28.1], [113.0, 28.1],
                                              [113.0, 28.0]]]}


def geojson(*features):
    return SimpleUploadedFile("areas.geojson", json.dumps({"type": "FeatureCollection", "features": list(features)})
                              .encode(), content_type="application/geo+json")


def feature(code, geometry=SQUARE, **props):
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geometry}


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def upload(client, file):
    return client.post(reverse("admin:analysis_boundary_upload"), {"file": file}, follow=True)


def test_bad_geojson_upload_is_refused_with_its_message_and_nothing_saved(admin_client_for, east_centre_leader,
                                                                          world):
    client = admin_client_for(east_centre_leader)
    point = {"type": "Point", "coordinates": [113.0, 28.0]}
    response = upload(client, geojson(
        feature("439001001001", name="柳岸社区", population=5000),  # fine on its own
        feature("439001001001001", geometry=point),                  # a grid, but a point
        feature("439001009009"),                                     # no such region
        feature("439002001001"),                                     # another county's village
    ))
    page = response.content.decode()
    assert "上传失败，共 3 处错误，未保存任何边界。" in page
    assert "第2个区域（439001001001001）：几何类型是Point，只接受Polygon或MultiPolygon。" in page
    assert "第3个区域（439001009009）：代码与任何已登记的行政区域或网格都不匹配。" in page
    assert "第4个区域（439002001001）：不在您的辖区内，不能上传。" in page
    assert not Boundary.objects.exists()


def test_not_json_and_too_large_files_are_refused(admin_client_for, east_centre_leader, settings, monkeypatch):
    client = admin_client_for(east_centre_leader)
    page = upload(client, SimpleUploadedFile("a.geojson", b"{not json")).content.decode()
    assert "文件不是有效的GeoJSON（JSON格式错误或编码不是UTF-8）。" in page
    from analysis import boundaries

    monkeypatch.setattr(boundaries, "MAX_BYTES", 100)
    page = upload(client, geojson(feature("439001001001"))).content.decode()
    assert "边界文件不能超过0 MB" in page or "文件太大" in page
    assert not Boundary.objects.exists()


def test_good_upload_saves_regions_and_grids(admin_client_for, east_centre_leader, world):
    client = admin_client_for(east_centre_leader)
    response = upload(client, geojson(feature("439001001001", population=5000), feature(world.grid.code)))
    assert "已保存 2 个区域的边界。" in response.content.decode()
    village = Boundary.objects.get(code="439001001001")
    assert village.name == "柳岸社区" and village.population == 5000 and village.uploaded_by == east_centre_leader


def test_export_contains_only_the_viewers_township_and_reports_progress(client, world, citizen, east_centre_staff,
                                                                       django_capture_on_commit_callbacks):
    dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title="湖滨的诉求")
    submit(citizen, world.west_village, title="西山的诉求")
    leader = UserFactory(role=Role.CENTRE_LEADER, unit=world.east_town_centre, is_staff=True)
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis:exports"), {"format": "csv", "period": "month"}, follow=True)
    assert "导出已开始" in response.content.decode()
    export = Export.objects.get(user=leader)
    status = client.get(reverse("analysis:export_status", args=[export.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100 and status["done"] == 1
    body = b"".join(client.get(status["download"]).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "受理编号" and len(rows) == 2 and rows[1][9] == "湖滨的诉求"
    # Nobody else may follow or download it.
    client.force_login(east_centre_staff)
    assert client.get(reverse("analysis:export_status", args=[export.pk])).status_code == 404
    assert client.get(status["download"]).status_code == 404


def test_xlsx_export_of_a_department_has_only_its_unit(client, world, citizen, east_centre_staff, east_dept_leader,
                                                       django_capture_on_commit_callbacks):
    dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title="住建的诉求")
    dispatched(citizen, world.east_village, east_centre_staff, world.east_dept2, title="人社的诉求")
    client.force_login(east_dept_leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analysis:exports"), {"format": "xlsx", "period": "month"})
    export = Export.objects.get(user=east_dept_leader)
    assert export.total == 1 and export.status == "done"
    ws = load_workbook(export.file.path).active
    titles = [row[9] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert titles == ["住建的诉求"]


def test_export_refuses_a_region_outside_the_viewer(client, world, east_centre_staff):
    client.force_login(east_centre_staff)
    response = client.post(reverse("analysis:exports"), {"format": "csv", "region": world.west.code,
                                                         "period": "month"}, follow=True)
    assert "该区域不在您的辖区内。" in response.content.decode()
    assert not Export.objects.exists()


def test_export_streams_in_bounded_chunks_in_submission_order(world, citizen, east_centre_staff, monkeypatch):
    """A 1 M-row export never holds the list: every read of appeals is one LIMIT-ed keyset
    chunk (a server-side cursor is not available behind PgBouncer, where iterator() would
    fetch the whole result at once), and the chunks join without a gap or a repeat, across
    days and across appeals submitted at the same instant."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from analysis import exports
    from grievances.models import Grievance

    now = timezone.now()
    made = [submit(citizen, world.east_village, title=f"诉求{i}") for i in range(7)]
    # Three days: two appeals three days ago at the same instant, three yesterday, two today.
    moments = [now - timedelta(days=3)] * 2 + [now - timedelta(days=1, minutes=m) for m in (30, 20, 10)] + [now] * 2
    for g, moment in zip(made, moments, strict=True):
        Grievance.objects.filter(pk=g.pk).update(created_at=moment)
    start = timezone.localtime(now - timedelta(days=4)).date()
    export = Export.objects.create(user=east_centre_staff, format="csv", total=7, filters={
        "region": "", "unit": None, "start": start.isoformat(), "end": timezone.localdate().isoformat()})
    monkeypatch.setattr(exports, "CHUNK", 2, raising=False)  # the read must honour it
    with CaptureQueriesContext(connection) as ctx:
        exports.run(export.pk)
    reads = [q["sql"] for q in ctx.captured_queries
             if 'FROM "grievances_grievance"' in q["sql"] and "ORDER BY" in q["sql"]]
    assert reads and all("LIMIT 2" in sql for sql in reads), reads
    assert len(reads) >= 5  # 7 rows, 2 at a time, over several days
    export.refresh_from_db()
    assert export.status == "done" and export.done == 7
    with export.file.open("rb") as fh:
        rows = list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))
    expected = [g.title for g, _m in sorted(zip(made, moments, strict=True), key=lambda gm: (gm[1], gm[0].pk))]
    assert [r[9] for r in rows[1:]] == expected


def test_streamed_rows_are_every_row_once_whatever_the_density(world, citizen):
    """Keyset chunks inside windows that grow on sparse stretches and shrink on dense ones:
    bursts, ties at the same instant and empty weeks all come out once, in order."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from analysis import exports
    from grievances.models import Grievance

    rng = random.Random(7)
    now = timezone.now()
    burst = now - timedelta(days=20)
    moments = ([burst + timedelta(minutes=rng.randrange(300)) for _ in range(14)] + [burst] * 3
               + [now - timedelta(days=rng.uniform(0, 60)) for _ in range(8)])
    for moment in moments:
        g = submit(citizen, world.east_village)
        Grievance.objects.filter(pk=g.pk).update(created_at=moment)
    qs = Grievance.objects.all()
    expected = list(qs.order_by("created_at", "id").values_list("id", flat=True))
    got = [row[0] for row in exports.stream(qs, now - timedelta(days=61), now + timedelta(days=1), ("id",), chunk=3)]
    assert got == expected and len(got) == 25
