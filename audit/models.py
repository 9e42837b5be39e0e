"""The audit trail: an append-only, hash-chained log (audit.chain defines the hashing).

Rows are only ever inserted, by ``audit.services.append``, which serialises appends on the
one-row ``ChainHead`` (``SELECT … FOR UPDATE``), so ``seq`` is gap-free and each row's
``prev_hash`` is the hash of the row before it even under concurrent appends. On PostgreSQL
a trigger refuses UPDATE and DELETE on the table (migration 0002); the ORM refuses them too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditKind(models.TextChoices):
    GRIEVANCE_EVENT = "grievance_event", _("诉求办理记录")
    MEDIATION_DECISION = "mediation_decision", _("调解决定")
    QA_DECISION = "qa_decision", _("法律问答决定")
    ADMIN_ACTION = "admin_action", _("后台操作")
    LOGIN = "login", _("工作人员登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("工作人员退出")
    PERSONAL_DATA_VIEW = "personal_data_view", _("查看他人个人信息")
    PERSONAL_DATA_DOWNLOAD = "personal_data_download", _("下载他人文件")


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk UPDATE and DELETE: an audit row, once written, stays as it is."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only: UPDATE refused")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only: DELETE refused")

    update.queryset_only = True
    delete.queryset_only = True


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("序号"), primary_key=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类型"), max_length=32, choices=AuditKind.choices)
    # A plain id, not a constraint: deleting or renaming a user must never touch the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    ip = models.CharField(_("来源地址"), max_length=45, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_hash = models.CharField(_("对象内容摘要"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64)
    row_hash = models.CharField(_("本条摘要"), max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["kind", "seq"], name="audit_kind_seq_idx"),
            models.Index(fields=["actor", "seq"], name="audit_actor_seq_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()} {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("AuditEntry rows are append-only: UPDATE refused")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("AuditEntry rows are append-only: DELETE refused")


class ChainHead(models.Model):
    """The one row every append locks: the last ``seq`` and its ``row_hash``."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    row_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_single_row")]

    def __str__(self) -> str:
        return f"{self.seq} {self.row_hash[:12]}"
