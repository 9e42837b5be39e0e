from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analysis"
    verbose_name = _("研判分析")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from analysis import logins

        # Staff logins feed 工作人员登录率 (the monthly report, seed 004).
        user_logged_in.connect(logins.record_login, dispatch_uid="analysis.record_login")

        from analysis import rollups
        from grievances.hooks import grievance_event_recorded

        # In the event's own transaction (after the clocks, registered earlier): marks the
        # appeals stale, committed or rolled back with the event; the refresher applies the
        # marks seconds later (analysis.rollups.refresh_stale). The listener takes a list
        # (a chunk of the deadline scan's events: one statement for all of them).
        grievance_event_recorded.register_many(rollups.on_grievance_events)

        from analysis import selectors
        from analysis.models import Export, Report, ReportTemplate
        from grid import files

        files.register(Report, "docx", visible=lambda r: selectors.reports_visible_to(r.user),
                       filename=lambda rep, f: rep.title)
        files.register(Report, "xlsx", visible=lambda r: selectors.reports_visible_to(r.user),
                       filename=lambda rep, f: rep.title)
        files.register(ReportTemplate, "file", visible=lambda r: selectors.report_templates_visible_to(r.user),
                       filename=lambda t, f: t.name)
        files.register(Export, "file", visible=lambda r: Export.objects.filter(user_id=r.user.pk),
                       filename=lambda e, f: f"appeals-{e.filters.get('start')}-{e.filters.get('end')}")
