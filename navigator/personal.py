"""A signed-in user's part of a shared catalog page, added to the shared copy on every request.

The results page is rendered once for everyone, as an anonymous visitor sees it (core.cache), with
HTML comments where personal parts go: the header's user menu (`<!--personal:user-menu-->…<!--/…-->`,
replaced), the «Для кого ищем» child chooser (`<!--personal:child-chooser-->`) and, on each program
card, the user's marks (`<!--personal:program:<id>-->`: «В избранном», «Подходит: Артём»). This module
fills them for one user with one statement (search.personal: the page's favourites, the parent's
children, which of the page's programs fit the chosen child), and nothing it makes is ever put into the
shared copy. What that statement read is kept for the user alone, under their own cache key, for as long
as the shared copy (see `_page_overlay`).

Child-first browsing: a parent picks one of their confirmed children; the choice is kept in the
session (personal) and the catalog's URL gets the child's birth date, so that the filtered page is a
shared page keyed by the birth date (search.child: the age on each group's start date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode, urlsplit
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import conditional_escape, format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.access import is_parent
from certificates.selectors import parent_children
from core.dates import age_on
from search.child import Fit
from search.personal import user_overlay

CHILD_SESSION_KEY = "catalog_child"
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


# Where a shared page's personal parts go, found once per stored copy (`mark_personal_slots`, the page
# cache's `prepare`) as byte offsets: a signed-in request then splices its parts in between slices of the
# shared bytes, with no decoding, searching or encoding of the whole page.
PERSONAL_SLOT = re.compile(
    rb"<!--personal:user-menu-->.*?<!--/personal:user-menu-->"
    rb"|<!--personal:child-chooser-->"
    rb"|<!--personal:program:(\d+)-->",
    re.S,
)
SLOTS_ATTRIBUTE = "personal_slots"
_MENU, _CHOOSER, _PROGRAM = "menu", "chooser", "program"
Slot = tuple[int, int, str, int]  # start, end, kind, program id (0 for the others)


def personal_slots(content: bytes) -> tuple[Slot, ...]:
    slots = []
    for match in PERSONAL_SLOT.finditer(content):
        if match.group(1) is not None:
            slots.append((match.start(), match.end(), _PROGRAM, int(match.group(1))))
        else:
            kind = _MENU if match.group(0).startswith(b"<!--personal:user-menu-->") else _CHOOSER
            slots.append((match.start(), match.end(), kind, 0))
    return tuple(slots)


def mark_personal_slots(shared: HttpResponse) -> None:
    """The page cache's `prepare`: kept with the stored copy (a tuple of a few dozen ints, no one's data)."""
    setattr(shared, SLOTS_ATTRIBUTE, personal_slots(shared.content))


class _Marks:
    """The «В избранном» / «Подходит» marks of one request's overlay: each string made once per request
    (the «Подходит» one once per age), not once per card."""

    def __init__(self, overlay: Overlay):
        self.favourites = overlay.favourites
        self.fits = overlay.fits if overlay.chosen is not None else {}
        self.chosen = overlay.chosen
        self.favourite = format_html(
            '<li class="catalog-mark catalog-mark--favourite"><span aria-hidden="true">★</span> {}</li>',
            _("В избранном"),
        )
        self._fit_by_age: dict[int, str] = {}

    def _fit(self, age: int) -> str:
        mark = self._fit_by_age.get(age)
        if mark is None:
            text = _("Подходит: %(name)s, к началу занятий полных лет: %(age)s") % {
                "name": self.chosen.first_name,
                "age": age,
            }
            mark = format_html(
                '<li class="catalog-mark catalog-mark--fits"><span aria-hidden="true">✓</span> {}</li>', text
            )
            self._fit_by_age[age] = mark
        return mark

    def __call__(self, program_id: int) -> str:
        favourite = program_id in self.favourites
        fit = self.fits.get(program_id)
        if not favourite and fit is None:
            return ""
        marks = (self.favourite if favourite else "") + ("" if fit is None else self._fit(fit.age))
        return f'<ul class="catalog-card__marks" role="list">{marks}</ul>'


# The header's user menu and the child chooser are the same markup for every user but for a few values
# (the name, the CSRF token, the children's names and ages): each is rendered from its template once per
# process for what shapes it (language, role, path; how many children, which is chosen), with markers in
# place of those values, then filled per request in one pass, every value escaped. A skeleton holds
# nothing of any user; the template stays the one description of the markup.
_FIELD = re.compile("\x00(\\w+)\x00")
_NAME_MARK, _TOKEN_MARK = "\x00name\x00", "\x00token\x00"
_SKELETONS_MAX = 1000  # paths are the catalog's own, children a handful; a bound all the same
_MENU_SKELETONS: dict[tuple[str, str, str], str] = {}
_CHOOSER_SKELETONS: dict[tuple[str, int, int | None, bool], str] = {}


def _fill(skeleton: str, values: dict[str, str]) -> str:
    """The skeleton's markers replaced in one pass: nothing put in is searched for markers again."""
    return _FIELD.sub(lambda match: values[match.group(1)], skeleton)


