"""One user's marks on a results page in one statement (search.personal.user_overlay): the same fit as
search.child, only the user's own favourites and children."""

import datetime

import pytest
from django.utils import timezone

from search.child import child_fits
from search.personal import user_overlay
from tests.accounts.factories import ParentFactory
from tests.catalog.factories import FavouriteFactory, GroupFactory, ProgramFactory
from tests.certificates.factories import ChildFactory

pytestmark = pytest.mark.django_db


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    "birth_date",
    [datetime.date(2016, 2, 29), datetime.date(2018, 3, 1), in_days(20).replace(year=in_days(20).year - 7)],
    ids=["leap-day", "first-of-march", "turns-seven-in-20-days"],
)
def test_the_overlay_fits_as_the_search_does(birth_date):
    parent = ParentFactory()
    child = ChildFactory(parents=[parent], birth_date=birth_date)
    programs = []
    for ages in ((5, 6), (7, 9), (8, 10), (10, 12)):
        program = ProgramFactory(age_min=ages[0], age_max=ages[1])
        for start in (in_days(10), in_days(30), datetime.date(2026, 2, 28), datetime.date(2026, 3, 1)):
            GroupFactory(
                program=program, start_date=start, end_date=max(start, in_days(0)) + datetime.timedelta(days=200)
            )
        programs.append(program.pk)

    overlay = user_overlay(user_id=parent.pk, program_ids=programs, chosen_child_id=child.pk)

    assert overlay.fits == child_fits(birth_date=birth_date, program_ids=programs)


def test_only_the_users_own_favourites_and_children():
    parent, other = ParentFactory(), ParentFactory()
    mine, theirs = ProgramFactory(), ProgramFactory()
    FavouriteFactory(user=parent, program=mine)
    FavouriteFactory(user=other, program=theirs)
    own = ChildFactory(parents=[parent], first_name="Артём")
    stranger = ChildFactory(parents=[other], first_name="Пётр")
    ChildFactory(parents=[parent], first_name="Маша", parents__confirmed=False)  # a claim, not a link
    GroupFactory(program=mine, start_date=in_days(30), end_date=in_days(200))

    overlay = user_overlay(user_id=parent.pk, program_ids=[mine.pk, theirs.pk], chosen_child_id=stranger.pk)

    assert overlay.favourites == {mine.pk}
    assert [c.first_name for c in overlay.children] == ["Артём"] and overlay.children[0].pk == own.pk
    assert overlay.fits == {}  # someone else's child is never a choice
