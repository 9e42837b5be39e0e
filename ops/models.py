from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a periodic task last finished without error (one row per task name).

    Written by the Celery ``task_postrun`` hook (ops.telemetry); read by /readyz and the
    ``zongzhi_task_last_success_timestamp_seconds`` gauge, so an operator is alerted when the
    beat scan has not run for three minutes.
    """

    task = models.CharField(_("任务"), max_length=200, primary_key=True)
    last_success_at = models.DateTimeField(_("最近成功运行"))

    class Meta:
        verbose_name = _("定时任务心跳")
        verbose_name_plural = _("定时任务心跳")

    def __str__(self) -> str:
        return self.task
