"""Parents' ratings in the demo region, made through the portal's own services: the demo provider's
contract program has ratings from the classmates' parents, three published by the demo municipal officer
(two answered by the provider) and one awaiting moderation in the admin («Оценки программ», filter «На
модерации»). The demo parent's own contract is left unrated, so that the demo parent can rate it.

The classmates' contracts started on the first day of the previous month (demo/contracts.py); where the
group started later, the rating is made as of the day it opens (the services take `today`).
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from certificates.models import Child
from enrollments.models import Enrollment, EnrollmentStatus
from enrollments.ratings import rating_answer, rating_opens_on, rating_publish, rating_submit

# (results, teachers, facilities, overall, comment, the provider's answer or None, published)
RATINGS = (
    (
        5,
        5,
        4,
        5,
        "Сын ходит с удовольствием, дома рассказывает, что собрали на занятии. Педагог объясняет понятно и терпеливо.",
        "Спасибо за тёплые слова! Во втором полугодии группа будет готовиться к городским соревнованиям.",
        True,
    ),
    (
        4,
        5,
        3,
        4,
        "Занятия интересные, но наборов на всех не хватает — работают по двое.",
        "Спасибо, что написали. Новые наборы закуплены и будут в кабинете с начала следующего месяца.",
        True,
    ),
    (5, 4, 4, 5, "За месяц ребёнок заметно увлёкся, просит заниматься и дома.", None, True),
    (3, 4, 3, 3, "Хотелось бы больше практики и меньше теории на первых занятиях.", None, False),
)


def make_demo_ratings(*, provider_id: int) -> int:
    """Returns how many ratings were made."""
    officer = User.objects.get(username="municipal")
    staff = User.objects.get(username="provider")
    # The demo parent's children by id first: a plain id list keeps the query's plan simple on freshly
    # loaded tables without statistics.
    own = list(Child.objects.filter(parents__username="parent").values_list("pk", flat=True))
    contracts = list(
        Enrollment.objects.filter(group__program__provider_id=provider_id, status=EnrollmentStatus.ACTIVE)
        .exclude(child_id__in=own)
        .order_by("pk")[: len(RATINGS)]
    )
    made = 0
    for contract, (results, teachers, facilities, overall, comment, answer, published) in zip(
        contracts, RATINGS, strict=False
    ):
        opens = rating_opens_on(contract)
        if opens is None:
            continue
        rating = rating_submit(
            parent=contract.accepted_by,
            enrollment_id=contract.pk,
            results=results,
            teachers=teachers,
            facilities=facilities,
            overall=overall,
            comment=comment,
            today=max(timezone.localdate(), opens),
        )
        made += 1
        if published:
            rating_publish(actor=officer, rating_id=rating.pk)
            if answer:
                rating_answer(staff=staff, rating_id=rating.pk, answer=answer)
    return made
