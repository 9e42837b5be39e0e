"""API keys of the channels that file and follow appeals through Open311, and the requests
they filed (docs/open311.md).

A key is stored as its SHA-256 (keys are 32 random bytes, so a plain hash is enough to
make a stolen database useless for calling the API); its first characters are kept to
tell keys apart. The plain key is shown once, when it is made.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grievances.models import Channel


class ApiKey(models.Model):
    name = models.CharField(_("渠道名称"), max_length=64, help_text=_("例如：12345热线、某某小程序"))
    channel = models.CharField(
        _("来源渠道"), max_length=16, default=Channel.HOTLINE,
        choices=[(c.value, c.label) for c in (Channel.HOTLINE, Channel.APP, Channel.PARTNER)],
    )
    region = models.ForeignKey("grid.Region", verbose_name=_("可提交的辖区"), on_delete=models.PROTECT,
                               related_name="+")
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=16, editable=False, db_index=True)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    rate_limit = models.PositiveIntegerField(_("每分钟请求上限"), default=120)
    is_active = models.BooleanField(_("启用"), default=True)
    trusted = models.BooleanField(
        _("可信政务系统"), default=False,
        help_text=_("可信政务系统查询本渠道提交的诉求时可看到完整内容、详细地址和附件；其他情况一律脱敏。"),
    )
    webhook_url = models.URLField(_("回调地址"), max_length=300, blank=True,
                                  help_text=_("办理进展（公开的时间线事件）将以签名的POST请求推送到该地址。"))
    webhook_secret = models.CharField(_("回调签名密钥"), max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["region_code"], name="apikey_region_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiRequest(models.Model):
    """One appeal filed through the API: which key filed it, the channel's own ticket number
    (unique per key: a ticket posted twice gives the first appeal back) and the token of
    the Open311 ``tokens`` call."""

    key = models.ForeignKey(ApiKey, verbose_name=_("接口密钥"), on_delete=models.PROTECT, related_name="requests")
    grievance = models.OneToOneField("grievances.Grievance", verbose_name=_("诉求件"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="api_request")
    ticket_no = models.CharField(_("渠道工单号"), max_length=64, null=True, blank=True)
    token = models.CharField(_("令牌"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接口提交记录")
        verbose_name_plural = _("接口提交记录")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "ticket_no"], name="apirequest_ticket_once_per_key",
                                    condition=Q(ticket_no__isnull=False)),
        ]
        indexes = [models.Index(fields=["key", "grievance"], name="apirequest_key_grv_idx")]

    def __str__(self) -> str:
        return self.ticket_no or self.token


class ApiUpdate(models.Model):
    """One public timeline event of an appeal a key filed: the key's ``servicerequestupdates``
    feed. Written with the event (api.services.on_grievance_event; the events recorded before
    the appeal was linked to its request, by file_request), so "this key's updates between two
    times" is one range of the (key, created_at, id) index: the same cost at any number of
    appeals, events or keys, whatever share of the appeals the key filed."""

    key = models.ForeignKey(ApiKey, verbose_name=_("接口密钥"), on_delete=models.CASCADE, related_name="+")
    event = models.OneToOneField("grievances.GrievanceEvent", verbose_name=_("时间线事件"), on_delete=models.CASCADE,
                                 related_name="+")
    created_at = models.DateTimeField(_("事件时间"))

    class Meta:
        verbose_name = _("进展推送记录")
        verbose_name_plural = _("进展推送记录")
        indexes = [models.Index(fields=["key", "created_at", "id"], name="apiupdate_key_at_idx")]

    def __str__(self) -> str:
        return f"{self.key_id}:{self.event_id}"
