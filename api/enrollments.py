"""Enrollments in the API, the part both doors share: the list and the detail (a parent sees their
children's applications and contracts, provider staff their groups'), the output serializers every
enrollment action answers with, and applying (POST to the list, parents only).

Reads go through enrollments.selectors, scoped to the signed-in user: another family's or another
provider's enrollment is simply not found (404). The actions are in api/parent/enrollments.py and
api/provider/enrollments.py; each calls one service and answers with the enrollment as read here.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiTypes,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from accounts.access import is_parent
from api.errors import ErrorSerializer
from api.fields import AmountField, ProviderBriefSerializer
from api.pagination import PortalPagination
from api.permissions import IsParent, IsProviderStaff
from catalog.models import Group, Program
from catalog.selectors import staff_group_scope
from certificates.models import CertificateKind, Child
from certificates.selectors import with_current_account
from core.dates import age_on
from core.idempotency import idempotent_api
from enrollments.models import (
    ACCEPTED_STATUSES,
    ContractFunding,
    Enrollment,
    EnrollmentStatus,
    TermsChange,
    TermsChangeStatus,
)
from enrollments.selectors import parent_enrollments, pending_terms_of, provider_enrollments, with_waiting_place
from enrollments.services import enrollment_apply

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Ключ повторяемого запроса (1–128 печатных символов). Повтор с тем же ключом в течение 24 часов "
        "не выполняется снова, а получает первый ответ (заголовок Idempotent-Replayed: true)."
    ),
)

# Errors every enrollment action may answer with (409 includes `busy`, with Retry-After).
ACTION_ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


# --- Output -------------------------------------------------------------------------------------------


class EnrollmentChildSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Child
        fields = ["id", "full_name"]
        read_only_fields = fields


class EnrollmentProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "title"]
        read_only_fields = fields


class EnrollmentGroupSerializer(serializers.ModelSerializer):
    program = EnrollmentProgramSerializer(read_only=True)
    provider = ProviderBriefSerializer(source="program.provider", read_only=True)

    class Meta:
        model = Group
        fields = ["id", "name", "program", "provider"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    """The terms as the parent accepted them (a snapshot)."""

    funding = serializers.ChoiceField(
        choices=ContractFunding.choices,
        read_only=True,
        help_text="FUNDED — за счёт сертификата, PAID — за счёт родителей, FREE — бесплатно.",
    )
    funding_name = serializers.CharField(source="get_funding_display", read_only=True)
    lesson_price = AmountField(help_text="Стоимость занятия по договору.")
    certificate_per_lesson = AmountField(help_text="Сколько за занятие платит сертификат.")
    copayment_per_lesson = AmountField(help_text="Доплата родителей за занятие: стоимость минус часть сертификата.")
    copayment_shown = AmountField(help_text="Доплата родителей до конца периода, как показано при принятии.")
    reserve_remaining = AmountField(help_text="Сколько ещё зарезервировано на сертификате по этому договору.")

    class Meta:
        model = Enrollment
        fields = [
            "funding",
            "funding_name",
            "billing_policy",
            "lesson_price",
            "certificate_per_lesson",
            "copayment_per_lesson",
            "lessons_per_month",
            "planned_lessons",
            "copayment_shown",
            "reserve_remaining",
            "starts_on",
            "ends_on",
            "accepted_at",
        ]
        read_only_fields = fields


class TermsChangeSerializer(serializers.ModelSerializer):
    """New terms of the contract awaiting the parents' decision, against the terms in force."""

    status = serializers.ChoiceField(choices=TermsChangeStatus.choices, read_only=True)
    lesson_price_before = AmountField(help_text="Стоимость занятия сейчас.")
    lesson_price_after = AmountField(help_text="Стоимость занятия по новым условиям.")
    certificate_per_lesson_before = AmountField(help_text="Сколько за занятие платит сертификат сейчас.")
    certificate_per_lesson_after = AmountField(help_text="Сколько за занятие платил бы сертификат по новым условиям.")
    copayment_per_lesson_before = AmountField(help_text="Доплата родителей за занятие сейчас.")
    copayment_per_lesson_after = AmountField(help_text="Доплата родителей за занятие по новым условиям.")
    lessons = serializers.IntegerField(read_only=True, help_text="Оставшихся занятий, за которые считается доплата.")
    copayment_before = AmountField(help_text="Доплата родителей за оставшиеся занятия сейчас.")
    copayment_after = AmountField(help_text="Доплата родителей за оставшиеся занятия по новым условиям.")

    class Meta:
        model = TermsChange
        fields = [
            "id",
            "status",
            "lesson_price_before",
            "lesson_price_after",
            "certificate_per_lesson_before",
            "certificate_per_lesson_after",
            "copayment_per_lesson_before",
            "copayment_per_lesson_after",
            "lessons",
            "copayment_before",
            "copayment_after",
            "created_at",
        ]
        read_only_fields = fields


