"""Seed the "137+2030" rule (seed 004, 高效办结机制; DOMAIN.md §5)."""

from django.db import migrations

SERVICE_KINDS = ["livelihood", "complaint", "inquiry", "legal_aid", "suggestion", "business"]
DISPUTE_DAYS = {"simple": 3, "ordinary": 7, "major": 20, "grave": 30}


def seed(apps, schema_editor):
    Policy = apps.get_model("deadlines", "DeadlinePolicy")
    for kind in SERVICE_KINDS:
        Policy.objects.get_or_create(kind=kind, severity="", defaults=dict(
            start_on="dispatched", sign_days=0, interim_days=3, completion_days=7, second_days=7,
            rating_days=7, centre_hours=24, reminder_hours="24,2",
            note="137：收到交办立即启动，当天能办结的当天办结；当天无法办结的3天内阶段性回复；7天内办结回复",
        ))
    for severity, days in DISPUTE_DAYS.items():
        Policy.objects.get_or_create(kind="dispute", severity=severity, defaults=dict(
            start_on="accepted", sign_days=0, interim_days=None, completion_days=days,
            second_days=min(days, 7), rating_days=7, centre_hours=24, reminder_hours="24,2",
            note="2030：矛盾纠纷当日受理，简易3天、一般7天、较大20天、重大疑难30天内办结回复",
        ))
    # Fallback for a dispute not graded (should not happen: grading is required at acceptance).
    Policy.objects.get_or_create(kind="dispute", severity="", defaults=dict(
        start_on="accepted", sign_days=0, interim_days=None, completion_days=7, second_days=7,
        rating_days=7, centre_hours=24, reminder_hours="24,2", note="未定级的矛盾纠纷按一般纠纷计",
    ))


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
