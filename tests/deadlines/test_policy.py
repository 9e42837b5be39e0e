"""Table-driven due times for the 137+2030 rule (DOMAIN.md §5), in Asia/Shanghai days."""

from datetime import datetime, timedelta

import pytest

from grievances.deadlines import policy
from grievances.deadlines.policy import SHANGHAI, Extension, Pause, Rules, Timeline

SERVICE = Rules(start_on="dispatched", sign_days=0, interim_days=3, completion_days=7, second_days=7)
DISPUTE = {
    "simple": Rules(start_on="accepted", interim_days=None, completion_days=3, second_days=3),
    "ordinary": Rules(start_on="accepted", interim_days=None, completion_days=7),
    "major": Rules(start_on="accepted", interim_days=None, completion_days=20),
    "grave": Rules(start_on="accepted", interim_days=None, completion_days=30),
}


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def midnight(y, m, d) -> datetime:
    return sh(y, m, d, 0, 0)


# ---- the seeded policy rows give the same rules -------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("kind, severity, start_on, interim, days", [
    ("livelihood", "", "dispatched", 3, 7),
    ("complaint", "", "dispatched", 3, 7),
    ("inquiry", "", "dispatched", 3, 7),
    ("legal_aid", "", "dispatched", 3, 7),
    ("suggestion", "", "dispatched", 3, 7),
    ("business", "", "dispatched", 3, 7),
    ("dispute", "simple", "accepted", None, 3),
    ("dispute", "ordinary", "accepted", None, 7),
    ("dispute", "major", "accepted", None, 20),
    ("dispute", "grave", "accepted", None, 30),
])
def test_seeded_policy_is_137_2030(kind, severity, start_on, interim, days):
    from grievances.deadlines.services import policy_for

    rules = policy_for(kind, severity).rules()
    assert (rules.start_on, rules.sign_days, rules.interim_days, rules.completion_days) == (
        start_on, 0, interim, days)
    assert rules.rating_days == 7 and rules.centre_hours == 24 and rules.reminder_hours == (24, 2)


# ---- every kind and grade ------------------------------------------------------------

@pytest.mark.parametrize("kind", ["livelihood", "complaint", "inquiry", "legal_aid", "suggestion", "business"])
def test_service_kinds_start_at_dispatch_sign_same_day_reply_in_3_finish_in_7(kind):
    t = Timeline(submitted_at=sh(2026, 3, 9, 18), accepted_at=sh(2026, 3, 10, 9), dispatched_at=sh(2026, 3, 10, 10))
    d = policy.compute(SERVICE, t)
    assert d["sign"].due == midnight(2026, 3, 11)
    assert d["interim"].due == midnight(2026, 3, 14)
    assert d["completion"].due == midnight(2026, 3, 18)


def test_service_kind_has_no_handling_deadline_before_dispatch():
    d = policy.compute(SERVICE, Timeline(accepted_at=sh(2026, 3, 10, 9), centre_started_at=sh(2026, 3, 10, 8)))
    assert set(d) == {"centre"}


@pytest.mark.parametrize("severity, due", [
    ("simple", midnight(2026, 3, 14)),
    ("ordinary", midnight(2026, 3, 18)),
    ("major", midnight(2026, 3, 31)),
    ("grave", midnight(2026, 4, 10)),
])
def test_disputes_count_from_acceptance_3_7_20_30_days(severity, due):
    t = Timeline(accepted_at=sh(2026, 3, 10, 10))
    d = policy.compute(DISPUTE[severity], t)
    assert d["completion"].due == due
    assert "interim" not in d
    assert "sign" not in d  # nobody to sign until it is dispatched


def test_dispute_dispatched_later_still_counts_from_acceptance_and_signs_same_day():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10), dispatched_at=sh(2026, 3, 11, 16))
    d = policy.compute(DISPUTE["ordinary"], t)
    assert d["completion"].due == midnight(2026, 3, 18)
    assert d["sign"].due == midnight(2026, 3, 12)


# ---- month ends and the Asia/Shanghai day --------------------------------------------

@pytest.mark.parametrize("start, rules, due", [
    (sh(2026, 1, 28, 9), SERVICE, midnight(2026, 2, 5)),
    (sh(2026, 2, 25, 9), SERVICE, midnight(2026, 3, 5)),         # February has 28 days in 2026
    (sh(2028, 2, 25, 9), SERVICE, midnight(2028, 3, 4)),         # … and 29 in 2028
    (sh(2026, 12, 31, 9), SERVICE, midnight(2027, 1, 8)),        # year end
    (sh(2026, 4, 30, 23, 59), SERVICE, midnight(2026, 5, 8)),
])
def test_month_and_year_ends(start, rules, due):
    assert policy.compute(rules, Timeline(dispatched_at=start))["completion"].due == due


