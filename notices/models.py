"""Notices to users: shown in the portal, and sent by e-mail from these rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A notice to one user. `subject` names what it is about as `<kind>:<id>` (`enrollment:42`); the
    door that shows the notice turns it into a link, so that this app knows nothing of the apps whose
    events it tells."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("получатель"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("заголовок"), max_length=200)
    body = models.TextField(_("текст"), blank=True)
    subject = models.CharField(_("о чём"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("отправлено по почте"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_created")]

    def __str__(self) -> str:
        return self.title