def _remember(skeletons: dict, key, skeleton: str) -> None:
    if len(skeletons) < _SKELETONS_MAX:
        skeletons[key] = skeleton


@dataclass(frozen=True)
class _MenuUser:
    """What _user_menu.html reads of a signed-in user, with a marker for the name."""

    role: str
    is_authenticated: bool = True

    def get_full_name(self) -> str:
        return _NAME_MARK

    def get_username(self) -> str:
        return _NAME_MARK


def user_menu(request: HttpRequest, token: str | None = None) -> str:
    user = request.user
    key = (get_language() or "", user.role, request.path)
    skeleton = _MENU_SKELETONS.get(key)
    if skeleton is None:
        skeleton = get_template("_user_menu.html").render(
            {"request": request, "user": _MenuUser(user.role), "csrf_token": _TOKEN_MARK}
        )
        _remember(_MENU_SKELETONS, key, skeleton)
    name = user.get_full_name() or user.get_username()
    return _fill(skeleton, {"token": token or get_token(request), "name": conditional_escape(name)})


@dataclass(frozen=True)
class _MarkedChild:
    """What _child_chooser.html reads of a child, as markers (the chosen one is the same object)."""

    pk: str
    first_name: str
    age: str


def child_chooser(request: HttpRequest, overlay: Overlay, token: str | None = None) -> str:
    """«Для кого ищем»: the parent's children to browse for (nothing for users without children)."""
    children = overlay.children
    if not children:
        return ""
    chosen = overlay.chosen
    chosen_index = next((i for i, child in enumerate(children) if chosen is not None and child.pk == chosen.pk), None)
    # The page is the chosen child's filter (not only marked for the child).
    filtered = chosen is not None and request.GET.get("birth_date") == chosen.birth_date.isoformat()
    key = (get_language() or "", len(children), chosen_index, filtered)
    skeleton = _CHOOSER_SKELETONS.get(key)
    if skeleton is None:
        marked = [_MarkedChild(f"\x00pk{i}\x00", f"\x00name{i}\x00", f"\x00age{i}\x00") for i in range(len(children))]
        skeleton = get_template("navigator/catalog/_child_chooser.html").render(
            {
                "children": marked,
                "chosen": None if chosen_index is None else marked[chosen_index],
                "filtered": filtered,
                "next_url": "\x00next\x00",
                "csrf_token": _TOKEN_MARK,
            }
        )
        _remember(_CHOOSER_SKELETONS, key, skeleton)
    values = {"token": token or get_token(request), "next": conditional_escape(request.get_full_path())}
    for i, child in enumerate(children):
        values[f"pk{i}"] = str(child.pk)
        values[f"name{i}"] = conditional_escape(child.first_name)
        values[f"age{i}"] = str(child.age)
    return _fill(skeleton, values)


# A user's overlay of a page is kept in the cache (under their own key, never the shared copy's) for as
# long as the shared copy, and read with it in one round trip (core.cache's `personal_keys`): a signed-in
# page served from the cache then needs no statement of its own. It is valid only for the generation it
# was read under: a favourite or a parent link saved or deleted gives the user a new generation (signals
# below), so the change shows on the next page. A child's name or birth date edited shows within
# CATALOG_PAGE_CACHE_SECONDS (as a program's own changes do on the shared copy).
# Kept as plain values (ints, strings, dates), never this module's classes, so that a copy written by
# an older release still reads; the "v1" changes with their layout.
_OVERLAY_PREFIX = "personal:overlay:v1:"
_GENERATION_PREFIX = "personal:generation:"
_OVERLAY_KEY = _OVERLAY_PREFIX + "{user}:{page}"
_GENERATION_KEY = _GENERATION_PREFIX + "{user}"
GENERATION_SECONDS = 24 * 3600


