"""Learned routing: the model on a generated history, the dispatch form's suggestions beside
the rule table, the record of what staff chose, and the evaluate_routing command."""

from __future__ import annotations

import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assist import dispatch, routing, routing_history
from assist.models import RoutingOutcome
from grievances import services
from tests.factories import PASSWORD

VILLAGES = [("439001001001", "柳岸社区"), ("439001001002", "荷塘社区"), ("439002001001", "石门村")]


def _records(n=260, **kw):
    return [routing.Record(h.title, h.description, h.kind, h.category, h.region_code, h.unit, h.created)
            for h in routing_history.generate(n, VILLAGES, **kw)]


def test_model_ranks_the_unit_the_text_names_first():
    model = routing.Model().fit(_records())
    factory = routing.Record("荷塘社区化工厂偷排废水", "荷塘社区那家化工厂晚上往河里排污水，河水发黑发臭。",
                             "complaint", "environment", "439001001002", None, None)
    stall = routing.Record("荷塘社区夜市烧烤油烟大", "荷塘社区路边的烧烤摊占道经营，油烟直冲住户窗户。",
                           "complaint", "environment", "439001001002", None, None)
    assert model.rank(factory)[0][0] == "D-439001-04"  # 生态环境局
    assert model.rank(stall)[0][0] == "D-439001-10"  # 城市管理局: same category, the text decides
    shares = [s for _u, s in model.rank(factory)]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1.0001


def test_evaluation_beats_the_category_baseline_only_when_the_text_matters():
    text = routing.evaluate(_records(400))
    assert text["top1"] > text["baseline_top1"] + 0.10 and text["top3"] >= text["top1"]
    flat = routing.evaluate(_records(400, category_only=True, noise=0))
    assert flat["baseline_top1"] >= 0.9


def _history(world, loop, east_handler, east_handler2, n=4):
    for _i in range(n):
        loop.completed(title="小区电梯坏了物业不修", description="柳岸花园电梯坏了半个月，物业一直拖着不修。")
        g = loop.accepted(title="工地欠农民工工资", description="柳岸社区电子厂两个月没发工资，也没签劳动合同。")
        services.dispatch_grievance(actor=loop.staff, grievance=g, unit=world.east_dept2)
        services.sign_grievance(actor=east_handler2, grievance=g)
        services.complete_grievance(actor=east_handler2, grievance=g, result="已责令发放工资。")


@pytest.fixture
def staffed_loop(loop, east_centre_staff):
    loop.staff = east_centre_staff
    return loop


def test_dispatch_form_shows_learned_suggestions_and_the_choice_is_recorded(
        client, world, staffed_loop, east_centre_staff, east_handler, east_handler2,
        django_capture_on_commit_callbacks):
    client.login(username=east_centre_staff.username, password=PASSWORD)
    g = staffed_loop.accepted(title="电子厂拖欠工资", description="我在柳岸社区电子厂上班，公司两个月没发工资。")
    page = client.get(reverse("admin:grievances_grievance_change", args=[g.pk])).content.decode()
    assert "历史办结件不足" in page  # no model yet: the rule table alone
    _history(world, staffed_loop, east_handler, east_handler2)
    with mock.patch.object(routing, "MIN_HISTORY", 6):
        row = dispatch.train()
    assert row is not None and row.n_history == 8
    page = client.get(reverse("admin:grievances_grievance_change", args=[g.pk])).content.decode()
    assert "智能分派建议" in page
    first = page.index("data-pick-unit=")
    assert page[first:first + 40].split('"')[1] == str(world.east_dept2.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_dept2)
    outcome = RoutingOutcome.objects.get(grievance=g)
    assert outcome.chosen_unit_id == world.east_dept2.pk and outcome.top1 and outcome.model == row


def test_suggestions_leave_out_units_outside_the_users_region(world, staffed_loop, east_handler, east_handler2,
                                                             west_centre_staff):
    _history(world, staffed_loop, east_handler, east_handler2, n=3)
    with mock.patch.object(routing, "MIN_HISTORY", 6):
        dispatch.train()
    g = staffed_loop.accepted(title="电子厂拖欠工资", description="公司两个月没发工资。")
    assert dispatch.suggest(g, west_centre_staff)["items"] == []


def _jsonl(tmp_path, rows):
    p = tmp_path / "h.jsonl"
    p.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                 encoding="utf-8")
    return str(p)


def test_evaluate_routing_command_on_a_file(tmp_path):
    rows = [{"title": h.title, "description": h.description, "kind": h.kind, "category": h.category,
             "region_code": h.region_code, "unit": h.unit, "created": h.created.isoformat()}
            for h in routing_history.generate(200, VILLAGES)]
    out = io.StringIO()
    call_command("evaluate_routing", input=_jsonl(tmp_path, rows), json=True, stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) == {"n_train", "n_test", "top1", "top3", "baseline_top1"}
    assert result["n_train"] == 160 and result["n_test"] == 40


@pytest.mark.parametrize("bad, message", [
    ("[1, 2]", "line 2: expected a JSON object"),
    (json.dumps({"title": "t"}), "line 2: missing"),
    (json.dumps({"title": "t", "description": "d", "kind": "k", "category": "c", "region_code": "r",
                 "unit": "u", "created": "soon"}), "line 2: created"),
])
def test_evaluate_routing_refuses_a_malformed_line(tmp_path, bad, message):
    good = {"title": "t", "description": "d", "kind": "k", "category": "c", "region_code": "r", "unit": "u",
            "created": "2026-01-01T00:00"}
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_routing", input=_jsonl(tmp_path, [good, bad]), json=True, stdout=out)
    assert out.getvalue() == ""
