"""Early warning: the detector on flat and outbreak series, alerts to the right leaders once
per episode, the open-alerts page, and the detect_spikes command's input checks."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from analysis.models import Rollup
from assist import alerts, spikes
from assist.models import AlertStatus, SpikeAlert
from grid.models import Role
from grid.notifications.models import Message
from grievances.models import Category
from tests.factories import PASSWORD, UserFactory

START = date(2026, 1, 5)


def _flat(rate=5.0, days=150, seed=3):
    return spikes.simulate(rate, days, np.random.default_rng(seed))


def test_flat_series_raises_nothing():
    for seed in range(5):
        assert spikes.detect_series(_flat(seed=seed), START) == []


def test_outbreak_raises_exactly_one_episode_with_its_figures():
    x = _flat(seed=4).astype(float)
    x[120:134] *= 3  # three times the rate for 14 days
    found = spikes.detect_series(x, START, region="r", category="c")
    assert len(found) == 1
    a = found[0]
    assert START + timedelta(days=120) <= a.date <= START + timedelta(days=126)
    assert a.observed > a.expected
    assert a.since <= a.date


def test_one_appeal_after_silence_is_no_alarm():
    x = np.zeros(120)
    x[100] = 1
    x[110] = 2
    assert spikes.detect_series(x, START) == []


def _rollups(region_code: str, category: Category, per_day: dict[date, int]):
    Rollup.objects.bulk_create([Rollup(day=d, scope=region_code, dim="category", value=str(category.pk), n=n)
                                for d, n in per_day.items()])


@pytest.fixture
def spike(world):
    """A flat 1-a-day history of land disputes in the east village, then 5 a day last week."""
    cat = Category.objects.get(code="forest_land")
    today = timezone.localdate()
    days = {today - timedelta(days=k): 1 for k in range(8, 110, 2)}
    days.update({today - timedelta(days=k): 5 for k in range(1, 7)})
    _rollups(world.east_village.code, cat, days)
    return cat


def test_alert_reaches_only_that_regions_leaders_once(world, spike, east_centre_leader):
    west_leader = UserFactory(role=Role.CENTRE_LEADER, unit=world.west_centre, is_staff=True)
    made = alerts.run_detection()
    assert len(made) == 1
    alert = made[0]
    assert alert.region_code == world.east_village.code and alert.category == spike
    assert alert.observed >= 10 and alert.expected < alert.observed / 3
    msgs = Message.objects.filter(template_code="assist_spike_alert")
    assert {m.user_id for m in msgs} == {east_centre_leader.pk}
    assert "柳岸社区" in msgs.first().text
    # Once per episode: the hourly run finds the same episode and says nothing new.
    assert alerts.run_detection() == []
    assert SpikeAlert.objects.count() == 1
    assert Message.objects.filter(template_code="assist_spike_alert").count() == msgs.count()
    assert west_leader.pk not in set(Message.objects.values_list("user_id", flat=True))


def test_open_alerts_page_scoped_and_handled_with_a_note(client, world, spike, east_centre_staff,
                                                         west_centre_staff):
    alert = alerts.run_detection()[0]
    client.login(username=west_centre_staff.username, password=PASSWORD)
    assert "柳岸社区" not in client.get(reverse("assist:alerts")).content.decode()
    assert client.get(reverse("assist:alert", args=[alert.pk])).status_code == 404
    client.login(username=east_centre_staff.username, password=PASSWORD)
    page = client.get(reverse("assist:alerts")).content.decode()
    assert "柳岸社区" in page and "山林土地" in page
    refused = client.post(reverse("assist:handle_alert", args=[alert.pk]), {"note": "  "})
    assert refused.status_code == 400 and "请填写处置说明" in refused.content.decode()
    client.post(reverse("assist:handle_alert", args=[alert.pk]), {"note": "已约谈村委会，林业站现场核查。"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.HANDLED and alert.handled_by == east_centre_staff
    assert "柳岸社区" not in client.get(reverse("assist:alerts")).content.decode()


def _csv(tmp_path, body: str):
    p = tmp_path / "counts.csv"
    p.write_text(body, encoding="utf-8")
    return str(p)


def test_command_prints_one_json_object_per_alarm(tmp_path):
    x = _flat(seed=5)
    x[120:134] *= 3
    rows = ["date,region,category,count"] + [
        f"{START + timedelta(days=i)},439001001001,forest_land,{int(c)}" for i, c in enumerate(x) if c]
    rows += [f"{START + timedelta(days=i)},439002001001,forest_land,1" for i in range(0, 150, 3)]
    out = io.StringIO()
    call_command("detect_spikes", input=_csv(tmp_path, "\n".join(rows) + "\n"), json=True, stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    assert set(lines[0]) == {"date", "region", "category", "observed", "expected", "score"}
    assert lines[0]["region"] == "439001001001" and lines[0]["observed"] > lines[0]["expected"]


@pytest.mark.parametrize("bad, message", [
    ("2026-01-07,r,c,x\n", "line 4"),
    ("2026-13-01,r,c,1\n", "line 4"),
    ("2026-01-07,r,c\n", "line 4"),
])
def test_command_refuses_a_malformed_line_and_prints_nothing(tmp_path, bad, message):
    body = "date,region,category,count\n2026-01-05,r,c,1\n2026-01-06,r,c,2\n" + bad
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("detect_spikes", input=_csv(tmp_path, body), json=True, stdout=out)
    assert out.getvalue() == ""


def test_command_refuses_a_wrong_header(tmp_path):
    with pytest.raises(CommandError, match="line 1"):
        call_command("detect_spikes", input=_csv(tmp_path, "day,region,category,n\n"), json=True)