def _plain(overlay: Overlay) -> tuple:
    return (
        tuple(sorted(overlay.favourites)),
        tuple((child.pk, child.first_name, child.birth_date) for child in overlay.children),
        None if overlay.chosen is None else overlay.chosen.pk,
        tuple((pk, fit.start_date, fit.age) for pk, fit in overlay.fits.items()),
    )


def _from_plain(plain: tuple) -> Overlay:
    favourites, children, chosen_pk, fits = plain
    options = [ChildOption(pk, first_name, birth_date) for pk, first_name, birth_date in children]
    return Overlay(
        favourites=set(favourites),
        children=options,
        chosen=next((child for child in options if child.pk == chosen_pk), None),
        fits={pk: Fit(start, age) for pk, start, age in fits},
    )


def personal_cache_keys(request: HttpRequest, page_key: str) -> list[str]:
    """core.cache's `personal_keys`: the user's overlay of this page and the user's generation."""
    user = request.user.pk
    return [_OVERLAY_KEY.format(user=user, page=page_key), _GENERATION_KEY.format(user=user)]


def new_generation(user_ids) -> None:
    """The users' cached overlays are out of date (their favourites or children changed)."""
    cache.set_many({_GENERATION_KEY.format(user=pk): uuid4().hex for pk in user_ids}, GENERATION_SECONDS)


def _page_overlay(request: HttpRequest, found: dict, program_ids: tuple[int, ...]) -> Overlay:
    """The overlay from the cache when it was made for this generation, these programs, this chosen child
    and today; otherwise from the database (one statement), then kept for the next request."""
    child_id = chosen_child_id(request)
    today = timezone.localdate()
    overlay_key = next((key for key in found if key.startswith(_OVERLAY_PREFIX)), None)
    generation_key = next((key for key in found if key.startswith(_GENERATION_PREFIX)), None)
    generation = found.get(generation_key)
    cached = found.get(overlay_key)
    if generation is not None and cached is not None and cached[0] == (generation, program_ids, child_id, today):
        return _from_plain(cached[1])
    overlay = catalog_overlay(user=request.user, chosen_child_id=child_id, program_ids=list(program_ids))
    if overlay_key is None or generation_key is None:  # not through the cache (staff, the cache off)
        return overlay
    if generation is None:
        generation = uuid4().hex
        if not cache.add(generation_key, generation, GENERATION_SECONDS):
            return overlay  # another request made one at the same moment: keep nothing under a guess
    made_for = (generation, program_ids, child_id, today)
    cache.set(overlay_key, (made_for, _plain(overlay)), settings.CATALOG_PAGE_CACHE_SECONDS)
    return overlay


def personalize_results(request: HttpRequest, shared: HttpResponse, found: dict | None = None) -> HttpResponse:
    """The shared results page (a whole page or the htmx fragment) with this user's parts in it."""
    content = shared.content
    slots = getattr(shared, SLOTS_ATTRIBUTE, None)
    if slots is None:  # a copy that was not stored (staff, the cache off)
        slots = personal_slots(content)
    program_ids = tuple(pk for _start, _end, kind, pk in slots if kind == _PROGRAM)
    overlay = _page_overlay(request, found or {}, program_ids)
    marks = _Marks(overlay)
    token = get_token(request)  # one per request, for the menu's sign-out form and the chooser
    charset = shared.charset
    shared_bytes = memoryview(content)
    parts: list = []
    position = 0
    for start, end, kind, program_id in slots:
        parts.append(shared_bytes[position:start])
        if kind == _PROGRAM:
            part = marks(program_id)
        elif kind == _CHOOSER:
            part = child_chooser(request, overlay, token)
        else:
            part = user_menu(request, token)
        if part:
            parts.append(part.encode(charset))
        position = end
    parts.append(shared_bytes[position:])

    response = HttpResponse(b"".join(parts), status=shared.status_code, content_type=shared["Content-Type"])
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
