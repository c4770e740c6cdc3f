from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.validators import validate_snils


class Role(models.TextChoices):
    PARENT = "PARENT", _("Родитель")
    PROVIDER = "PROVIDER", _("Сотрудник организации")
    MUNICIPAL = "MUNICIPAL", _("Муниципальный оператор")
    REGIONAL = "REGIONAL", _("Региональный оператор")


class User(AbstractUser):
    """Every person who signs in. The role decides what they see; the scope fields say where.

    A parent comes from Gosuslugi (esia_oid); provider staff belong to one provider; municipal
    staff to one municipality; the regional operator sees everything.
    """

    role = models.CharField(_("роль"), max_length=16, choices=Role.choices, default=Role.PARENT)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    phone = models.CharField(_("телефон"), max_length=32, blank=True)
    snils = models.CharField(_("СНИЛС"), max_length=11, null=True, blank=True, unique=True, validators=[validate_snils])
    esia_oid = models.CharField(_("идентификатор ЕСИА"), max_length=32, null=True, blank=True, unique=True)
    # The language of the e-mails this person gets (notices.services.notice_emails_send); the site's own
    # language is the visitor's choice in the switcher, kept in a cookie. A database default too: the
    # demo loader COPYs users without this column (demo/generator.py).
    language = models.CharField(
        _("язык писем"), max_length=8, choices=settings.LANGUAGES, default="ru", db_default="ru"
    )
    provider = models.ForeignKey(
        "catalog.Provider",
        verbose_name=_("организация"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    municipality = models.ForeignKey(
        "catalog.Municipality",
        verbose_name=_("муниципалитет"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    # Part of every session's authentication hash: raising it signs the person out on every device
    # (accounts.services.sign_out_everywhere), with or without a password to change.
    session_generation = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.PROVIDER) | Q(provider__isnull=False), name="user_provider_staff_has_provider"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.MUNICIPAL) | Q(municipality__isnull=False),
                name="user_municipal_staff_has_municipality",
            ),
            models.CheckConstraint(
                condition=Q(snils__regex=r"^\d{11}$") | Q(snils__isnull=True), name="user_snils_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django's hash covers the password only; a parent from Gosuslugi has none to change.
        key_salt = "accounts.User.get_session_auth_hash"
        value = f"{self.password}|{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)
