"""{% load idempotency %}{% form_key %}: the hidden key that makes a page's form POST run once (core.pages)."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html

from core.pages import FORM_KEY_FIELD

register = template.Library()


@register.simple_tag
def form_key() -> str:
    """A fresh key at every render: a double click sends the same key twice, a new visit a new one."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_KEY_FIELD, uuid.uuid4().hex)
