"""The parent's own data: children, certificates with their accounts, a certificate's statement.

Thin doors over certificates.selectors, which scope every read to the signed-in parent: another
family's certificate number answers 404, exactly as one that does not exist. Only parents may call
these (others get 403). СНИЛС is never given in full here, only masked.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_field
from rest_framework import generics, serializers

from api.errors import ErrorSerializer
from api.fields import AmountField, MunicipalityBriefSerializer
from api.pagination import PortalPagination
from api.permissions import IsParent
from billing.selectors import certificate_statement, statement_lines
from certificates.models import Certificate, CertificateAccount, CertificateKind, Child, FundingPeriod
from certificates.selectors import (
    parent_certificate,
    parent_certificates,
    parent_children,
    with_current_account,
)
from core.validators import mask_snils

# --- Access and paging ------------------------------------------------------------------------------


class _ParentListView(generics.ListAPIView):
    permission_classes = [IsParent]
    pagination_class = PortalPagination
    filter_backends = []

    def finalize_response(self, request, response, *args, **kwargs):
        # A family's data: never kept by the browser or a cache on the way, as the cabinet's pages.
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


# --- Children ---------------------------------------------------------------------------------------


class ChildSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    sex_name = serializers.CharField(source="get_sex_display", read_only=True)
    snils_masked = serializers.SerializerMethodField(
        help_text="СНИЛС ребёнка, скрытый: видны только контрольные цифры («***-***-*** 45»)."
    )
    municipality = MunicipalityBriefSerializer(read_only=True)
    certificate_number = serializers.SerializerMethodField(help_text="Номер сертификата; null, пока его нет.")

    class Meta:
        model = Child
        fields = [
            "id",
            "last_name",
            "first_name",
            "middle_name",
            "full_name",
            "birth_date",
            "sex",
            "sex_name",
            "snils_masked",
            "municipality",
            "certificate_number",
        ]
        read_only_fields = fields

    def get_snils_masked(self, child: Child) -> str:
        return mask_snils(child.snils)

    def get_certificate_number(self, child: Child) -> str | None:
        try:
            return child.certificate.number
        except Certificate.DoesNotExist:
            return None


@extend_schema(
    summary="Мои дети",
    description=(
        "Дети родителя, вошедшего в систему, с подтверждённой связью (из профиля Госуслуг или проверенные "
        "муниципальным оператором); добавленные вручную появляются здесь после проверки. СНИЛС скрыт."
    ),
    responses={200: ChildSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
)
class MyChildrenView(_ParentListView):
    serializer_class = ChildSerializer

    def get_queryset(self):
        return parent_children(parent=self.request.user)


# --- Certificates -----------------------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingPeriod
        fields = ["id", "name", "start_date", "end_date"]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    period = PeriodSerializer(read_only=True)
    nominal = AmountField(help_text="Номинал на период.")
    reserved = AmountField(help_text="Зарезервировано по договорам.")
    spent = AmountField(help_text="Списано за занятия.")
    available = AmountField(help_text="Доступно: номинал − резерв − списано.")

    class Meta:
        model = CertificateAccount
        fields = ["period", "nominal", "reserved", "spent", "available"]
        read_only_fields = fields


class ChildBriefSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Child
        fields = ["id", "full_name"]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    child = ChildBriefSerializer(read_only=True)
    municipality = MunicipalityBriefSerializer(read_only=True)
    kind = serializers.ChoiceField(
        choices=CertificateKind.choices,
        read_only=True,
        help_text="В текущем периоде: FUNDED — сертификат финансирования (есть счёт периода), ACCOUNTING — учёта.",
    )
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    current_account = AccountSerializer(
        read_only=True, allow_null=True, help_text="Счёт периода, в который попадает сегодняшний день; null — нет."
    )
    accounts = AccountSerializer(
        source="period_accounts", many=True, read_only=True, help_text="Счета по периодам, новые первыми."
    )

    class Meta:
        model = Certificate
        fields = [
            "number",
            "child",
            "municipality",
            "kind",
            "kind_name",
            "status",
            "status_name",
            "valid_until",
            "current_account",
            "accounts",
        ]
        read_only_fields = fields


@extend_schema(
    summary="Сертификаты моих детей",
    description=(
        "Сертификат каждого ребёнка: номер, вид, статус, срок действия и счета по периодам финансирования "
        "(номинал, резерв, списано, доступно). Суммы — строки с двумя знаками после точки."
    ),
    responses={200: CertificateSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
)
class MyCertificatesView(_ParentListView):
    serializer_class = CertificateSerializer

    def get_queryset(self):
        return parent_certificates(parent=self.request.user)

    def list(self, request, *args, **kwargs):
        page = with_current_account(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- The statement ---------------------------------------------------------------------------------


class StatementPeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="period_id", read_only=True)
    name = serializers.CharField(source="period_name", read_only=True)


class StatementProgramSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    group = serializers.CharField(read_only=True, help_text="Название группы.")


class StatementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, help_text="Время операции.")
    kind = serializers.ChoiceField(
        choices=["OPEN", "RESERVE", "RELEASE", "DEBIT", "REFUND"],
        read_only=True,
        help_text="OPEN — начисление номинала, RESERVE — резерв по договору, RELEASE — снятие резерва, "
        "DEBIT — списание за занятие, REFUND — возврат (сторно).",
    )
    kind_name = serializers.CharField(source="kind_label", read_only=True)
    amount = AmountField(
        help_text="Сумма со знаком со стороны сертификата: «+» — начислено или возвращено, «−» — "
        "зарезервировано или списано."
    )
    nominal_delta = AmountField(help_text="Изменение номинала.")
    reserved_delta = AmountField(help_text="Изменение резерва.")
    spent_delta = AmountField(help_text="Изменение списанного.")
    period = StatementPeriodSerializer(
        source="*", read_only=True, help_text="Период финансирования, к счёту которого относится операция."
    )
    program = serializers.SerializerMethodField(help_text="Программа и группа; null для начисления номинала.")
    service_kind = serializers.ChoiceField(
        choices=["LESSON", "MONTH"],
        read_only=True,
        allow_null=True,
        help_text="За что платёж: LESSON — занятие, MONTH — месяц; null — операция не за занятие.",
    )
    service_date = serializers.DateField(
        read_only=True, allow_null=True, help_text="Дата занятия или первое число оплаченного месяца."
    )
    description = serializers.CharField(read_only=True)

    @extend_schema_field(StatementProgramSerializer(allow_null=True))
    def get_program(self, line) -> dict | None:
        if line.program_id is None:
            return None
        return {"id": line.program_id, "title": line.program_title, "group": line.group_name}


@extend_schema(
    summary="Выписка по сертификату",
    description=(
        "Все операции по сертификату ребёнка родителя, новые первыми, по 20 на странице: дата, вид, сумма, "
        "программа и занятие. Чужой или несуществующий номер — 404. Страница за последней — пустой список."
    ),
    parameters=[
        OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, description="Номер сертификата, 10 цифр.")
    ],
    responses={
        200: StatementLineSerializer(many=True),
        400: ErrorSerializer,
        403: ErrorSerializer,
        404: ErrorSerializer,
    },
)
class CertificateStatementView(_ParentListView):
    serializer_class = StatementLineSerializer

    def get_queryset(self):
        certificate = parent_certificate(parent=self.request.user, number=self.kwargs["number"])
        if certificate is None:
            raise Http404
        return certificate_statement(certificate=certificate)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(statement_lines(page), many=True).data)
