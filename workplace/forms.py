"""Forms of the provider's workplace."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Причина отказа"),
        max_length=500,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("Её увидят родители в уведомлении и в личном кабинете."),
        error_messages={"required": _("Укажите причину отказа.")},
    )


class DisputeResolveForm(forms.Form):
    UPHOLD = "uphold"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[(UPHOLD, _("Удовлетворить: вернуть деньги")), (REJECT, _("Отклонить"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Выберите решение.")},
    )
    resolution = forms.CharField(
        label=_("Причина решения"),
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Её увидят родители в уведомлении."),
        error_messages={"required": _("Укажите причину решения.")},
    )


class RatingAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Ответ организации"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Ответ увидят все на странице программы."),
        error_messages={"required": _("Напишите ответ.")},
    )
