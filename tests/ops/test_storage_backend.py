"""Uploaded files go through Django's storage API only (issue 18, goal 6): with both file
storages switched to backends that have no file-system path (Django's InMemoryStorage, and
django-storages' S3Storage against a mocked S3), a citizen's evidence, a staff download
through the permission view, a staged upload, a chunked video upload with its transcoding,
a mediation recording and a report download all work, and nothing is written under
MEDIA_ROOT or PRIVATE_MEDIA_ROOT."""

import io
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
import requests
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.core.management import call_command
from django.urls import reverse
from django.utils._os import safe_join
from moto import mock_aws

from config.storage import s3_storages
from grid import files
from grievances.models import Attachment, Grievance, StagedUpload
from pufa_media.models import ProcessingStatus, UploadSession, Video
from tests.grievances import media
from tests.pufa_media.factories import VideoFactory


class ObjectStore(InMemoryStorage):
    """Django's in-memory storage refusing ``.path()``, as an S3 backend does."""

    def path(self, name):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    def _relative_path(self, name):  # InMemoryStorage's own bookkeeping used path()
        return os.path.relpath(safe_join(self.location, name), self.location)


IN_MEMORY = {"BACKEND": "tests.ops.test_storage_backend.ObjectStore"}
ROOT = Path(__file__).resolve().parents[2]


def _nothing_on_disk(settings):
    """Neither file root holds a file (the test's roots are fresh temporary folders)."""
    found = [p for root in (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)) if root.exists()
             for p in root.rglob("*") if p.is_file()]
    assert found == []


@pytest.fixture
def object_store(settings):
    """Both file storages in memory: ``.path()`` raises as on S3, and no byte touches a disk root."""
    settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY, "private": IN_MEMORY}
    assert not files.is_file_system(files.private_storage())
    with pytest.raises(NotImplementedError):
        files.private_storage().path("x")
    yield
    _nothing_on_disk(settings)


