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


class OutboxMessage(models.Model):
    """A Celery task that a transaction asked for, written in that transaction and sent to the broker
    after it commits, or by the sweep (core.outbox_sweep) once the broker is back: no request fails,
    and no task is lost, because Redis is down. Tasks take primary keys and are idempotent, since a
    message may be delivered more than once."""

    task = models.CharField(_("задание"), max_length=200)
    args = models.JSONField(_("аргументы"), default=list, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("неудачных попыток"), default=0)
    last_error = models.CharField(_("последняя ошибка"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("сообщение для очереди заданий")
        verbose_name_plural = _("очередь заданий (outbox)")
        indexes = [
            models.Index(fields=["id"], condition=models.Q(dispatched_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["dispatched_at"], name="outbox_dispatched_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{self.args}"


class IdempotencyRecord(models.Model):
    """The first answer to a status-changing or money-moving POST that carried an Idempotency-Key, kept
    24 hours per user and endpoint: a repeat of the request gets the same answer and changes nothing.
    `user_id` is a plain number: the core layer points to no higher model."""

    user_id = models.BigIntegerField(_("пользователь"))
    endpoint = models.CharField(_("адрес"), max_length=200)
    key = models.CharField(_("ключ"), max_length=128)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    # NULL while the first request is still being processed.
    status_code = models.PositiveSmallIntegerField(_("код ответа"), null=True, blank=True)
    body = models.JSONField(_("ответ"), null=True, blank=True)

    class Meta:
        verbose_name = _("ответ на повторяемый запрос")
        verbose_name_plural = _("ответы на повторяемые запросы")
        constraints = [models.UniqueConstraint(fields=["user_id", "endpoint", "key"], name="idempotency_once")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint} {self.key}"
