"""The provider's decisions on applications to its groups: an offer (оферта) or a refusal with a reason.

One view per action, each calling one service of enrollments.services and answering with the
enrollment as api.enrollments reads it. The organisation's manager only (api.permissions.IsProviderManager); an
application to another provider's group answers 404. Every POST honours an Idempotency-Key header.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from api.enrollments import (
    ACTION_ERRORS,
    IDEMPOTENCY_KEY,
    NeverCachedMixin,
    ProviderEnrollmentSerializer,
    enrollment_answer,
)
from api.permissions import IsProviderManager
from core.idempotency import idempotent_api
from enrollments.services import enrollment_offer, enrollment_reject


class _ProviderActionView(NeverCachedMixin, APIView):
    # Offers and refusals are the manager's; a teacher reads their groups' rosters only.
    permission_classes = [IsProviderManager]


@extend_schema(
    tags=["enrollments"],
    summary="Направить оферту",
    description=(
        "Организация принимает заявку и направляет родителю оферту; договор заключает только родитель, "
        "приняв её. Повтор ничего не меняет; заявку в другом статусе — 409 `transition_not_allowed`."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=None,
    responses={200: ProviderEnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentOfferView(_ProviderActionView):
    @idempotent_api
    def post(self, request, pk: int):
        enrollment_offer(staff=request.user, enrollment_id=pk)
        return enrollment_answer(request.user, pk)


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Причина отказа (обязательна)."
    )


@extend_schema(
    tags=["enrollments"],
    summary="Отклонить заявку",
    description=(
        "Отказ с причиной (без причины — 400 `reason_required`); место переходит к листу ожидания. "
        "Заявку из листа ожидания снимают с него."
    ),
    parameters=[IDEMPOTENCY_KEY],
    request=RejectInputSerializer,
    responses={200: ProviderEnrollmentSerializer, **ACTION_ERRORS},
)
class EnrollmentRejectView(_ProviderActionView):
    @idempotent_api
    def post(self, request, pk: int):
        data = RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment_reject(staff=request.user, enrollment_id=pk, reason=data.validated_data["reason"])
        return enrollment_answer(request.user, pk)
