"""The catalog as a parent sees it: search results with filters and facet counts, a program, a provider,
and the parent's favourites.

Views only read the request and choose a template. Queries live in search.selectors (through the
search.filters parameter set) and catalog.selectors; writes in catalog.favourites.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import is_parent
from catalog.favourites import favourite_add, favourite_remove
from catalog.models import ScheduleSlot
from catalog.selectors import (
    favourite_exists,
    favourite_programs,
    provider_programs,
    visible_programs,
    visible_providers,
)
from certificates.selectors import parent_children
from core.cache import cache_shared_get
from enrollments.quotes import program_page_groups, program_page_groups_queryset
from navigator.personal import child_choose, mark_personal_slots, personal_cache_keys, personalize_results
from navigator.views.paging import paginate
from search.filters import CatalogFilter
from search.selectors import Facets, program_detail_queryset, search_suggest

# Filters that live in the collapsible «Фильтры» panel (the query box and the sort order do not).
PANEL_FILTERS = (
    "municipality",
    "direction",
    "age",
    "birth_date",
    "funding",
    "weekday",
    "time_of_day",
    "special_needs",
    "free_seats",
)
WEEKDAY_SHORT = {
    ScheduleSlot.Weekday.MONDAY: gettext_lazy("Пн"),
    ScheduleSlot.Weekday.TUESDAY: gettext_lazy("Вт"),
    ScheduleSlot.Weekday.WEDNESDAY: gettext_lazy("Ср"),
    ScheduleSlot.Weekday.THURSDAY: gettext_lazy("Чт"),
    ScheduleSlot.Weekday.FRIDAY: gettext_lazy("Пт"),
    ScheduleSlot.Weekday.SATURDAY: gettext_lazy("Сб"),
    ScheduleSlot.Weekday.SUNDAY: gettext_lazy("Вс"),
}


@dataclass(frozen=True)
class Option:
    """One checkbox or select option of the filter form, with its facet count (None: not counted)."""

    value: str
    label: str
    selected: bool
    count: int | None = None
    short_label: str = ""


def _selected(form, name: str) -> set[str]:
    value = form[name].value()
    if value is None:
        return set()
    return {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}


def _options(form, name: str, choices, counts: dict | None, *, short: dict | None = None) -> list[Option]:
    selected = _selected(form, name)
    return [
        Option(
            value=str(value),
            label=str(label),
            selected=str(value) in selected,
            count=None if counts is None else counts.get(value, 0),
            short_label=str(short[value]) if short else "",
        )
        for value, label in choices
        if value != ""
    ]


def _filter_context(filterset: CatalogFilter, facets: Facets | None) -> dict:
    """What the filter form template needs: every option with its selected state and facet count
    (no counts when the parameters are invalid and nothing was searched)."""
    form = filterset.form
    fields = form.fields
    counts = facets or Facets()
    municipalities = [(m.pk, m.name) for m in fields["municipality"].queryset]
    municipality_options = _options(form, "municipality", municipalities, facets and counts.municipalities)
    return {
        "filterset": filterset,
        "form": form,
        "municipality_options": municipality_options,
        # «Все» is marked explicitly so that the choice never depends on how the browser resets a select.
        "municipality_chosen": any(option.selected for option in municipality_options),
        "direction_options": _options(form, "direction", fields["direction"].choices, facets and counts.directions),
        "funding_options": _options(form, "funding", fields["funding"].choices, facets and counts.fundings),
        "weekday_options": _options(form, "weekday", fields["weekday"].choices, None, short=WEEKDAY_SHORT),
        "time_of_day_options": _options(form, "time_of_day", fields["time_of_day"].choices, None),
        "sort_options": _options(form, "sort", fields["sort"].choices, None),
        "field_errors": [(name, form.errors.get(name, [])) for name in [*fields, "__all__"]],
        "active_filters": sum(1 for name in PANEL_FILTERS if _selected(form, name) - {"", "False", "false"}),
    }


@require_GET
@cache_shared_get(personalize=personalize_results, prepare=mark_personal_slots, personal_keys=personal_cache_keys)
def catalog(request: HttpRequest) -> HttpResponse:
    """Search results. Invalid parameters show the form's errors and no results (never a 500).

    Rendered for an anonymous visitor only (core.cache): a signed-in user's marks and menu are added by
    navigator.personal to the shared copy."""
    filterset = CatalogFilter(request.GET)
    listing = facets = None
    if filterset.is_valid():
        results = filterset.qs
        facets = filterset.facets
        listing = paginate(request, results, count=facets.total)
    context = _filter_context(filterset, facets)
    context.update(listing=listing, results_target="#catalog-results")

    htmx = request.htmx
    partial = htmx and not htmx.boosted and not htmx.history_restore_request
    template = "navigator/catalog/_results_htmx.html" if partial else "navigator/catalog/results.html"
    response = render(request, template, context)
    # The same URL answers a whole page or a fragment: caches and the back button must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@login_required
def catalog_child(request: HttpRequest) -> HttpResponse:
    """«Для кого ищем»: browse the catalog for one of the parent's children (`child`), or for none."""
    fallback = reverse("catalog")
    return redirect(child_choose(request, request.POST.get("child", ""), _safe_next(request, fallback)))


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Titles for the search box: <option>s for the htmx-fed datalist, or JSON for anything else."""
    suggestions = search_suggest(request.GET.get("q", ""))
    if request.htmx:
        response = render(request, "navigator/catalog/_suggestions.html", {"suggestions": suggestions})
    else:
        response = JsonResponse({"suggestions": suggestions})
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The program, its provider's contacts, and every group not ended with its state and the cost of a
    month in it: for a parent, for their child (`?child=` picks one of several), else the general split."""
    today = timezone.localdate()
    groups = Prefetch("groups", queryset=program_page_groups_queryset(today=today), to_attr="current_groups")
    # The detail queryset's own prefetch lists open groups only; the page shows closed ones too.
    program = get_object_or_404(program_detail_queryset().prefetch_related(None).prefetch_related(groups), pk=pk)
    children = list(parent_children(parent=request.user)) if is_parent(request.user) else []
    chosen = request.GET.get("child", "")
    child = next((c for c in children if str(c.pk) == chosen), children[0] if children else None)
    page_groups = program_page_groups(groups=program.current_groups, child=child, today=today)
    return render(
        request,
        "navigator/catalog/program.html",
        {
            "program": program,
            "page_groups": page_groups,
            # The cost section shows the month of the first group that takes applications.
            "lead_group": next((g for g in page_groups if g.month is not None), None),
            "children": children,
            "child": child,
            "today": today,
            "is_favourite": favourite_exists(user=request.user, program_id=program.pk),
            "next_url": request.get_full_path(),
            # «Записаться» for parents, and for visitors who are yet to sign in (it leads to the login).
            "offers_apply": not request.user.is_authenticated or is_parent(request.user),
        },
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else fallback


@require_POST
def favourite(request: HttpRequest, pk: int) -> HttpResponse:
    """Add (`action=add`) or remove (`action=remove`) a program from the favourites; idempotent."""
    program_url = reverse("program", args=[pk])
    if not request.user.is_authenticated:
        return redirect_to_login(program_url)
    action = request.POST.get("action")
    if action == "add":
        program = get_object_or_404(visible_programs(), pk=pk)
        favourite_add(user=request.user, program=program)
        is_favourite, message = True, _("Программа добавлена в избранное.")
    elif action == "remove":
        # A program hidden from the catalog since it was added can still be removed.
        favourite_remove(user=request.user, program_id=pk)
        is_favourite, message = False, _("Программа убрана из избранного.")
    else:
        return HttpResponseBadRequest(_("Неизвестное действие."))

    next_url = _safe_next(request, program_url)
    if request.htmx:
        return render(
            request,
            "navigator/catalog/_favourite_button.html",
            {"program_id": pk, "is_favourite": is_favourite, "next_url": next_url},
        )
    messages.success(request, message)
    return redirect(next_url)


@require_GET
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(visible_providers(), pk=pk)
    listing = paginate(request, provider_programs(provider=provider))
    return render(request, "navigator/catalog/provider.html", {"provider": provider, "listing": listing})


@never_cache
@login_required
@require_GET
def favourites(request: HttpRequest) -> HttpResponse:
    listing = paginate(request, favourite_programs(user=request.user))
    return render(
        request,
        "navigator/catalog/favourites.html",
        {"listing": listing, "next_url": request.get_full_path()},
    )
