"""Celery tasks of the analysis app: thin, idempotent callers of its services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="analysis.tasks.generate_due_reports")
def generate_due_reports() -> int:
    """The hourly run (beat): yesterday's daily statistics, Monday's weekly summary, the
    monthly report on the 1st (well before the 10th), the yearly analysis on 1 January.
    Each report is made once: every later run the same day makes nothing new."""
    from analysis import reports

    return len(reports.generate_due())


@shared_task(name="analysis.tasks.run_export")
def run_export(export_id: int) -> None:
    from analysis import exports

    exports.run(export_id)


@shared_task(name="analysis.tasks.refresh_stale_rollups")
def refresh_stale_rollups() -> int:
    """Every few seconds (beat) and after each transition's commit: apply the appeals the
    events marked stale to the facts and rollups (analysis.rollups.refresh_stale)."""
    from analysis import rollups

    return rollups.refresh_stale()