@pytest.fixture
def evidence(client, citizen, world):
    """A citizen's appeal with a photo (GPS in its EXIF) and a PDF, through the real form."""
    client.force_login(citizen)
    form = {"kind": "livelihood", "region_code": world.east_village.code, "title": "路灯不亮",
            "description": "小区门口路灯坏了。", "files": [media.jpeg_with_gps("现场.jpg"), media.pdf()]}
    assert client.post(reverse("grievances:submit"), form).status_code == 302
    client.logout()
    return Attachment.objects.get(kind="image"), Attachment.objects.get(kind="document")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_citizen_evidence_is_kept_in_the_store_and_staff_download_it_through_the_permission_view(
        object_store, evidence, client, citizen, east_centre_staff, west_handler):
    photo, pdf = evidence
    store = storages["private"]
    assert store.exists(photo.file.name) and store.exists(photo.thumbnail.name) and store.exists(pdf.file.name)
    with store.open(photo.file.name, "rb") as fh:
        stored = fh.read()
    assert stored.startswith(b"\xff\xd8") and b"Exif" not in stored  # re-encoded by the gate, then stored

    client.force_login(east_centre_staff)
    got = client.get(photo.file.url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert _body(got) == stored
    doc = client.get(pdf.file.url)
    assert doc["Content-Disposition"].startswith("attachment") and _body(doc).startswith(b"%PDF")
    client.force_login(west_handler)  # another county's department: no hint the file exists
    assert client.get(photo.file.url).status_code == 404
    client.force_login(citizen)
    assert client.get(photo.thumbnail.url).status_code == 200


def test_a_staged_upload_moves_to_the_appeal_inside_the_store(object_store, client, citizen, world):
    client.force_login(citizen)
    staged = client.post(reverse("grievances:stage_upload"), {"file": media.jpeg_with_gps()}).json()
    staged_name = StagedUpload.objects.get().file.name
    assert storages["private"].exists(staged_name)
    form = {"kind": "livelihood", "region_code": world.east_village.code, "title": "路灯不亮",
            "description": "小区门口路灯坏了。", "staged": [staged["id"]]}
    assert client.post(reverse("grievances:submit"), form).status_code == 302
    att = Attachment.objects.get(grievance=Grievance.objects.get())
    assert storages["private"].exists(att.file.name)
    assert client.get(att.file.url).status_code == 200


def test_a_chunked_video_upload_is_transcoded_from_the_store_and_published_to_it(
        object_store, client, east_centre_staff, tiny_renditions, clip, django_capture_on_commit_callbacks):
    """The chunks are objects (no append on an object store), joined on completion; the
    pipeline downloads the source to a temporary folder, transcodes, and stores the
    renditions and the poster back through the storage API."""
    tiny_renditions.PUFA_UPLOAD_CHUNK_BYTES = 8 * 1024
    client.force_login(east_centre_staff)
    video = VideoFactory()
    data = clip.read_bytes()

    def start():
        return client.post(reverse("admin:pufa_media_upload_start", args=[video.pk]),
                           json.dumps({"name": "欠薪.mp4", "size": len(data)}), content_type="application/json").json()

    info = start()
    chunk = info["chunk"]
    client.post(f"{info['chunk_url']}?offset=0", data[:chunk], content_type="application/octet-stream")
    session = UploadSession.objects.get()
    assert storages["private"].exists(f"{session.temp_name}/{0:015d}")
    again = start()  # the connection dropped: resume at the offset the table holds
    assert again["session"] == info["session"] and again["received"] == chunk
    offset = chunk
    while offset < len(data):
        offset = client.post(f"{again['chunk_url']}?offset={offset}", data[offset:offset + chunk],
                             content_type="application/octet-stream").json()["received"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(again["finish_url"]).status_code == 200
    video = Video.objects.get(pk=video.pk)
    assert video.status == ProcessingStatus.READY, video.error
    assert video.source.size == len(data) and storages["private"].exists(video.source.name)
    assert storages["private"].listdir(session.temp_name) == ([], [])  # the chunk objects are gone
    renditions = list(video.renditions.all())
    assert renditions
    for rendition in renditions:
        assert default_storage.exists(rendition.file.name) and rendition.file.name.startswith("pufa/media/")
        with default_storage.open(rendition.file.name, "rb") as fh:
            assert fh.read(12)[4:8] == b"ftyp"
    assert video.poster and default_storage.exists(video.poster.name)
    page = client.get(reverse("pufa_media:video", args=[video.pk]))
    assert renditions[0].file.url in page.content.decode()


def test_a_mediation_recording_arrives_in_chunks_in_the_store(object_store, world, citizen, east_centre_staff,
                                                              mediator):
    from mediation.models import Recording
    from tests.mediation.test_room import WEBM, _login, _session, _upload

    _case, session, _passes = _session(world, citizen, east_centre_staff, mediator)
    mc = _login(mediator)
    token = mc.get(reverse("mediation:enter_room", args=[session.pk])).url.rstrip("/").rsplit("/", 1)[1]
    assert _upload(mc, token, WEBM).status_code == 200
    rec = Recording.objects.get(session=session)
    with storages["private"].open(rec.file.name, "rb") as fh:
        assert fh.read() == WEBM
    assert _body(_login(east_centre_staff).get(rec.file.url)) == WEBM


def test_a_report_is_written_to_the_store_and_downloaded_by_the_leader(object_store, client, world,
                                                                      east_centre_leader, capsys):
    call_command("build_report", "--period", "month", "--month", "2026-10", "--region", world.east.code)
    docx_name, xlsx_name = capsys.readouterr().out.split()
    assert storages["private"].exists(docx_name) and storages["private"].exists(xlsx_name)
    from analysis.models import Report

    report = Report.objects.get()
    client.force_login(east_centre_leader)
    got = client.get(reverse("analysis:report_file", args=[report.pk, "xlsx"]))
    assert got.status_code == 200 and _body(got)[:2] == b"PK"


def test_the_readiness_probe_writes_to_both_stores(object_store):
    from ops import health

    health.check_storage()
    assert storages["private"].listdir("readyz") == ([], [])


def test_apache_x_sendfile_with_an_object_store_is_a_startup_error(object_store, settings):
    settings.PRIVATE_MEDIA_SERVER = "apache"
    assert [e.id for e in files.check_private_media_server()] == ["grid.E110"]
    settings.PRIVATE_MEDIA_SERVER = "nginx"
    assert files.check_private_media_server() == []


# ------------------------------------------------------------------ the real S3 backend


@pytest.fixture
def s3(settings, monkeypatch):
    """django-storages' S3Storage, configured as the settings do for AWS_STORAGE_BUCKET_NAME,
    against moto's S3 (path-style URLs, as for MinIO behind AWS_S3_ENDPOINT_URL)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="zongzhi")
        settings.AWS_S3_ENDPOINT_URL = "https://s3.amazonaws.com"
        settings.AWS_S3_ADDRESSING_STYLE = "path"
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.STORAGES = {**settings.STORAGES, **s3_storages(bucket="zongzhi", expire=60)}
        yield boto3.client("s3", region_name="us-east-1")
    _nothing_on_disk(settings)


def test_on_s3_the_evidence_is_an_object_and_the_view_streams_it(s3, evidence, client, east_centre_staff):
    photo, _pdf = evidence
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="zongzhi")["Contents"]}
    assert f"private/{photo.file.name}" in keys
    client.force_login(east_centre_staff)
    got = client.get(photo.file.url)
    assert got.status_code == 200
    assert _body(got) == s3.get_object(Bucket="zongzhi", Key=f"private/{photo.file.name}")["Body"].read()


def test_on_s3_nginx_fetches_the_file_with_a_presigned_url_the_browser_never_sees(
        s3, evidence, client, east_centre_staff, settings):
    settings.PRIVATE_MEDIA_SERVER = "nginx"
    _photo, pdf = evidence
    client.force_login(east_centre_staff)
    got = client.get(pdf.file.url)
    assert got.status_code == 200 and got.content == b""
    target = urlsplit(got["X-Accel-Redirect"])
    assert target.path == f"/_private_store/zongzhi/private/{pdf.file.name}"
    query = parse_qs(target.query)
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Signature"]
    assert query["response-content-type"] == ["application/pdf"]
    assert unquote(query["response-content-disposition"][0]).startswith("attachment")
    assert got["X-Content-Type-Options"] == "nosniff" and "sandbox" in got["Content-Security-Policy"]
    # what nginx forwards to the endpoint is a working presigned GET of that object
    presigned = "https://s3.amazonaws.com" + target.path.removeprefix("/_private_store") + "?" + target.query
    fetched = requests.get(presigned, timeout=10)
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF")
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"].startswith("attachment")
    client.logout()
    assert client.get(pdf.file.url).status_code == 404


def test_on_s3_published_media_have_plain_urls_and_private_files_none(s3, settings):
    settings.STORAGES = {**settings.STORAGES, **s3_storages(bucket="zongzhi", public_domain="www.example.cn/store")}
    name = default_storage.save("pufa/media/x.mp4", io.BytesIO(b"\x00\x00\x00\x18ftypmp42"))
    assert default_storage.url(name) == "https://www.example.cn/store/media/pufa/media/x.mp4"
    assert s3.head_object(Bucket="zongzhi", Key="media/pufa/media/x.mp4")["ContentLength"] == 12


# ------------------------------------------------------------------ nginx in front of the store

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


class _Recorder(BaseHTTPRequestHandler):
    """A loopback HTTP server; ``answer(handler)`` returns (status, headers, body)."""

    answer = None
    seen: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).seen.append((self.path, self.headers.get("Host"), self.headers.get("Cookie")))
        status, headers, body = type(self).answer(self)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(answer):
    handler = type("Handler", (_Recorder,), {"answer": staticmethod(answer), "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (CI installs it)")
def test_nginx_fetches_from_the_store_with_the_signed_path_and_host(s3, evidence, client, east_centre_staff,
                                                                    settings, tmp_path):
    """The shipped `/_private_store/` location (deploy/nginx/zongzhi.conf, uncommented) in front
    of a stand-in for the store's endpoint, which passes what nginx sends on to (mocked) S3:
    the file arrives with the view's headers, and the store was asked for exactly the path,
    query and host Django signed, without the visitor's cookie."""
    settings.PRIVATE_MEDIA_SERVER = "nginx"
    _photo, pdf = evidence
    client.force_login(east_centre_staff)
    django_answer = client.get(pdf.file.url)
    accel = django_answer["X-Accel-Redirect"]

    app, _app = _serve(lambda h: (200, {"X-Accel-Redirect": accel, "Content-Type": "application/pdf",
                                             "Content-Disposition": django_answer["Content-Disposition"]}, b""))

    def from_s3(h):
        real = requests.get("https://s3.amazonaws.com" + h.path, timeout=10)
        keep = {k: v for k, v in real.headers.items() if k.lower() in ("content-type", "content-disposition")}
        return real.status_code, keep, real.content

    store, store_handler = _serve(from_s3)
    block = (ROOT / "deploy" / "nginx" / "zongzhi.conf").read_text().split("# location /_private_store/ {")[1]
    block = "location /_private_store/ {" + block.split("    location / {")[0]
    block = "\n".join(line.replace("#", "", 1) for line in block.splitlines())
    block = block.replace("10.0.0.20:9000", f"127.0.0.1:{store.server_port}")
    block = block.replace(f"proxy_set_header Host 127.0.0.1:{store.server_port};", "proxy_set_header Host s3.amazonaws.com;")
    port = _free_port()
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n    {block}\n"
        f"    location / {{ proxy_pass http://127.0.0.1:{app.server_port}; }}\n  }}\n}}\n")
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(50):
            try:
                got = requests.get(f"http://127.0.0.1:{port}{pdf.file.url}", cookies={"sessionid": "secret"},
                                   timeout=10)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError((tmp_path / "error.log").read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        app.shutdown()
        store.shutdown()
    assert got.status_code == 200, (tmp_path / "error.log").read_text()
    assert got.content.startswith(b"%PDF")
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in got.headers["Content-Security-Policy"]
    [(path, host, cookie)] = store_handler.seen
    assert path == accel.removeprefix("/_private_store")
    assert host == "s3.amazonaws.com" and cookie is None
