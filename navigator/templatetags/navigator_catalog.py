"""Presentation helpers for the catalog pages: who pays for one lesson, card wording (roubles: core's `money`)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
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