def test_grave_dispute_across_two_month_ends():
    t = Timeline(accepted_at=sh(2026, 1, 31, 12))
    assert policy.compute(DISPUTE["grave"], t)["completion"].due == midnight(2026, 3, 3)


def test_same_day_means_the_shanghai_day_not_the_utc_day():
    # 16:50 in Shanghai is 08:50 UTC: in working hours, signed for by the end of the Shanghai day.
    afternoon = sh(2026, 3, 10, 16, 50)
    assert policy.compute(SERVICE, Timeline(dispatched_at=afternoon))["sign"].due == midnight(2026, 3, 11)
    # 00:10 in Shanghai is 16:10 UTC of the day before: before hours of 10 March in Shanghai,
    # so due that (Shanghai) morning, not at the end of the UTC day.
    early = sh(2026, 3, 10, 0, 10)
    assert policy.compute(SERVICE, Timeline(dispatched_at=early))["sign"].due == sh(2026, 3, 10, 12)


def test_utc_input_is_read_in_shanghai():
    from datetime import UTC

    moment = datetime(2026, 3, 9, 16, 10, tzinfo=UTC)  # = 2026-03-10 00:10 Shanghai
    assert policy.end_of_day(moment) == midnight(2026, 3, 11)


# ---- pauses ----------------------------------------------------------------------------

def test_a_closed_pause_moves_the_due_time_by_its_length():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10),
                 pauses=[Pause(sh(2026, 3, 12, 9), sh(2026, 3, 14, 15))])
    assert policy.compute(DISPUTE["ordinary"], t)["completion"].due == midnight(2026, 3, 18) + timedelta(hours=54)


def test_an_open_pause_freezes_the_clock_and_keeps_the_time_left():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10), pauses=[Pause(sh(2026, 3, 12, 9))])
    completion = policy.compute(DISPUTE["major"], t)["completion"]
    assert completion.due is None and completion.paused
    assert completion.left_at_pause == midnight(2026, 3, 31) - sh(2026, 3, 12, 9)


def test_two_pauses_add_up_and_pauses_outside_the_window_do_not_count():
    t = Timeline(dispatched_at=sh(2026, 3, 10, 10), pauses=[
        Pause(sh(2026, 3, 1, 9), sh(2026, 3, 2, 9)),        # before the clock started
        Pause(sh(2026, 3, 11, 8), sh(2026, 3, 11, 20)),      # 12 h
        Pause(sh(2026, 3, 15, 0), sh(2026, 3, 16, 0)),       # 24 h
        Pause(sh(2026, 4, 30, 0), sh(2026, 5, 3, 0)),        # after the due time
    ])
    d = policy.compute(SERVICE, t)
    assert d["completion"].due == midnight(2026, 3, 18) + timedelta(hours=36)
    # the sign-for due (end of 10 March) lies before both pauses
    assert d["sign"].due == midnight(2026, 3, 11)


def test_a_pause_begun_before_the_clock_counts_only_from_the_start():
    t = Timeline(dispatched_at=sh(2026, 3, 10, 10), pauses=[Pause(sh(2026, 3, 10, 8), sh(2026, 3, 10, 12))])
    assert policy.compute(SERVICE, t)["completion"].due == midnight(2026, 3, 18) + timedelta(hours=2)


# ---- extensions -----------------------------------------------------------------------

def test_an_approved_extension_moves_the_completion_due_across_a_month_end():
    t = Timeline(accepted_at=sh(2026, 1, 25, 10), extensions=[Extension(sh(2026, 1, 30, 9), 10)])
    assert policy.compute(DISPUTE["ordinary"], t)["completion"].due == midnight(2026, 2, 12)


def test_extension_and_pause_together():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10), extensions=[Extension(sh(2026, 3, 15, 9), 5)],
                 pauses=[Pause(sh(2026, 3, 12, 0), sh(2026, 3, 13, 0))])
    assert policy.compute(DISPUTE["ordinary"], t)["completion"].due == midnight(2026, 3, 24)


