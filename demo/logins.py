"""The demo logins (development only): a parent, a provider's manager and one of its teachers, municipal
staff, the regional operator."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password

from accounts import roles
from accounts.models import Role, User
from catalog.models import Group
from certificates.models import Child, ParentLink
from certificates.services import certificate_issue, parent_link_confirm
from demo.contracts import fitting_groups

DEMO_PASSWORD = "demo12345"  # development only
JOINED = datetime(2026, 8, 25, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def _login(
    rng: random.Random, username: str, defaults: dict, *, superuser: bool = False, staff: bool = False
) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={**defaults, "is_superuser": superuser, "is_staff": staff or superuser, "date_joined": JOINED},
    )
    if created:
        # A salt from the seed keeps the whole data set reproducible; these are development passwords.
        salt = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=22))
        user.password = make_password(DEMO_PASSWORD, salt=salt)
        user.save(update_fields=["password"])
    else:
        rng.random()  # keep the stream identical whether or not the login already existed
    return user, created


def create_demo_logins(
    *,
    rng: random.Random,
    snils: Callable[[], str],
    municipality_id: int,
    provider_id: int,
) -> list[tuple[str, str, str]]:
    """Create the four demo logins (an existing login of the same name is left as it is)."""
    parent, created = _login(
        rng,
        "parent",
        {
            "role": Role.PARENT,
            "last_name": "Смирнова",
            "first_name": "Елена",
            "middle_name": "Викторовна",
            "email": "parent@demo.navigator.local",
            "phone": "+7 (953) 421-17-05",
            "snils": snils(),
        },
    )
    if created:
        children = [
            ("Артём", "Андреевич", "Смирнов", date(2016, 3, 14), Child.Sex.MALE),
            ("Алиса", "Андреевна", "Смирнова", date(2019, 6, 2), Child.Sex.FEMALE),
        ]
        for position, (first, middle, last, born, sex) in enumerate(children):
            child = Child.objects.create(
                last_name=last,
                first_name=first,
                middle_name=middle,
                birth_date=born,
                sex=sex,
                snils=snils(),
                municipality_id=municipality_id,
            )
            Child.objects.filter(pk=child.pk).update(created_at=JOINED)
            # Смирнова's children are in her Gosuslugi profile (the stand-in has them too): confirmed links.
            parent_link_confirm(parent=parent, child=child, confirmation=ParentLink.Confirmation.ESIA)
            if position == 0:
                # The elder has a certificate already; the younger gets one on the first application.
                certificate_issue(child=child)
    provider_login, _created = _login(
        rng,
        "provider",
        {
            "role": Role.PROVIDER,
            "last_name": "Ковалёва",
            "first_name": "Ирина",
            "middle_name": "Николаевна",
            "email": "provider@demo.navigator.local",
            "provider_id": provider_id,
        },
    )
    provider_login.groups.add(roles.role_group(roles.PROVIDER_MANAGER))
    _teacher_login(rng, provider_id, pupil=Child.objects.filter(parents=parent).order_by("birth_date").first())
    municipal, created = _login(
        rng,
        "municipal",
        {
            "role": Role.MUNICIPAL,
            "last_name": "Орлов",
            "first_name": "Дмитрий",
            "middle_name": "Сергеевич",
            "email": "municipal@demo.navigator.local",
            "municipality_id": municipality_id,
        },
        staff=True,
    )
    municipal.groups.add(roles.role_group(roles.MUNICIPAL))
    _login(
        rng,
        "admin",
        {
            "role": Role.REGIONAL,
            "last_name": "Региональный",
            "first_name": "оператор",
            "email": "admin@demo.navigator.local",
        },
        superuser=True,
    )
    return [
        ("parent", "родитель", "Смирнова Е. В., двое детей в Плавском районе; /"),
        ("provider", "руководитель организации", "МБУ ДО «ДДТ» (Плавск); /workplace/"),
        ("teacher", "педагог той же организации", "журнал и ученики своих групп; /workplace/"),
        ("municipal", "муниципальный оператор", "Плавский район; /admin/"),
        ("admin", "региональный оператор (суперпользователь)", "/admin/"),
    ]


def _teacher_login(rng: random.Random, provider_id: int, pupil: Child | None) -> User:
    """The `teacher` login: the demo provider's teacher of the group the demo parent's elder child gets
    a contract in (demo.contracts takes the first group that fits him), so the login has pupils and a
    register; failing that, its teacher with the most groups. A teacher account of the organisation,
    linked to every group that names them: the login sees the register and rosters of those only."""
    fitting = fitting_groups(provider_id, pupil) if pupil is not None else []
    if fitting:
        name = fitting[0].teacher
    else:
        names = list(Group.objects.filter(program__provider_id=provider_id).values_list("teacher", flat=True))
        name = min(set(names), key=lambda n: (-names.count(n), n))
    last, first, *middle = name.split()
    teacher, _created = _login(
        rng,
        "teacher",
        {
            "role": Role.PROVIDER,
            "last_name": last,
            "first_name": first,
            "middle_name": " ".join(middle),
            "email": "teacher@demo.navigator.local",
            "provider_id": provider_id,
        },
    )
    roles.role_set(teacher, roles.TEACHER)
    Group.objects.filter(program__provider_id=provider_id, teacher=name).update(teacher_user=teacher)
    return teacher
