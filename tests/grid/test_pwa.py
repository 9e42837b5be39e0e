"""The installable app: a manifest, a service worker at the root, an offline page for nobody
in particular."""

import pytest

pytestmark = pytest.mark.django_db


def test_installable_app_manifest_and_worker(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and data["start_url"].startswith("/")
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200 or icon["src"].startswith("/static/")
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/" and "no-cache" in worker["Cache-Control"]
    assert 'addEventListener("sync"' in worker.content.decode()
    assert 'rel="manifest"' in client.get("/").content.decode()


def test_the_offline_page_is_for_nobody_in_particular(client, citizen):
    client.force_login(citizen)
    page = client.get("/offline/").content.decode()
    assert "现在没有网络" in page and citizen.display_name not in page