def test_extensions_of_the_first_round_do_not_carry_into_the_second():
    t = Timeline(dispatched_at=sh(2026, 3, 10, 10), extensions=[Extension(sh(2026, 3, 12, 9), 10)],
                 reopened_at=sh(2026, 4, 1, 15))
    d = policy.compute(SERVICE, t)
    assert d["completion"].due == midnight(2026, 4, 9)
    assert "interim" not in d


# ---- met deadlines, second round, rating, centre ----------------------------------------

def test_signing_meets_the_sign_deadline_and_finishing_meets_the_interim_one():
    t = Timeline(dispatched_at=sh(2026, 3, 10, 10), signed_at=sh(2026, 3, 10, 11),
                 completed_at=sh(2026, 3, 10, 17))
    d = policy.compute(SERVICE, t)
    assert not d["sign"].active and not d["interim"].active and not d["completion"].active
    assert policy.nearest_due(d) is None


def test_a_new_dispatch_needs_a_new_signature():
    t = Timeline(dispatched_at=sh(2026, 3, 12, 10), signed_at=sh(2026, 3, 10, 11))
    assert policy.compute(SERVICE, t)["sign"].active


@pytest.mark.parametrize("severity, second_due", [
    ("simple", midnight(2026, 4, 5)),
    ("ordinary", midnight(2026, 4, 9)),
])
def test_unsatisfied_rating_starts_a_second_round(severity, second_due):
    t = Timeline(accepted_at=sh(2026, 3, 10, 10), reopened_at=sh(2026, 4, 1, 15))
    assert policy.compute(DISPUTE[severity], t)["completion"].due == second_due


def test_rating_window_is_seven_days_after_feedback():
    t = Timeline(dispatched_at=sh(2026, 3, 10, 10), completed_at=sh(2026, 3, 12, 10),
                 verified_at=sh(2026, 3, 20, 16))
    d = policy.compute(SERVICE, t)
    assert d["rating"].due == midnight(2026, 3, 28)
    assert policy.nearest_due(d).code == "rating"


def test_centre_target_is_24_hours_from_submission_and_met_by_dispatch():
    t = Timeline(centre_started_at=sh(2026, 3, 10, 10, 30))
    assert policy.compute(SERVICE, t)["centre"].due == sh(2026, 3, 11, 10, 30)
    t.centre_done_at = sh(2026, 3, 10, 15)
    assert not policy.compute(SERVICE, t)["centre"].active


def test_closed_items_have_no_deadlines():
    assert policy.compute(SERVICE, Timeline(dispatched_at=sh(2026, 3, 10, 10), closed=True)) == {}


# ---- reminders and the scan's next check ---------------------------------------------------

def test_reminders_24_and_2_hours_before_then_overdue():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10))
    rules = DISPUTE["ordinary"]
    d = policy.compute(rules, t)
    due = midnight(2026, 3, 18)
    assert policy.next_check(d, rules, set()) == due - timedelta(hours=24)
    assert [a for _d, a in policy.due_actions(d, rules, due - timedelta(hours=23))] == ["remind24"]
    done = {("completion", "remind24", due)}
    assert policy.next_check(d, rules, done) == due - timedelta(hours=2)
    assert [a for _d, a in policy.due_actions(d, rules, due - timedelta(minutes=30))] == ["remind2"]
    done.add(("completion", "remind2", due))
    assert policy.next_check(d, rules, done) == due
    assert [a for _d, a in policy.due_actions(d, rules, due)] == ["overdue"]
    done.add(("completion", "overdue", due))
    assert policy.next_check(d, rules, done) is None


def test_after_an_outage_only_the_latest_reminder_or_the_overdue_action_is_due():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10))
    rules = DISPUTE["ordinary"]
    d = policy.compute(rules, t)
    due = midnight(2026, 3, 18)
    assert [a for _d, a in policy.due_actions(d, rules, due - timedelta(hours=1))] == ["remind2"]
    # once the 2 h reminder is recorded the skipped 24 h one is not pending any more
    assert policy.next_check(d, rules, {("completion", "remind2", due)}) == due
    assert [a for _d, a in policy.due_actions(d, rules, due + timedelta(hours=1))] == ["overdue"]


def test_reminder_points_before_the_window_are_skipped():
    # dispatched at 17:00: the sign-for due is 7 h away; the 24 h reminder does not apply
    t = Timeline(dispatched_at=sh(2026, 3, 10, 17))
    d = policy.compute(SERVICE, t)
    assert d["sign"].reminder_points((24, 2)) == [(2, sh(2026, 3, 10, 22))]


