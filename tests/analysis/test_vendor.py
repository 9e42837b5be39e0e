"""ECharts is served from the repository, exactly the file recorded in its README."""

import hashlib
import re
from pathlib import Path

from django.urls import reverse

VENDOR = Path(__file__).resolve().parents[2] / "analysis" / "static" / "analysis" / "vendor" / "echarts"


def test_vendored_echarts_matches_the_recorded_checksum_and_keeps_its_licence():
    readme = (VENDOR / "README.md").read_text()
    recorded = re.search(r"`echarts.min.js` SHA-256 \| `([0-9a-f]{64})`", readme).group(1)
    assert hashlib.sha256((VENDOR / "echarts.min.js").read_bytes()).hexdigest() == recorded
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert "Apache ECharts" in (VENDOR / "NOTICE").read_text()


def test_dashboard_loads_echarts_from_static_files_not_a_cdn(client, east_centre_leader):
    client.force_login(east_centre_leader)
    page = client.get(reverse("analysis:dashboard")).content.decode()
    assert '/static/analysis/vendor/echarts/echarts.min.js' in page
    assert not re.search(r'<script[^>]+src="https?://', page)
