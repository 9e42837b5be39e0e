"""The demo history (``seed_demo``'s analysis part) on any day of the month: on the first, the current month
has no elapsed day, and seeding must not fail (it did on 2026-12-01, Asia/Shanghai)."""

from datetime import date

from analysis.demo import PER_MONTH, _month_span, _months


def test_first_of_month_gives_the_current_month_no_appeals():
    today = date(2026, 12, 1)
    months = _months(today)
    assert months[-1] == today
    last_day, count = _month_span(today, today)
    assert count == 0
    assert last_day == date(2026, 11, 30)
    # every month that gets appeals has at least one day to put them on
    for month in months:
        last_day, count = _month_span(month, today)
        assert count == 0 or (last_day - month).days >= 0


def test_past_months_in_full_and_current_month_up_to_yesterday():
    today = date(2026, 3, 16)
    last_day, count = _month_span(date(2026, 2, 1), today)
    assert (last_day, count) == (date(2026, 2, 28), PER_MONTH)
    last_day, count = _month_span(date(2026, 3, 1), today)
    assert last_day == date(2026, 3, 15)
    assert count == PER_MONTH * 15 // 30
    assert _month_span(date(2026, 3, 1), date(2026, 3, 2)) == (date(2026, 3, 1), PER_MONTH // 30)
