"""The organisation's programs in the workplace: the manager creates and edits them with a cover and
sends them to certification; a certified program edited gets a new version on review while the certified
one stays listed; certification replaces it; contracts keep their terms. Teachers and other
organisations have no way in."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import roles
from catalog.models import Program, RevisionStatus
from catalog.programs import program_certify, program_reject
from core.errors import Conflict, Forbidden, NotFound
from tests.accounts.factories import MunicipalStaffFactory, ProviderStaffFactory
from tests.catalog.factories import GroupFactory, ProgramFactory, direction
from tests.enrollments.factories import EnrollmentFactory
from tests.navigator.cabinet import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def manager():
    return ProviderStaffFactory()


@pytest.fixture
def municipal(manager):
    return MunicipalStaffFactory(municipality=manager.provider.municipality)


def picture(fmt="PNG", size=(2400, 1600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def form_data(**changes):
    data = {
        "title": "Шахматы для начинающих",
        "description": "Правила, дебюты, турниры.",
        "direction": direction("sports").pk,
        "activity_type": "Шахматы",
        "age_min": "7",
        "age_max": "12",
        "form": "FULL_TIME",
        "venue_address": "г. Плавск, ул. Советская, 3",
        "lesson_price": "200.00",
        "normative_lesson_price": "250.00",
        "lessons_per_month": "8",
        "funding": "CERTIFICATE",
    }
    data.update(changes)
    return data


def test_the_manager_creates_a_program_with_a_resized_cover_and_submits_it(manager):
    client = signed_in(manager)
    cover = SimpleUploadedFile("cover.png", picture(), content_type="image/png")

    response = client.post(reverse("workplace:program-new"), {**form_data(special_needs="on"), "cover": cover})

    program = Program.objects.get(title="Шахматы для начинающих")
    assert response.status_code == 302
    assert response["Location"] == reverse("workplace:program-edit", args=[program.pk])
    assert program.provider_id == manager.provider_id
    assert program.status == Program.Status.DRAFT
    assert program.special_needs and program.lesson_price == Decimal("200.00")
    with Image.open(program.cover.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1200, 800)
    assert client.get(program.cover.url).status_code == 200

    page = client.get(reverse("workplace:program-edit", args=[program.pk]))
    assert "Отправить на сертификацию" in page.content.decode()
    client.post(reverse("workplace:program-submit", args=[program.pk]), {"form_key": "k1"})
    program.refresh_from_db()
    assert program.status == Program.Status.ON_REVIEW

    # Certified, it is in the catalog with its cover.
    program_certify(actor=MunicipalStaffFactory(municipality=manager.provider.municipality), program_id=program.pk)
    assert program.cover.url in client.get(reverse("program", args=[program.pk])).content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a picture", "cover.png", "Загрузите изображение JPEG, PNG или WebP."),
        (picture("GIF", (20, 20)), "cover.gif", "Загрузите изображение JPEG, PNG или WebP."),
        (b"\xff" * (5 * 1024 * 1024 + 1), "cover.jpg", "Не больше 5 МБ."),
    ],
    ids=["not-an-image", "gif", "oversized"],
)
def test_a_non_image_or_oversized_cover_is_refused(manager, content, name, message):
    response = signed_in(manager).post(
        reverse("workplace:program-new"), {**form_data(), "cover": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Program.objects.exists()


def test_invalid_ages_are_refused_with_the_field(manager):
    response = signed_in(manager).post(reverse("workplace:program-new"), form_data(age_min="12", age_max="7"))

    assert response.status_code == 200
    assert not Program.objects.exists()


def test_a_price_change_of_a_certified_program_goes_to_review_and_contracts_keep_their_terms(manager, municipal):
    program = ProgramFactory(provider=manager.provider, title="Шахматы", lesson_price=Decimal("200.00"))
    contract = EnrollmentFactory(group=GroupFactory(program=program), active=True)
    assert Program.objects.get(pk=program.pk).listed

    response = signed_in(manager).post(
        reverse("workplace:program-edit", args=[program.pk]),
        form_data(title="Шахматы", direction=program.direction_id, lesson_price="300.00"),
    )

    assert response.status_code == 302
    program.refresh_from_db()
    # The certified version stays listed at its price; the new one waits for the municipality.
    assert program.status == Program.Status.CERTIFIED and program.listed
    assert program.lesson_price == Decimal("200.00")
    assert program.revision_status == RevisionStatus.ON_REVIEW
    assert program.revision["lesson_price"] == "300.00"

    program_certify(actor=municipal, program_id=program.pk)

    program.refresh_from_db()
    assert program.lesson_price == Decimal("300.00")
    assert program.revision is None and program.revision_status == ""
    assert program.listed
    contract.refresh_from_db()
    assert contract.lesson_price == Decimal("200.00")


def test_a_rejected_new_version_leaves_the_certified_one_listed(manager, municipal):
    program = ProgramFactory(provider=manager.provider, title="Шахматы")
    signed_in(manager).post(
        reverse("workplace:program-edit", args=[program.pk]),
        form_data(title="Шахматы 2.0", direction=program.direction_id),
    )

    program_reject(actor=municipal, program_id=program.pk, reason="Название не соответствует содержанию.")

    program.refresh_from_db()
    assert program.title == "Шахматы" and program.listed
    assert program.revision_status == RevisionStatus.REJECTED
    page = signed_in(manager).get(reverse("workplace:program-edit", args=[program.pk])).content.decode()
    assert "Название не соответствует содержанию." in page
    assert 'value="Шахматы 2.0"' in page


def test_certification_is_the_programs_municipalitys(manager, municipal):
    program = ProgramFactory(provider=manager.provider, status=Program.Status.ON_REVIEW)
    with pytest.raises(NotFound):
        program_certify(actor=MunicipalStaffFactory(), program_id=program.pk)
    with pytest.raises(Forbidden):
        program_certify(actor=manager, program_id=program.pk)

    program_certify(actor=municipal, program_id=program.pk)
    assert Program.objects.get(pk=program.pk).listed
    with pytest.raises(Conflict):
        program_certify(actor=municipal, program_id=program.pk)


def test_another_providers_program_is_a_404_and_a_teacher_cannot_edit(manager):
    foreign = ProgramFactory()
    client = signed_in(manager)
    assert client.get(reverse("workplace:program-edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("workplace:program-edit", args=[foreign.pk]), form_data()).status_code == 404
    assert client.post(reverse("workplace:program-submit", args=[foreign.pk]), {"form_key": "k"}).status_code == 404

    teacher = ProviderStaffFactory(provider=manager.provider, provider_role=roles.TEACHER)
    own = ProgramFactory(provider=manager.provider)
    client = signed_in(teacher)
    assert client.get(reverse("workplace:programs")).status_code == 403
    assert client.post(reverse("workplace:program-edit", args=[own.pk]), form_data()).status_code == 403


def test_the_program_list_has_a_pinned_number_of_queries(manager, django_assert_num_queries):
    for n in range(5):
        ProgramFactory(provider=manager.provider, title=f"Программа {n}")
    ProgramFactory(title="Чужая")
    client = signed_in(manager)
    client.get(reverse("workplace:programs"))

    # role check, provider, programs with their directions (the user is cached)
    with django_assert_num_queries(3):
        response = client.get(reverse("workplace:programs"))
    page = response.content.decode()
    assert "Программа 4" in page and "Чужая" not in page
