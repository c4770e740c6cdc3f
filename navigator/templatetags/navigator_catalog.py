"""Presentation helpers for the catalog pages: who pays for one lesson, card wording (roubles: core's `money`)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from catalog.models import Direction, Program
from catalog.pricing import LessonPrice, program_lesson_price

register = template.Library()


@register.simple_tag
def lesson_price(program: Program) -> LessonPrice:
    """Usage: {% lesson_price program as price %} — pure Python, no query."""
    return program_lesson_price(program)


@register.simple_tag
def card_labels() -> dict[str, object]:
    """Usage, once before a loop of program cards: {% card_labels as card_labels %}. The cards' fixed
    wording, today's date and the start of a program's URL, translated and reversed once per page rather than once
    per card (_program_card.html asks for them itself when the page did not)."""
    program_url = reverse("program", args=[0])
    assert program_url.endswith("/0/"), program_url  # the cards append "<pk>/" to the rest
    return {
        "program_url_prefix": program_url.removesuffix("0/"),
        "free": _("Бесплатно"),
        "budget_place": _("бюджетное место"),
        "per_lesson": _("за занятие"),
        "parents_pay": _("оплачивают родители"),
        "certificate_caption": _("Оплата сертификатом, за занятие:"),
        "price": _("Цена"),
        "certificate": _("Сертификат"),
        "copayment": _("Доплата"),
        # A program's stored next start is its nearest open group's, which may run already (a card says so).
        "today": timezone.localdate(),
    }


_DIRECTION_LABELS = dict(Direction._meta.get_field("code").flatchoices)


@register.filter
def direction_label(code: str) -> str:
    """{{ direction.code|direction_label }} is {{ direction.get_code_display }} without the model's
    per-call hashing of every choice (it runs once per result card)."""
    return force_str(_DIRECTION_LABELS.get(code, code), strings_only=True)


@register.filter
def tel_href(phone: str) -> str:
    """A telephone number as a `tel:` link wants it: digits and a leading plus, no spaces or brackets."""
    phone = (phone or "").strip()
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+{digits}" if phone.startswith("+") else digits


@register.filter
def web_link(url: str) -> str:
    """The provider's site when it is an http(s) address (anything else is not made a link)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


@register.filter
def web_label(url: str) -> str:
    """A site's address as people read it: without the scheme and the trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


@dataclass(frozen=True)
class FilterChip:
    """One chosen filter above the results: its wording, the same search without it (a plain link, so
    it works without JavaScript), and the form control catalog.js clears instead of following the link."""

    label: str
    remove_url: str
    input_id: str


def _without(request, name: str, value: str | None = None) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    kept = [v for v in query.getlist(name) if value is not None and v != value]
    if kept:
        query.setlist(name, kept)
    else:
        query.pop(name, None)
    return f"{reverse('catalog')}?{query.urlencode()}" if query else reverse("catalog")


@register.simple_tag(takes_context=True)
def active_filter_chips(context) -> list[FilterChip]:
    """Usage: {% active_filter_chips as chips %} on the catalog results (the filter options of
    navigator.views.catalog._filter_context in the context). None while the parameters are invalid:
    the errors are shown instead."""
    form, request = context.get("form"), context.get("request")
    if form is None or request is None or form.errors or not hasattr(form, "cleaned_data"):
        return []
    chips: list[FilterChip] = []
    for option in context.get("municipality_options", ()):
        if option.selected:
            chips.append(FilterChip(option.label, _without(request, "municipality", option.value), "id_municipality"))
    for name in ("direction", "funding", "weekday"):
        for option in context.get(f"{name}_options", ()):
            if option.selected:
                chips.append(
                    FilterChip(option.label, _without(request, name, option.value), f"id_{name}_{option.value}")
                )
    data = form.cleaned_data
    # The age worked out from a birth date is no filter of its own (no «age» parameter to drop).
    if data.get("age") is not None and form["age"].value() not in (None, ""):
        chips.append(FilterChip(_("Возраст: %(age)s") % {"age": data["age"]}, _without(request, "age"), "id_age"))
    if data.get("birth_date"):
        label = _("Дата рождения: %(date)s") % {"date": date_format(data["birth_date"], "SHORT_DATE_FORMAT")}
        chips.append(FilterChip(label, _without(request, "birth_date"), "id_birth_date"))
    for option in context.get("time_of_day_options", ()):
        if option.selected:
            chips.append(FilterChip(option.label, _without(request, "time_of_day"), "id_time_of_day"))
    if data.get("special_needs"):
        chips.append(FilterChip(_("Подходит детям с ОВЗ"), _without(request, "special_needs"), "id_special_needs"))
    if data.get("free_seats"):
        chips.append(FilterChip(_("Только со свободными местами"), _without(request, "free_seats"), "id_free_seats"))
    return chips


@register.simple_tag(takes_context=True)
def filters_reset_url(context) -> str:
    """The same search with every filter of the panel dropped (the query and the sort order kept)."""
    request = context["request"]
    query = request.GET.copy()
    for name in list(query):
        if name not in ("q", "sort"):
            query.pop(name)
    return f"{reverse('catalog')}?{query.urlencode()}" if query else reverse("catalog")
