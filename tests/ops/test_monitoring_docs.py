"""The shipped Grafana dashboard and alert rules name only metrics the app exports (a renamed
gauge would otherwise leave a dashboard blank and an alert silent)."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "docs" / "monitoring"
METRIC = re.compile(r"\bzongzhi_[a-z_]+")
# Suffixes Prometheus adds to histograms and counters in the exposition.
SUFFIXES = ("_bucket", "_count", "_sum", "_created")

pytestmark = pytest.mark.django_db


def _exported(client) -> set[str]:
    text = client.get("/metrics").content.decode()
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
    return names


def _base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_alert_rules_use_exported_metrics(client, world):
    exported = _exported(client)
    rules = (MONITORING / "alerts.yml").read_text()
    names = {_base(m) for m in METRIC.findall("\n".join(re.findall(r"expr: (.*)", rules)))}
    assert names and names <= {_base(n) for n in exported}, names - exported
    for alert in ("ZongzhiOutboxBacklogOld", "ZongzhiBeatScanStopped", "ZongzhiNotReady"):
        assert f"alert: {alert}" in rules
    assert "> 300" in rules and "> 180" in rules  # 5 minutes of backlog, 3 minutes without a scan


def test_grafana_dashboard_uses_exported_metrics(client, world):
    exported = {_base(n) for n in _exported(client)}
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = {_base(m) for e in exprs for m in METRIC.findall(e)}
    assert len(dashboard["panels"]) >= 10 and names <= exported, names - exported
