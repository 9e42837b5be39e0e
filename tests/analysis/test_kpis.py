"""Each KPI on a small hand-built history, with numbers a person can check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analysis import kpis, rollups, selectors
from grievances import services
from grievances.deadlines import services as clocks
from grievances.models import Grievance, GrievanceKind, Satisfaction, Severity
from tests.grievances.factories import category


def fresh(g):
    return Grievance.objects.get(pk=g.pk)


# --------------------------------------------------------------------------- the formulas


@pytest.mark.parametrize("fn, counts, value, num, den", [
    (kpis.response_rate, {"n": 8, "responded_24h": 6}, 75.0, 6, 8),
    (kpis.completion_rate, {"n": 10, "rejected": 2, "completed": 6}, 75.0, 6, 8),
    (kpis.satisfaction_rate, {"rated": 3, "satisfied": 2}, 66.7, 2, 3),
    (kpis.overdue_rate, {"dispatched": 4, "overdue": 1}, 25.0, 1, 4),
    (kpis.sign_on_time_rate, {"sign_due": 5, "sign_on_time": 4}, 80.0, 4, 5),
    (kpis.interim_on_time_rate, {"interim_due": 2, "interim_on_time": 1}, 50.0, 1, 2),
    (kpis.completion_on_time_rate, {"completion_due": 4, "completion_on_time": 3}, 75.0, 3, 4),
    (kpis.first_resolution_rate, {"closed": 4, "first_resolved": 3}, 75.0, 3, 4),
    (kpis.return_rate, {"dispatched": 10, "returned": 1}, 10.0, 1, 10),
    (kpis.repeat_rate, {"n": 3, "repeat": 1}, 33.3, 1, 3),
])
def test_rate_formulas(fn, counts, value, num, den):
    fig = fn(counts)
    assert (fig.value, fig.numerator, fig.denominator) == (value, num, den)


def test_a_rate_with_nothing_to_count_is_shown_as_a_dash():
    fig = kpis.satisfaction_rate({"rated": 0, "satisfied": 0})
    assert fig.value is None and fig.display == "—"


def test_counts_and_durations():
    c = {"overdue": 3, "second_supervision": 2, "dur_n": 4, "dur_minutes": 4 * 90, "h0": 4}
    assert kpis.overdue_count(c).value == 3
    assert kpis.second_supervision_count(c).value == 2
    assert kpis.avg_completion_hours(c).value == 1.5  # 360 minutes over 4 appeals


def test_p90_interpolates_inside_the_bucket_that_reaches_ninety_percent():
    # 10 appeals: 5 within 4 h (h0), 4 within 8 h (h1), 1 within 24 h (h2).
    # 90 % = 9 appeals, reached exactly at the end of the 4-8 h bucket.
    assert kpis.p90_completion_hours({"dur_n": 10, "h0": 5, "h1": 4, "h2": 1}).value == 8.0
    # 10 appeals all in the 24-48 h bucket: 9 of 10 are reached 90 % of the way through it.
    assert kpis.p90_completion_hours({"dur_n": 10, "h3": 10}).value == 45.6


def test_login_rate_counts_person_days_over_staff_times_working_days():
    # 4 staff, 5 working days, 15 person-days with a login → 75 %.
    fig = kpis.login_rate(15, 4, 5)
    assert (fig.value, fig.numerator, fig.denominator) == (75.0, 15, 20)


def test_mediation_figures():
    assert kpis.mediation_success_rate(3, 4).value == 75.0
    assert kpis.judicial_confirmation_count(2).value == 2


# --------------------------------------------------------------------------- from real events


def test_kpis_from_a_hand_built_history(world, citizen, east_centre_staff, east_handler, east_centre_leader):
    """Four appeals by one citizen:
    D submitted two days ago, accepted today (late), dispatched, never signed: the scan finds
      its sign, interim and completion deadlines overdue;
    A accepted, dispatched, signed, completed, verified, rated 满意 (closed);
    B the same, but rated 不满意 (back to handling: a second supervision);
    C rejected.
    """
    v, dept = world.east_village, world.east_dept

    def submit():
        return services.submit_grievance(actor=citizen, kind=GrievanceKind.DISPUTE, region=v, title="诉求",
                                         description="内容", category=category())

    def to_handling(g):
        services.accept_grievance(actor=east_centre_staff, grievance=fresh(g), kind="dispute",
                                  severity=Severity.ORDINARY, category=category())
        services.dispatch_grievance(actor=east_centre_staff, grievance=fresh(g), unit=dept)

    def rated(g, sat):
        to_handling(g)
        services.sign_grievance(actor=east_handler, grievance=fresh(g))
        services.complete_grievance(actor=east_handler, grievance=fresh(g), result="已办结")
        services.verify_grievance(actor=east_centre_staff, grievance=fresh(g))
        services.rate_grievance(actor=citizen, grievance=fresh(g), satisfaction=sat, comment="不行")

    d = submit()
    Grievance.objects.filter(pk=d.pk).update(created_at=timezone.now() - timedelta(days=2))
    to_handling(d)
    clocks.process_clock(d.pk, now=timezone.now() + timedelta(days=10))
    rated(submit(), Satisfaction.SATISFIED)
    rated(submit(), Satisfaction.UNSATISFIED)
    c = submit()
    services.reject_grievance(actor=east_centre_staff, grievance=fresh(c), reason="不属受理范围", guidance="请向法院起诉")

    rollups.refresh_stale()  # the refresher has applied the history
    today = timezone.localdate()
    scope = selectors.scope_for(east_centre_leader)
    period = selectors.period_for("custom", str(today - timedelta(days=3)), str(today))
    f = kpis.grievance_figures(selectors.totals(scope, period))

    def check(code):
        return f[code].value, f[code].numerator, f[code].denominator

    assert f["submitted"].value == 4
    assert check("response_rate") == (75.0, 3, 4)              # all but D within 24 h
    assert check("completion_rate") == (33.3, 1, 3)            # A of the 3 not rejected
    assert check("satisfaction_rate") == (50.0, 1, 2)          # A of A, B
    assert check("first_resolution_rate") == (100.0, 1, 1)     # A of the closed A
    assert f["second_supervision_count"].value == 1            # B
    assert f["overdue_count"].value == 1                       # D
    assert check("overdue_rate") == (33.3, 1, 3)               # D of the dispatched A, B, D
    assert check("sign_on_time_rate") == (66.7, 2, 3)          # A, B signed; D's sign overdue
    assert check("completion_on_time_rate") == (50.0, 1, 2)    # A on time; D overdue
    assert check("repeat_rate") == (75.0, 3, 4)                # A, B, C repeat D (same citizen)
    assert check("return_rate") == (0.0, 0, 3)


def test_the_leaders_guide_explains_every_figure():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide-leader.md").read_text()
    labels = [fn({}).label for fn in kpis.GRIEVANCE_KPIS]
    labels += [kpis.login_rate(0, 0, 0).label, kpis.mediation_success_rate(0, 0).label,
               kpis.judicial_confirmation_count(0).label]
    missing = [str(label) for label in labels if f"| {label} |" not in guide]
    assert not missing
