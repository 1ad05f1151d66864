"""The in-app message centre (站内消息)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    user_id = models.PositiveBigIntegerField(_("收件人"), db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [models.Index(fields=["user_id", "-created_at"], name="message_user_recent")]