class EnrollmentSerializer(serializers.ModelSerializer):
    """An application and, once the parent accepted the offer, its contract: what a parent sees."""

    status = serializers.ChoiceField(choices=EnrollmentStatus.choices, read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    child = EnrollmentChildSerializer(read_only=True)
    group = EnrollmentGroupSerializer(read_only=True)
    waiting_place = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Место в листе ожидания (1 — следующий); null — не в листе."
    )
    contract = serializers.SerializerMethodField(help_text="Условия договора; null, пока оферта не принята.")
    pending_terms = serializers.SerializerMethodField(
        help_text=(
            "Новые условия договора, которые повышают доплату и ждут решения родителей (принять: "
            "`/terms/accept/`, отказаться и расторгнуть договор сразу: `/terms/decline/`); null — таких нет."
        )
    )

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "status",
            "status_name",
            "child",
            "group",
            "created_at",
            "expires_at",
            "waiting_place",
            "reject_reason",
            "contract",
            "pending_terms",
        ]
        read_only_fields = fields

    @extend_schema_field(TermsChangeSerializer(allow_null=True))
    def get_pending_terms(self, enrollment: Enrollment) -> dict | None:
        # Read with the enrollment (enrollments.selectors.with_pending_terms); an application made by this
        # request has none.
        change = pending_terms_of(enrollment)
        return None if change is None else TermsChangeSerializer(change).data

    @extend_schema_field(ContractSerializer(allow_null=True))
    def get_contract(self, enrollment: Enrollment) -> dict | None:
        if enrollment.status not in ACCEPTED_STATUSES:
            return None
        return ContractSerializer(enrollment).data


class ProviderEnrollmentSerializer(EnrollmentSerializer):
    """What provider staff see: the parent's view, the child's age and the certificate's kind too."""

    child_age = serializers.SerializerMethodField(help_text="Полных лет ребёнку на дату начала занятий группы.")
    certificate_kind = serializers.SerializerMethodField(
        help_text="Вид сертификата в текущем периоде: FUNDED — финансирования, ACCOUNTING — учёта; null — нет."
    )

    class Meta(EnrollmentSerializer.Meta):
        fields = [*EnrollmentSerializer.Meta.fields, "child_age", "certificate_kind"]
        read_only_fields = fields

    def get_child_age(self, enrollment: Enrollment) -> int:
        return age_on(enrollment.child.birth_date, enrollment.group.start_date)

    @extend_schema_field(serializers.ChoiceField(choices=CertificateKind.choices, allow_null=True))
    def get_certificate_kind(self, enrollment: Enrollment) -> str | None:
        return enrollment.certificate.kind if enrollment.certificate_id else None


def any_enrollment(*, many: bool = False) -> PolymorphicProxySerializer:
    """For the schema: the parent's shape or the provider staff's, by who asks."""
    return PolymorphicProxySerializer(
        component_name="EnrollmentForParentOrProvider",
        serializers=[EnrollmentSerializer, ProviderEnrollmentSerializer],
        resource_type_field_name=None,
        many=many,
    )


# --- Reading them back ---------------------------------------------------------------------------------


def visible_enrollments(user) -> QuerySet[Enrollment]:
    """The enrollments the user may see: a parent's children's, or a provider's groups' (a teacher's: the
    rosters of the groups they teach)."""
    if is_parent(user):
        return with_waiting_place(parent_enrollments(parent=user))
    return with_waiting_place(
        provider_enrollments(provider_id=user.provider_id).filter(staff_group_scope(staff=user, prefix="group__"))
    )


