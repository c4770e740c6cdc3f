"""Pages of every API list: 20 rows, a page past the end is an empty page with the true `count` (not a
404), and a page number that is not a number is a 400 in the project's error format."""

from __future__ import annotations

import re
import sys

from django.core.paginator import Page
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

_NUMBER = re.compile(r"[0-9]+")


class PortalPagination(PageNumberPagination):
    page_size = 20
    page_query_description = "Номер страницы, с 1."

    def paginate_queryset(self, queryset, request, view=None, *, count: int | None = None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.page_size)
        if count is not None:
            paginator.count = count  # a cached_property: set, it spares the COUNT query
        number = self._page_number(request, paginator.num_pages)
        self.page = paginator.page(number) if number <= paginator.num_pages else Page([], number, paginator)
        return list(self.page)

    def _page_number(self, request, num_pages: int) -> int:
        raw = request.query_params.get(self.page_query_param, "").strip()
        if not raw:
            return 1
        if raw in self.last_page_strings:
            return num_pages
        digits = raw.lstrip("0")
        if not _NUMBER.fullmatch(raw) or not digits:
            raise ValidationError({self.page_query_param: [_("Номер страницы — целое число от 1.")]})
        return int(digits) if len(digits) <= 18 else sys.maxsize  # absurdly far: simply past the end

    def get_previous_link(self):
        last = self.page.paginator.num_pages
        if self.page.number <= last:
            return super().get_previous_link()
        # past the end, "previous" leads back to the last page
        url = self.request.build_absolute_uri()
        if last == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, last)
