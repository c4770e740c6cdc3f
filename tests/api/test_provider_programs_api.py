"""/api/v1/provider/programs/: the organisation's manager creates, edits and submits its programs over
catalog.programs; a certified program edited keeps its certified version listed while the new one is on
review; a teacher changes nothing; another organisation's program is a 404."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import roles
from catalog.models import Direction, Program, RevisionStatus
from catalog.programs import program_certify
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.catalog.factories import ProgramFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db
LIST = reverse("api:provider-program-list")


def detail(program_id: int) -> str:
    return reverse("api:provider-program-detail", args=[program_id])


def submit(program_id: int) -> str:
    return reverse("api:provider-program-submit", args=[program_id])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def manager():
    return ProviderStaffFactory()


def body(**changes) -> dict:
    data = {
        "title": "Шахматы для начинающих",
        "description": "Дебюты, тактика, первые турниры.",
        "direction": Direction.objects.order_by("position").first().pk,
        "activity_type": "Шахматы",
        "age_min": 7,
        "age_max": 12,
        "form": "FULL_TIME",
        "special_needs": True,
        "venue_address": "г. Тула, ул. Ленина, д. 1",
        "lesson_price": "200.00",
        "normative_lesson_price": "250.00",
        "lessons_per_month": 8,
        "funding": "CERTIFICATE",
    }
    data.update(changes)
    return data


def test_create_submit_certify_and_the_program_is_listed_as_certified(manager):
    client = signed_in(manager)

    response = client.post(LIST, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["status"] == "DRAFT" and answer["revision"] is None
    assert answer["lesson_price"] == "200.00" and answer["special_needs"] is True and answer["age_max"] == 12
    program = Program.objects.get(pk=answer["id"])
    assert program.provider == manager.provider and program.venue_address == "г. Тула, ул. Ленина, д. 1"

    # The same key again: the same answer, no second program.
    again = client.post(LIST, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert again.json()["id"] == program.pk
    assert Program.objects.filter(provider=manager.provider).count() == 1

    response = client.post(submit(program.pk), HTTP_IDEMPOTENCY_KEY="submit-1")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ON_REVIEW"

    program_certify(actor=MunicipalStaffFactory(municipality=manager.provider.municipality), program_id=program.pk)

    listed = client.get(LIST).json()["results"]
    assert [(p["id"], p["status"], p["revision_status"]) for p in listed] == [(program.pk, "CERTIFIED", "")]
    # Nothing changed since: nothing to review.
    response = client.post(submit(program.pk))
    assert response.status_code == 409 and response.json()["error"]["code"] == "nothing_to_review"


def test_a_price_change_of_a_certified_program_is_a_new_version_on_review(manager):
    program = ProgramFactory(provider=manager.provider, lesson_price=Decimal("250.00"))
    client = signed_in(manager)

    response = client.patch(detail(program.pk), {"lesson_price": "300.00"}, content_type="application/json")

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["status"] == "CERTIFIED" and answer["revision_status"] == RevisionStatus.ON_REVIEW
    assert answer["lesson_price"] == "250.00"  # the certified version, as the catalog lists it
    assert answer["revision"]["lesson_price"] == "300.00" and answer["revision"]["title"] == program.title
    program.refresh_from_db()
    assert program.lesson_price == Decimal("250.00") and program.status == Program.Status.CERTIFIED
    assert program.revision == {"lesson_price": "300.00"}
    public = signed_in(manager).get(reverse("api:program-detail", args=[program.pk]))
    assert public.status_code == 200, public.json()  # the public catalog keeps the certified price
    assert public.json()["lesson_price"] == "250.00"

    # Certified, the new version replaces the listed one.
    program_certify(actor=MunicipalStaffFactory(municipality=manager.provider.municipality), program_id=program.pk)
    assert client.get(detail(program.pk)).json()["lesson_price"] == "300.00"


def test_a_bad_field_is_refused_with_its_message_and_nothing_is_saved(manager):
    program = ProgramFactory(provider=manager.provider, status=Program.Status.DRAFT, title="Лепка")
    client = signed_in(manager)

    response = client.post(LIST, body(form="NOWHERE", lesson_price="дорого"), content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"form", "lesson_price"}
    assert "NOWHERE" in fields["form"][0]

    # The whole program is checked by the service: a free program costs nothing.
    response = client.patch(
        detail(program.pk), {"title": "Лепка 2", "funding": "FREE"}, content_type="application/json"
    )
    assert response.status_code == 400, response.json()
    assert Program.objects.filter(provider=manager.provider).count() == 1
    program.refresh_from_db()
    assert program.title == "Лепка" and program.funding == Program.Funding.CERTIFICATE

    response = client.post(LIST, body(age_min=12, age_max=7), content_type="application/json")
    assert response.status_code == 400
    assert Program.objects.filter(provider=manager.provider).count() == 1


def test_a_teacher_is_refused_and_another_organisations_program_is_not_found(manager):
    program = ProgramFactory(provider=manager.provider)
    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    client = signed_in(teacher)
    assert client.post(LIST, body(), content_type="application/json").status_code == 403
    assert client.patch(detail(program.pk), {"title": "X"}, content_type="application/json").status_code == 403
    assert client.post(submit(program.pk)).status_code == 403
    # As on the workplace pages: programs are the manager's.
    assert client.get(LIST).status_code == 403

    foreign = ProgramFactory(status=Program.Status.DRAFT, title="Чужая")
    client = signed_in(manager)
    assert client.get(detail(foreign.pk)).status_code == 404
    response = client.patch(detail(foreign.pk), {"title": "Моя"}, content_type="application/json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.post(submit(foreign.pk)).status_code == 404
    assert [p["id"] for p in client.get(LIST).json()["results"]] == [program.pk]
    foreign.refresh_from_db()
    assert foreign.title == "Чужая" and foreign.status == Program.Status.DRAFT


def test_the_cover_by_multipart_is_checked_and_resized(manager):
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), (10, 120, 200)).save(out, "PNG")
    client = signed_in(manager)

    response = client.post(
        LIST, {**body(), "cover": SimpleUploadedFile("c.png", out.getvalue(), content_type="image/png")}
    )
    assert response.status_code == 201, response.json()
    program = Program.objects.get(pk=response.json()["id"])
    assert response.json()["cover"] == program.cover.url and program.special_needs is True
    with Image.open(program.cover.path) as stored:
        assert stored.size == (1200, 800)

    response = client.post(LIST, {**body(), "cover": SimpleUploadedFile("c.png", b"%PDF-1.4 no")})
    assert response.status_code == 400 and "cover" in response.json()["error"]["fields"]


def test_the_programs_list_query_count_is_pinned(manager, django_assert_max_num_queries):
    for n in range(15):
        program = ProgramFactory(provider=manager.provider, title=f"Программа {n:02d}")
        if n % 3 == 0:
            program.revision, program.revision_status = {"lesson_price": "1.00"}, RevisionStatus.ON_REVIEW
            program.save()
    client = signed_in(manager)
    with django_assert_max_num_queries(5):
        response = client.get(LIST)
    assert response.status_code == 200 and len(response.json()["results"]) == 15
