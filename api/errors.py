"""The API's one error format (see core.api): its schema, and the answer for paths no API view matches."""

from django.http import JsonResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from core.api import error_body


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Постоянный код ошибки: invalid, not_found, …")
    message = serializers.CharField(help_text="Сообщение для человека, на русском.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Ошибки по параметрам: имя параметра → сообщения.",
    )


class ErrorSerializer(serializers.Serializer):
    """For the OpenAPI schema only: responses are built by core.api.exception_handler."""

    error = ErrorDetailSerializer()


def not_found(request, *args, **kwargs) -> JsonResponse:
    # the same words as a 404 raised inside a DRF view
    return JsonResponse(error_body(NotFound.default_code, str(NotFound.default_detail)), status=404)
