"""The parent's actions on their children's enrollments: the quote before applying, accepting the offer,
declining it, cancelling an application, terminating a contract, deciding on new terms of a contract.

One view per action, each calling one service of enrollments (services, contracts) and answering with
the enrollment as api.enrollments reads it. Parents only (api.permissions.IsParent); an enrollment of
another family answers 404. Every POST honours an Idempotency-Key header.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.enrollments import ACTION_ERRORS, IDEMPOTENCY_KEY, EnrollmentSerializer, NeverCachedMixin, enrollment_answer
from api.errors import ErrorSerializer
from api.fields import AmountField
from api.permissions import IsParent
from catalog.models import Group
from core.idempotency import idempotent_api
from enrollments.contracts import (
    contract_terms_accept,
    contract_terms_decline,
    enrollment_accept_or_queue,
    enrollment_terminate,
    quote_for,
)
from enrollments.eligibility import GroupNotFound, parent_child_or_404
from enrollments.models import ContractFunding
from enrollments.selectors import groups_with_seats, waiting_list
from enrollments.services import enrollment_cancel
from enrollments.terms import ContractQuote


class _ParentActionView(NeverCachedMixin, APIView):
    permission_classes = [IsParent]


# --- The quote ---------------------------------------------------------------------------------------


class QuoteInputSerializer(serializers.Serializer):
    child = serializers.IntegerField(min_value=1)
    group = serializers.IntegerField(min_value=1)


@dataclass(frozen=True)
class QuoteAnswer:
    quote: ContractQuote
    group_full: bool
    waiting_place: int | None


class QuoteSerializer(serializers.Serializer):
    funding = serializers.ChoiceField(
        source="quote.funding",
        choices=ContractFunding.choices,
        read_only=True,
        help_text="FUNDED — за счёт сертификата, PAID — за счёт родителей, FREE — бесплатно.",
    )
    lesson_price = AmountField(source="quote.lesson_price", help_text="Стоимость занятия.")
    certificate_per_lesson = AmountField(
        source="quote.certificate_per_lesson", help_text="Сколько за занятие заплатит сертификат."
    )
    copayment_per_lesson = AmountField(source="quote.copayment_per_lesson", help_text="Доплата родителей за занятие.")
    lessons_per_month = serializers.IntegerField(source="quote.lessons_per_month", read_only=True)
    month_price = AmountField(source="quote.month_price", help_text="Стоимость месяца.")
    month_certificate = AmountField(source="quote.month_certificate", help_text="Сколько за месяц заплатит сертификат.")
    month_copayment = AmountField(source="quote.month_copayment", help_text="Доплата родителей за месяц.")
    planned_lessons = serializers.IntegerField(
        source="quote.planned_lessons",
        read_only=True,
        help_text="Занятий по расписанию группы с начала договора до конца периода.",
    )
    total_price = AmountField(source="quote.total_price", help_text="Стоимость всех запланированных занятий.")
    reserve = AmountField(source="quote.reserve", help_text="Сколько сертификат зарезервирует при принятии оферты.")
    copayment_total = AmountField(
        source="quote.copayment_total", help_text="Доплата родителей за все запланированные занятия."
    )
    group_full = serializers.BooleanField(read_only=True, help_text="Мест нет: заявка попадёт в лист ожидания.")
    waiting_place = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Место в листе ожидания, которое получила бы заявка; null — места есть.",
    )


@extend_schema(
    tags=["enrollments"],
    summary="Расчёт стоимости до подачи заявки",
    description=(
        "Что стоил бы договор ребёнка в группе с сегодняшнего дня: за занятие и за месяц, часть сертификата, "
        "доплата родителей, число занятий до конца периода, резерв и доплата за весь период; заполнена ли "
        "группа и какое место в листе ожидания получила бы заявка. Чужой ребёнок или неизвестная группа — 404."
    ),
    parameters=[
        OpenApiParameter("child", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="Ребёнок."),
        OpenApiParameter("group", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="Группа."),
    ],
    responses={200: QuoteSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
)
class EnrollmentQuoteView(_ParentActionView):
    def get(self, request):
        params = QuoteInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        child = parent_child_or_404(parent=request.user, child_id=params.validated_data["child"])
        group = (
            groups_with_seats(Group.objects.select_related("program").filter(pk=params.validated_data["group"]))
        ).first()
        if group is None:
            raise GroupNotFound(_("Группа не найдена."))
        full = group.seats_left <= 0
        answer = QuoteAnswer(
            quote=quote_for(child=child, group=group),
            group_full=full,
            waiting_place=waiting_list(group_id=group.pk).count() + 1 if full else None,
        )
        return Response(QuoteSerializer(answer).data)


# --- The offer ------------------------------------------------------------------------------------------


class AcceptInputSerializer(serializers.Serializer):
    as_paid = serializers.BooleanField(
        required=False, default=False, help_text="Заключить договор за счёт родителей (сертификат не платит)."
    )


@extend_schema(
    tags=["enrollments"],
    summary="Принять оферту",
    description=(
        "Договор вступает в силу с условиями, показанными родителю; доля сертификата резервируется. "
        "Сертификаты финансирования на период закончились — 409 `no_funded_room`, сертификат встаёт в очередь "
        "на финансирование, оферта остаётся открытой (её можно принять за счёт родителей: `as_paid`). "
        "Повтор для действующего договора ничего не меняет."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=AcceptInputSerializer,
    responses={200: EnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentAcceptView(_ParentActionView):
    @idempotent_api
    def post(self, request, pk: int):
        data = AcceptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment_accept_or_queue(parent=request.user, enrollment_id=pk, as_paid=data.validated_data["as_paid"])
        return enrollment_answer(request.user, pk)


@extend_schema(
    tags=["enrollments"],
    summary="Отказаться от оферты",
    description="Место освобождается и переходит к листу ожидания. Отказаться можно только от оферты.",
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    responses={200: EnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentDeclineView(_ParentActionView):
    @idempotent_api
    def post(self, request, pk: int):
        enrollment_cancel(parent=request.user, enrollment_id=pk, only_offers=True)
        return enrollment_answer(request.user, pk)


@extend_schema(
    tags=["enrollments"],
    summary="Отменить заявку",
    description=(
        "Отмена заявки в листе ожидания, на рассмотрении или с офертой; место переходит к листу ожидания. "
        "Повтор ничего не меняет; действующий договор не отменяют, а расторгают."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    responses={200: EnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentCancelView(_ParentActionView):
    @idempotent_api
    def post(self, request, pk: int):
        enrollment_cancel(parent=request.user, enrollment_id=pk)
        return enrollment_answer(request.user, pk)


@extend_schema(
    tags=["enrollments"],
    summary="Расторгнуть договор",
    description=(
        "Договор расторгается; `contract.ends_on` — последний день договора: при помесячной оплате конец "
        "текущего месяца, при оплате за занятие — вчера (сразу). Неиспользованный резерв возвращается на сертификат."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    responses={200: EnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentTerminateView(_ParentActionView):
    @idempotent_api
    def post(self, request, pk: int):
        enrollment_terminate(parent=request.user, enrollment_id=pk)
        return enrollment_answer(request.user, pk)


# --- New terms awaiting the parents -----------------------------------------------------------------------


@extend_schema(
    tags=["enrollments"],
    summary="Принять новые условия договора",
    description=(
        "Новые условия (`pending_terms`) вступают в силу: стоимость занятия и доля сертификата меняются, резерв "
        "на сертификате пересчитывается. Нет новых условий, ждущих решения, — 409 `no_terms_proposed`; "
        "повтор после принятия ничего не меняет. Только родитель с подтверждённой связью с ребёнком."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    responses={200: EnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentTermsAcceptView(_ParentActionView):
    @idempotent_api
    def post(self, request, pk: int):
        contract_terms_accept(parent=request.user, enrollment_id=pk)
        return enrollment_answer(request.user, pk)


@extend_schema(
    tags=["enrollments"],
    summary="Отказаться от новых условий и расторгнуть договор",
    description=(
        "Договор расторгается сразу при любом порядке оплаты: `contract.ends_on` — вчера, неиспользованный "
        "резерв возвращается на сертификат, место в группе переходит листу ожидания. Нет новых условий, "
        "ждущих решения, — 409 `no_terms_proposed`; повтор после отказа ничего не меняет."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    responses={200: EnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentTermsDeclineView(_ParentActionView):
    @idempotent_api
    def post(self, request, pk: int):
        contract_terms_decline(parent=request.user, enrollment_id=pk)
        return enrollment_answer(request.user, pk)
