"""Periodic scans of the lawyer Q&A. Deadlines live in the database (Question.respond_due_at,
Commission.widen_at); the beat only says "go and look", and each step is claimed with a
conditional UPDATE, so a scan that runs twice does nothing twice."""

from celery import shared_task


@shared_task(name="legalqa.lawyers.tasks.scan_unanswered")
def scan_unanswered() -> dict:
    from legalqa.lawyers.services import escalate_unanswered

    return escalate_unanswered()


@shared_task(name="legalqa.lawyers.tasks.widen_commissions")
def widen_commissions() -> int:
    from legalqa.lawyers.services import widen_commissions as widen

    return widen()


@shared_task(name="legalqa.lawyers.tasks.remind_overdue_applications")
def remind_overdue_applications() -> int:
    from legalqa.lawyers.services import remind_overdue_applications as remind

    return remind()