def test_paused_deadlines_need_no_check():
    t = Timeline(accepted_at=sh(2026, 3, 10, 10), pauses=[Pause(sh(2026, 3, 12, 9))])
    rules = DISPUTE["ordinary"]
    d = policy.compute(rules, t)
    assert policy.next_check(d, rules, set()) is None
    assert policy.due_actions(d, rules, sh(2026, 5, 1)) == []


def test_due_times_are_printed_as_people_read_them():
    from grievances.deadlines.services import _fmt

    assert _fmt(midnight(2026, 3, 11)) == "2026-03-10 23:59"
    assert _fmt(sh(2026, 3, 11, 10, 30)) == "2026-03-11 10:30"


# ---- signing for follows working hours (holidays and make-up working days as data) -----

# 2026: 1–7 October is the National Day holiday; Saturday 10 October is worked in exchange.
CALENDAR = policy.WorkCalendar(
    holidays=frozenset(sh(2026, 10, d).date() for d in range(1, 8)),
    workdays=frozenset({sh(2026, 10, 10).date()}),
)


@pytest.mark.parametrize("dispatched, sign_days, due", [
    (sh(2026, 3, 10, 10), 0, midnight(2026, 3, 11)),            # Tuesday morning: that day
    (sh(2026, 3, 10, 8, 30), 0, midnight(2026, 3, 11)),         # the working day has begun
    (sh(2026, 3, 10, 8, 29), 0, sh(2026, 3, 10, 12)),           # before hours: that morning
    (sh(2026, 3, 10, 17, 30), 0, sh(2026, 3, 11, 12)),          # the day has ended: next morning
    (sh(2026, 3, 10, 23, 54), 0, sh(2026, 3, 11, 12)),          # not six minutes, a working morning
    (sh(2026, 3, 13, 18), 0, sh(2026, 3, 16, 12)),              # Friday evening: Monday morning
    (sh(2026, 3, 14, 10), 0, sh(2026, 3, 16, 12)),              # Saturday: Monday morning
    (sh(2026, 9, 30, 20), 0, sh(2026, 10, 8, 12)),              # before the holiday: after it
    (sh(2026, 10, 3, 10), 0, sh(2026, 10, 8, 12)),              # during the holiday
    (sh(2026, 10, 9, 19), 0, sh(2026, 10, 10, 12)),             # the worked Saturday
    (sh(2026, 10, 10, 10), 0, midnight(2026, 10, 11)),          # in hours on the worked Saturday
    (sh(2026, 3, 10, 23), 1, midnight(2026, 3, 13)),            # one day from the next morning
    (sh(2026, 3, 10, 10), 1, midnight(2026, 3, 12)),            # one day from a working moment
])
def test_sign_deadline_follows_working_hours(dispatched, sign_days, due):
    rules = Rules(start_on="dispatched", sign_days=sign_days)
    assert policy.compute(rules, Timeline(dispatched_at=dispatched), CALENDAR)["sign"].due == due


def test_a_pause_after_hours_still_moves_the_next_morning_due():
    t = Timeline(dispatched_at=sh(2026, 3, 10, 23), pauses=[Pause(sh(2026, 3, 11, 9), sh(2026, 3, 11, 10))])
    assert policy.compute(SERVICE, t, CALENDAR)["sign"].due == sh(2026, 3, 11, 13)


def test_the_other_deadlines_keep_counting_calendar_days():
    d = policy.compute(SERVICE, Timeline(dispatched_at=sh(2026, 9, 30, 20)), CALENDAR)
    assert d["interim"].due == midnight(2026, 10, 4) and d["completion"].due == midnight(2026, 10, 8)


# ---- the calendar is data: holidays entered by staff reach the next dispatch ----------

@pytest.fixture
def fresh_calendar():
    from grievances.deadlines import services

    services.forget_work_calendar()
    yield
    services.forget_work_calendar()


@pytest.mark.django_db
def test_a_holiday_entered_by_staff_moves_the_sign_due_of_the_next_dispatch(
        fresh_calendar, django_capture_on_commit_callbacks):
    from grievances.deadlines import services
    from grievances.deadlines.models import Holiday

    t = Timeline(dispatched_at=sh(2026, 4, 30, 20))  # Thursday evening before 1 May
    rules = Rules(start_on="dispatched")
    assert policy.compute(rules, t, services.work_calendar())["sign"].due == sh(2026, 5, 1, 12)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_holiday(holiday=Holiday(date=sh(2026, 5, 1).date(), name="劳动节"))
    assert policy.compute(rules, t, services.work_calendar())["sign"].due == sh(2026, 5, 4, 12)
