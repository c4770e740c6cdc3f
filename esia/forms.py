from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Municipality


class MunicipalityForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет, где живут дети"),
        queryset=Municipality.objects.order_by("name"),
        empty_label=_("— выберите —"),
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
        error_messages={
            "required": _("Выберите муниципалитет."),
            "invalid_choice": _("Выберите муниципалитет из списка."),
        },
    )
