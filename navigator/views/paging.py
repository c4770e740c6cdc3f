"""One page of a list for the parent-facing pages (catalog results, provider programs, favourites,
the personal account's statement, enrollments and notices)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 20


@dataclass(frozen=True)
class Listing:
    """One page of a list. `page` is None when the requested page is past the end (the page says so
    and offers the first page); a page "number" that is not a number shows the first page."""

    paginator: Paginator
    page: Page | None
    items: list


def paginate(request: HttpRequest, rows: QuerySet, *, count: int | None = None) -> Listing:
    paginator = Paginator(rows, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # already known (the facet total): spares a COUNT(*) over the search
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        return Listing(paginator=paginator, page=None, items=[])
    return Listing(paginator=paginator, page=page, items=list(page.object_list))
