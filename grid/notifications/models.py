"""The transactional outbox and in-site notifications.

A Message row is written in the same transaction as the event that causes it; a Celery
task delivers it afterwards. The idempotency key (event × recipient × channel) is unique,
so an event replayed, a scan run twice or a task re-run never produces a second message.
In-site messages ("site" channel) are delivered by being written: the bell reads them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grid.privacy import mask_phone


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    VOICE = "voice", _("语音电话")
    SITE = "site", _("站内消息")
    # A signed HTTP POST to another system (Open311 webhooks, api/): ``link`` is the URL,
    # ``text`` the JSON body; the sender is the backend registered for this channel.
    WEBHOOK = "webhook", _("接口回调")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    RETRY = "retry", _("等待重试")
    SENT = "sent", _("已发送")
    DEAD = "dead", _("发送失败")


OPEN_STATUSES = (Status.PENDING, Status.SENDING, Status.RETRY)


class MessageTemplate(models.Model):
    """Message texts staff may edit; placeholders use Django template syntax, e.g.
    ``{{ tracking_no }}``. Each template lists the variables it may use."""

    code = models.SlugField(_("模板编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    title = models.CharField(_("站内消息标题"), max_length=200, blank=True)
    text = models.TextField(_("消息正文"))
    variables = models.CharField(_("可用变量"), max_length=300, blank=True, editable=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class MessageQuerySet(models.QuerySet):
    def site_for(self, user):
        return self.filter(channel=Channel.SITE, user=user)

    def unread_for(self, user):
        return self.site_for(user).filter(read_at__isnull=True)


class Message(models.Model):
    idempotency_key = models.CharField(_("幂等键"), max_length=200, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    template_code = models.CharField(_("模板"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="messages",
    )
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    last_error = models.CharField(_("最后错误"), max_length=300, blank=True)
    provider_id = models.CharField(_("网关回执"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息（发件箱）")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell: unread in-site messages of one user.
            models.Index(
                fields=["user", "-created_at"], name="msg_site_user_idx", condition=Q(channel="site"),
            ),
            # The redelivery sweep: only messages not yet finished are indexed.
            models.Index(
                fields=["next_attempt_at"], name="msg_open_due_idx",
                condition=Q(status__in=["pending", "sending", "retry"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="site", user__isnull=False) | (Q(channel="webhook") & ~Q(link=""))
                | (~Q(channel__in=["site", "webhook"]) & ~Q(phone="")),
                name="msg_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {mask_phone(self.phone) or self.user}: {self.text[:30]}"
