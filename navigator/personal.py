"""A signed-in user's part of a shared catalog page, added to the shared copy on every request.

The results page is rendered once for everyone, as an anonymous visitor sees it (core.cache), with
HTML comments where personal parts go: the header's user menu (`<!--personal:user-menu-->…<!--/…-->`,
replaced), the «Для кого ищем» child chooser (`<!--personal:child-chooser-->`) and, on each program
card, the user's marks (`<!--personal:program:<id>-->`: «В избранном», «Подходит: Артём»). This module
fills them for one user with one statement (search.personal: the page's favourites, the parent's
children, which of the page's programs fit the chosen child), and nothing it makes is ever stored.

Child-first browsing: a parent picks one of their confirmed children; the choice is kept in the
session (personal) and the catalog's URL gets the child's birth date, so that the filtered page is a
shared page keyed by the birth date (search.child: the age on each group's start date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.access import is_parent
from certificates.selectors import parent_children
from core.dates import age_on
from search.child import Fit
from search.personal import user_overlay

CHILD_SESSION_KEY = "catalog_child"
USER_MENU = re.compile(r"<!--personal:user-menu-->.*?<!--/personal:user-menu-->", re.S)
CHILD_CHOOSER = "<!--personal:child-chooser-->"
PROGRAM_SLOT = re.compile(r"<!--personal:program:(\d+)-->")
# The catalog parameters a chosen child replaces (the age is the child's; a new filter starts on page 1).
REPLACED_BY_CHILD = ("birth_date", "age", "page")


@dataclass(frozen=True)
class ChildOption:
    pk: int
    first_name: str
    birth_date: date

    @property
    def age(self) -> int:
        return age_on(self.birth_date, timezone.localdate())


@dataclass(frozen=True)
class Overlay:
    """What is the user's on one results page."""

    favourites: set[int]
    children: list[ChildOption]
    chosen: ChildOption | None
    fits: dict[int, Fit]


def parent_child_options(user) -> list[ChildOption]:
    """The parent's confirmed children (ParentLink), for the chooser; none for other users."""
    if not is_parent(user):
        return []
    rows = parent_children(parent=user).values_list("pk", "first_name", "birth_date")
    return [ChildOption(pk, first_name, birth_date) for pk, first_name, birth_date in rows]


def catalog_overlay(*, user, chosen_child_id: int | None, program_ids: list[int]) -> Overlay:
    """One statement (search.personal): the page's favourites, the parent's children, what fits the choice."""
    rows = user_overlay(user_id=user.pk, program_ids=program_ids, chosen_child_id=chosen_child_id)
    children = [ChildOption(c.pk, c.first_name, c.birth_date) for c in rows.children] if is_parent(user) else []
    chosen = next((child for child in children if child.pk == chosen_child_id), None)
    return Overlay(
        favourites=rows.favourites,
        children=children,
        chosen=chosen,
        fits=rows.fits if chosen is not None else {},
    )


def chosen_child_id(request: HttpRequest) -> int | None:
    value = request.session.get(CHILD_SESSION_KEY)
    return value if isinstance(value, int) else None


def _marks(program_id: int, overlay: Overlay) -> str:
    marks = []
    if program_id in overlay.favourites:
        marks.append(
            format_html(
                '<li class="catalog-mark catalog-mark--favourite"><span aria-hidden="true">★</span> {}</li>',
                _("В избранном"),
            )
        )
    fit = overlay.fits.get(program_id)
    if fit is not None and overlay.chosen is not None:
        text = _("Подходит: %(name)s, к началу занятий полных лет: %(age)s") % {
            "name": overlay.chosen.first_name,
            "age": fit.age,
        }
        marks.append(
            format_html('<li class="catalog-mark catalog-mark--fits"><span aria-hidden="true">✓</span> {}</li>', text)
        )
    if not marks:
        return ""
    return format_html(
        '<ul class="catalog-card__marks" role="list">{}</ul>', format_html_join("", "{}", ((m,) for m in marks))
    )


def _render(template_name: str, request: HttpRequest, context: dict) -> str:
    """A personal part with what its template uses (the user, the request, the CSRF token), without
    running every context processor for each part: this is on every signed-in results page."""
    return get_template(template_name).render(
        {"request": request, "user": request.user, "csrf_token": get_token(request), **context}
    )


