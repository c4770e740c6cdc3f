"""The provider's door: parents' published ratings of the organisation's programs and its public answer
to each (enrollments.ratings). The manager's only; another organisation's rating, or one not published, is
not answered (404 / 409)."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from api.errors import ErrorSerializer
from api.pagination import PortalPagination
from api.permissions import IsProviderManager
from enrollments.models import ProgramRating
from enrollments.ratings import provider_ratings, rating_answer


class RatingSerializer(serializers.ModelSerializer):
    program_title = serializers.CharField(source="program.title", read_only=True)

    class Meta:
        model = ProgramRating
        fields = [
            "id",
            "program",
            "program_title",
            "results",
            "teachers",
            "facilities",
            "overall",
            "comment",
            "created_at",
            "answer",
            "answered_at",
        ]
        read_only_fields = fields


class RatingAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=ProgramRating._meta.get_field("answer").max_length)


class _RatingView(generics.GenericAPIView):
    serializer_class = RatingSerializer
    permission_classes = [IsProviderManager]

    def get_queryset(self):
        return provider_ratings(provider_id=self.request.user.provider_id)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


@extend_schema(
    summary="Оценки программ моей организации",
    description="Опубликованные оценки родителей: сначала без ответа, затем новые. Только руководитель.",
    responses={200: RatingSerializer(many=True), 403: ErrorSerializer},
)
class ProviderRatingListView(_RatingView, generics.ListAPIView):
    pagination_class = PortalPagination
    filter_backends = []


class ProviderRatingAnswerView(_RatingView):
    @extend_schema(
        summary="Ответить на оценку",
        description=(
            "Публичный ответ организации под оценкой на странице программы; новый ответ заменяет прежний. "
            "Чужая оценка — 404, ещё не опубликованная — 409 `decision_not_allowed`. Только руководитель."
        ),
        request=RatingAnswerSerializer,
        responses={200: RatingSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, pk: int):
        write = RatingAnswerSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        rating = rating_answer(staff=request.user, rating_id=pk, answer=write.validated_data["answer"])
        return Response(RatingSerializer(rating).data)
