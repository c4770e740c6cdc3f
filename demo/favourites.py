"""The demo parent's favourites, so that after `./run` the catalog shows a signed-in parent's marks:
«В избранном» on a few programs of Плавский район, and «Подходит» once a child is picked in «Для кого
ищем» (navigator/personal.py). Through the service, as the program page's button adds them."""

from __future__ import annotations

from accounts.models import User
from catalog.favourites import favourite_add
from catalog.selectors import visible_programs
from certificates.models import Child
from search.child import fits_child

DEMO_FAVOURITES = 3


def make_demo_favourites(*, municipality_id: int) -> int:
    parent = User.objects.get(username="parent")
    younger = Child.objects.filter(parents=parent).order_by("-birth_date").first()
    programs = visible_programs().filter(municipality_id=municipality_id)
    if younger is not None:
        programs = programs.filter(fits_child(younger.birth_date))  # the marks agree on these
    for program in programs.order_by("title", "pk")[:DEMO_FAVOURITES]:
        favourite_add(user=parent, program=program)
    return parent.favourites.count()
