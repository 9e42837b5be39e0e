"""What the assistant remembers: spike alerts (预警), and (later) routing models and the
record of what staff chose. Everything here is a suggestion staff accept or ignore."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    HANDLED = "handled", _("已处置")


class SpikeAlert(models.Model):
    """One episode of an unusual rise in appeals of one category in one region (any level):
    raised once, kept up to date while the episode lasts, marked handled by staff."""

    region_code = models.CharField(_("区域代码"), max_length=12)
    region_name = models.CharField(_("区域"), max_length=64)
    category = models.ForeignKey("grievances.Category", verbose_name=_("类别"), on_delete=models.CASCADE,
                                 related_name="+")
    first_alarm = models.DateField(_("首次预警日期"))
    last_alarm = models.DateField(_("最近预警日期"))
    since = models.DateField(_("异常起始日期"))
    observed = models.PositiveIntegerField(_("实际件数"))
    expected = models.FloatField(_("预期件数"))
    score = models.FloatField(_("预警分值"))
    severe = models.BooleanField(_("严重"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    note = models.TextField(_("处置说明"), blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-first_alarm", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "category", "first_alarm"], name="spike_episode_unique"),
        ]
        indexes = [
            models.Index(fields=["region_code"], name="spike_region_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "region_code"], name="spike_open_idx", condition=Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.region_name} {self.category} {self.first_alarm}"

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float(self.observed)


class RoutingModel(models.Model):
    """One trained routing model (assist.routing), with its evaluation figures; the newest
    active one serves the dispatch form."""

    trained_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    n_history = models.PositiveIntegerField(_("历史件数"))
    n_units = models.PositiveIntegerField(_("单位数"))
    figures = models.JSONField(_("评估结果"), default=dict)
    data = models.BinaryField(_("模型"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分派模型")
        verbose_name_plural = _("分派模型")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"v{self.pk} {self.trained_at:%Y-%m-%d %H:%M}"


class RoutingOutcome(models.Model):
    """What staff chose at a dispatch, beside what was suggested: the production accuracy."""

    grievance = models.ForeignKey("grievances.Grievance", on_delete=models.CASCADE, related_name="+")
    event_id = models.BigIntegerField(unique=True)
    model = models.ForeignKey(RoutingModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    suggested = models.JSONField(default=list)  # unit ids, best first
    rule_unit_id = models.BigIntegerField(null=True, blank=True)
    chosen_unit_id = models.BigIntegerField()
    top1 = models.BooleanField(default=False)
    top3 = models.BooleanField(default=False)
    rule_hit = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分派采纳记录")
        verbose_name_plural = _("分派采纳记录")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.grievance_id} → {self.chosen_unit_id}"


class TextFeatures(models.Model):
    """An appeal's text features for duplicate suggestions (``assist.similar.features``),
    made once when its text is saved so a page reads its candidates' features instead of
    making them: ``digest`` is of the text and the measure (``similar.text_digest``), so the
    features of a changed text or of an older measure are made again when read
    (``assist.related.stored_features``)."""

    grievance = models.OneToOneField("grievances.Grievance", primary_key=True, on_delete=models.CASCADE,
                                     related_name="+")
    digest = models.BigIntegerField()
    features = models.TextField()  # similar.encode: the features by kind, in order

    class Meta:
        verbose_name = _("诉求文本特征")
        verbose_name_plural = _("诉求文本特征")

    def __str__(self) -> str:
        return str(self.grievance_id)
