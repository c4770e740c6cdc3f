from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last time a named periodic job ran; `/healthz` reads the beat's tick from here."""

    name = models.CharField(_("задание"), max_length=64, primary_key=True)
    at = models.DateTimeField(_("время"))

    class Meta:
        verbose_name = _("отметка активности")
        verbose_name_plural = _("отметки активности")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