def serialized(user, enrollments: list[Enrollment]) -> list[dict]:
    """The enrollments in the shape the user's door shows (the provider's adds the certificate's kind)."""
    if is_parent(user):
        return EnrollmentSerializer(enrollments, many=True).data
    with_current_account([e.certificate for e in enrollments if e.certificate_id])
    return ProviderEnrollmentSerializer(enrollments, many=True).data


def enrollment_answer(user, enrollment_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The answer of an action: the enrollment read again after the service's transaction, as the user sees it."""
    enrollment = visible_enrollments(user).filter(pk=enrollment_id).first()
    if enrollment is None:
        raise Http404
    return Response(serialized(user, [enrollment])[0], status=status_code)


class NeverCachedMixin:
    """A family's data and a provider's pupils: never kept by the browser or a cache on the way."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


# --- List, apply, detail -------------------------------------------------------------------------------


class ApplyInputSerializer(serializers.Serializer):
    child = serializers.IntegerField(min_value=1, help_text="Ребёнок родителя.")
    group = serializers.IntegerField(min_value=1, help_text="Группа.")


# One instance validates every application: its fields are bound once rather than deep-copied for each
# request; run_validation keeps nothing on the instance, so threads may share it.
APPLY_INPUT = ApplyInputSerializer()


@extend_schema(tags=["enrollments"])
class EnrollmentListView(NeverCachedMixin, generics.GenericAPIView):
    """GET: the enrollments the user may see (parents and provider staff). POST: a parent applies."""

    pagination_class = PortalPagination
    filter_backends = []

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsParent()]
        return [(IsParent | IsProviderStaff)()]

    @extend_schema(
        summary="Заявки и договоры",
        description=(
            "Родителю — заявки и договоры его детей, сотруднику организации — заявки в группы организации "
            "(с возрастом ребёнка на начало занятий и видом сертификата). Новые первыми, по 20 на странице."
        ),
        responses={200: any_enrollment(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request):
        page = self.paginate_queryset(visible_enrollments(request.user))
        return self.get_paginated_response(serialized(request.user, page))

    @extend_schema(
        summary="Подать заявку",
        description=(
            "Заявка родителя для своего ребёнка в группу. Сертификат выдаётся при первой заявке. Есть свободное "
            "место — статус SUBMITTED (заявка у организации), мест нет — WAITING с местом в листе ожидания. "
            "Отказы: чужой или несуществующий ребёнок или группа — 404; связь с ребёнком не подтверждена — 403 "
            "`link_not_confirmed`; возраст не подходит — 400 `age_out_of_range`; сертификат не действует, "
            "программа не принимает заявки, набор закрыт, ребёнок уже записан, период закрыт — 409 со своим "
            "кодом; группу сейчас меняет кто-то ещё — 409 `busy` с Retry-After."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ApplyInputSerializer,
        responses={201: EnrollmentSerializer, **ACTION_ERRORS},
    )
    @idempotent_api(claim_in_service=True)
    def post(self, request):
        if not isinstance(request.data, dict):  # not a JSON object: refused as is_valid() words it
            ApplyInputSerializer(data=request.data).is_valid(raise_exception=True)
        data = APPLY_INPUT.run_validation(request.data)  # raises ValidationError as is_valid() would
        # The Idempotency-Key is claimed by the service in the statement that applies (one round trip).
        result = enrollment_apply(
            parent=request.user, child_id=data["child"], group_id=data["group"], idempotency=request.idempotency
        )
        # The answer the function made (and kept with the key): no read, no serializer, no second statement.
        return Response(result.answer, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["enrollments"],
    summary="Заявка или договор",
    description="Одна заявка ребёнка родителя или группы организации; чужая или несуществующая — 404.",
    responses={200: any_enrollment(), 403: ErrorSerializer, 404: ErrorSerializer},
)
class EnrollmentDetailView(NeverCachedMixin, generics.GenericAPIView):
    permission_classes = [IsParent | IsProviderStaff]

    def get(self, request, pk: int):
        return enrollment_answer(request.user, pk)