# The header's user menu is the same markup for every user of a role on a page but for the name and the
# CSRF token: rendered once per process for (language, role, path) with markers in their place, then
# filled per request. The skeleton holds nothing of any user.
_NAME_MARK, _TOKEN_MARK = "\x00name\x00", "\x00token\x00"
_MENU_SKELETONS: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class _MenuUser:
    """What _user_menu.html reads of a signed-in user, with a marker for the name."""

    role: str
    is_authenticated: bool = True

    def get_full_name(self) -> str:
        return _NAME_MARK

    def get_username(self) -> str:
        return _NAME_MARK


def user_menu(request: HttpRequest) -> str:
    user = request.user
    key = (get_language() or "", user.role, request.path)
    skeleton = _MENU_SKELETONS.get(key)
    if skeleton is None:
        skeleton = get_template("_user_menu.html").render(
            {"request": request, "user": _MenuUser(user.role), "csrf_token": _TOKEN_MARK}
        )
        if len(_MENU_SKELETONS) < 1000:  # paths are the catalog's own; a bound all the same
            _MENU_SKELETONS[key] = skeleton
    name = user.get_full_name() or user.get_username()
    # The token first: a name is put in after it, escaped, so nothing in a name can become markup.
    return skeleton.replace(_TOKEN_MARK, get_token(request)).replace(_NAME_MARK, conditional_escape(name))


def personalize_results(request: HttpRequest, shared: HttpResponse) -> HttpResponse:
    """The shared results page (a whole page or the htmx fragment) with this user's parts in it."""
    html = shared.content.decode(shared.charset)
    program_ids = [int(pk) for pk in PROGRAM_SLOT.findall(html)]
    overlay = catalog_overlay(user=request.user, chosen_child_id=chosen_child_id(request), program_ids=program_ids)
    html = PROGRAM_SLOT.sub(lambda match: _marks(int(match.group(1)), overlay), html)
    if CHILD_CHOOSER in html:
        chooser = ""
        if overlay.children:
            chooser = _render(
                "navigator/catalog/_child_chooser.html",
                request,
                {
                    "children": overlay.children,
                    "chosen": overlay.chosen,
                    # The page is the chosen child's filter (not only marked for the child).
                    "filtered": overlay.chosen is not None
                    and request.GET.get("birth_date") == overlay.chosen.birth_date.isoformat(),
                    "next_url": request.get_full_path(),
                },
            )
        html = html.replace(CHILD_CHOOSER, chooser, 1)
    if USER_MENU.search(html):
        menu = user_menu(request)
        html = USER_MENU.sub(lambda _match: menu, html, count=1)

    response = HttpResponse(html, status=shared.status_code, content_type=shared["Content-Type"])
    if shared.has_header("Vary"):
        response["Vary"] = shared["Vary"]
    patch_vary_headers(response, ["Cookie"])
    # One user's page: no shared cache may keep it, and the browser asks again (it has a CSRF token).
    patch_cache_control(response, private=True, no_cache=True, max_age=0)
    return response


def catalog_url_for_child(next_url: str, child: ChildOption | None) -> str:
    """The catalog URL of `next_url` (its filters kept) for the child: the child's birth date in place
    of any age or birth date, from the first page; without a child, no birth date."""
    parts = urlsplit(next_url)
    catalog = reverse("catalog")
    parameters = QueryDict(parts.query, mutable=True) if parts.path == catalog else QueryDict(mutable=True)
    for name in REPLACED_BY_CHILD:
        parameters.pop(name, None)
    if child is not None:
        parameters["birth_date"] = child.birth_date.isoformat()
    query = urlencode(sorted(parameters.lists()), doseq=True)
    return f"{catalog}?{query}" if query else catalog


def child_choose(request: HttpRequest, child_id: str, next_url: str) -> str:
    """Remember the parent's choice (one of their children, or none) and return where to go next."""
    child = None
    if child_id:
        child = next((c for c in parent_child_options(request.user) if str(c.pk) == child_id), None)
    if child is None:
        request.session.pop(CHILD_SESSION_KEY, None)
    else:
        request.session[CHILD_SESSION_KEY] = child.pk
    return catalog_url_for_child(next_url, child)
