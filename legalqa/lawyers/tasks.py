"""Periodic scans of the lawyer Q&A. Deadlines live in the database (Question.respond_due_at,
Commission.widen_at); the beat only says "go and look", and each step is claimed with a
conditional UPDATE, so a scan that runs twice does nothing twice."""

from celery import shared_task


@shared_task(name="legalqa.lawyers.tasks.scan_unanswered")
def scan_unanswered() -> dict:
    """Unanswered questions and unacknowledged call-back requests (the same response limit)."""
    from legalqa.lawyers.services import escalate_unanswered, remind_unacknowledged_callbacks

    counts = escalate_unanswered()
    counts["callbacks"] = remind_unacknowledged_callbacks()
    return counts


@shared_task(name="legalqa.lawyers.tasks.widen_commissions")
def widen_commissions() -> int:
    from legalqa.lawyers.services import widen_commissions as widen

    return widen()


@shared_task(name="legalqa.lawyers.tasks.remind_overdue_applications")
def remind_overdue_applications() -> int:
    from legalqa.lawyers.services import remind_overdue_applications as remind

    return remind()
