"""Forms of the parent's personal account. They parse and show errors; the rules live in the services
(certificates.services.child_add, accounts.services.contacts_update)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Municipality
from certificates.models import Child
from core.validators import normalize_snils, validate_snils


class _PortalFormMixin:
    """Bootstrap classes and accessible error wiring on every widget."""

    def _style(self):
        for name, field in self.fields.items():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)
            if self.is_bound and name in self.errors:
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"id_{name}_errors"

    def full_clean(self):
        super().full_clean()
        self._style()


class ChildAddForm(_PortalFormMixin, forms.Form):
    last_name = forms.CharField(label=_("Фамилия"), max_length=150, widget=forms.TextInput({"autocomplete": "off"}))
    first_name = forms.CharField(label=_("Имя"), max_length=150, widget=forms.TextInput({"autocomplete": "off"}))
    middle_name = forms.CharField(
        label=_("Отчество"),
        max_length=150,
        required=False,
        help_text=_("Если есть."),
        widget=forms.TextInput({"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Дата рождения"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    sex = forms.ChoiceField(label=_("Пол"), choices=Child.Sex.choices, widget=forms.RadioSelect)
    snils = forms.CharField(
        label=_("СНИЛС ребёнка"),
        max_length=20,
        help_text=_("11 цифр, например 123-456-789 64. Он указан на карточке СНИЛС или в Госуслугах."),
        widget=forms.TextInput({"inputmode": "numeric", "autocomplete": "off", "placeholder": "123-456-789 64"}),
    )
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет проживания"),
        queryset=Municipality.objects.order_by("name"),
        empty_label=_("Выберите муниципалитет"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_snils(self) -> str:
        snils = normalize_snils(self.cleaned_data["snils"])
        validate_snils(snils)
        return snils


_PHONE = re.compile(r"\+?[0-9 ()\-]{10,20}")


class ContactsForm(_PortalFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("Электронная почта"),
        required=False,
        help_text=_("На неё приходят уведомления о заявках и списаниях."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Телефон"),
        max_length=32,
        required=False,
        widget=forms.TextInput({"type": "tel", "autocomplete": "tel", "placeholder": "+7 900 000-00-00"}),
    )
    language = forms.ChoiceField(
        label=_("Язык писем"),
        choices=settings.LANGUAGES,
        help_text=_(
            "На этом языке приходят письма с уведомлениями. Язык самого сайта выбирается переключателем в шапке страницы."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        digits = re.sub(r"[^0-9]", "", phone)
        if phone and (not _PHONE.fullmatch(phone) or not 10 <= len(digits) <= 15):
            raise ValidationError(_("Введите номер телефона: от 10 до 15 цифр, например +7 900 000-00-00."))
        return phone


class DisputeForm(forms.Form):
    """«Оспорить»: an optional reason; for a month's charge, the date of the lesson that did not happen."""

    reason = forms.CharField(
        label=_("Что произошло (необязательно)"),
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, lesson_dates=(), **kwargs):
        super().__init__(*args, **kwargs)
        if lesson_dates:
            self.fields["lesson"] = forms.TypedChoiceField(
                label=_("Какого занятия не было"),
                coerce=date.fromisoformat,
                choices=[(day.isoformat(), day.strftime("%d.%m.%Y")) for day in lesson_dates],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": _("Выберите дату занятия.")},
            )


class RatingForm(_PortalFormMixin, forms.Form):
    """The four ПФДО scores of a program (1–5 each) and an optional comment (enrollments.ratings)."""

    SCORES = [(n, str(n)) for n in range(1, 6)]

    results = forms.TypedChoiceField(
        label=_("Результаты"),
        help_text=_("Чему ребёнок научился, чего достиг"),
        coerce=int,
        choices=SCORES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Поставьте оценку от 1 до 5.")},
    )
    teachers = forms.TypedChoiceField(
        label=_("Педагоги"),
        help_text=_("Как педагог ведёт занятия и общается с детьми"),
        coerce=int,
        choices=SCORES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Поставьте оценку от 1 до 5.")},
    )
    facilities = forms.TypedChoiceField(
        label=_("Материально-техническая база"),
        help_text=_("Помещение, оборудование, материалы"),
        coerce=int,
        choices=SCORES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Поставьте оценку от 1 до 5.")},
    )
    overall = forms.TypedChoiceField(
        label=_("Общая оценка"),
        help_text=_("Из неё складывается рейтинг программы в каталоге"),
        coerce=int,
        choices=SCORES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Поставьте оценку от 1 до 5.")},
    )
    comment = forms.CharField(
        label=_("Комментарий (необязательно)"),
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Его увидят другие родители после проверки муниципальным оператором."),
    )
