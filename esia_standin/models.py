"""The stand-in's own registry of people: what ESIA would hold about the demo families.

Kept apart from the portal's tables on purpose: the portal learns about a person only through the
protocol, exactly as with the real ESIA. Filled from the demo region's parents and children
(`esia_standin.services.load_demo_people`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("мужской")
        FEMALE = "F", _("женский")

    oid = models.CharField(_("oid"), max_length=20, unique=True)
    last_name = models.CharField(_("фамилия"), max_length=150)
    first_name = models.CharField(_("имя"), max_length=150)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    birth_date = models.DateField(_("дата рождения"))
    gender = models.CharField(_("пол"), max_length=1, choices=Gender.choices)
    snils = models.CharField(_("СНИЛС"), max_length=11, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    mobile = models.CharField(_("мобильный телефон"), max_length=32, blank=True)
    trusted = models.BooleanField(_("подтверждённая учётная запись"), default=True)

    class Meta:
        verbose_name = _("человек на стенде Госуслуг")
        verbose_name_plural = _("люди на стенде Госуслуг")
        ordering = ["last_name", "first_name", "middle_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Kid(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("родитель"), on_delete=models.CASCADE, related_name="kids")
    last_name = models.CharField(_("фамилия"), max_length=150)
    first_name = models.CharField(_("имя"), max_length=150)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    birth_date = models.DateField(_("дата рождения"))
    gender = models.CharField(_("пол"), max_length=1, choices=Person.Gender.choices)
    snils = models.CharField(_("СНИЛС"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("ребёнок на стенде Госуслуг")
        verbose_name_plural = _("дети на стенде Госуслуг")
        ordering = ["birth_date", "pk"]

    def __str__(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)
