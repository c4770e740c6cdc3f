"""Pieces every API door shares: amounts as strings, and the brief forms of catalog objects."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Direction, Group, Municipality, Provider, ScheduleSlot
from core.money import DECIMAL_PLACES, MAX_DIGITS


class AmountField(serializers.DecimalField):
    """Roubles as a string with two decimals ("250.00"), like every amount in the API."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, coerce_to_string=True, **kwargs)


class ProviderBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["id", "short_name"]


class MunicipalityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "name"]


class DirectionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Direction
        fields = ["code", "name"]


class ScheduleSlotSerializer(serializers.ModelSerializer):
    weekday_name = serializers.CharField(source="get_weekday_display", read_only=True)

    class Meta:
        model = ScheduleSlot
        fields = ["weekday", "weekday_name", "start_time", "end_time", "room"]
        read_only_fields = fields


class GroupSerializer(serializers.ModelSerializer):
    seats_left = serializers.IntegerField(
        read_only=True, help_text="Свободные места: вместимость минус заявки и договоры, занимающие место."
    )
    schedule = ScheduleSlotSerializer(many=True, read_only=True)

    class Meta:
        model = Group
        fields = [
            "id",
            "name",
            "teacher",
            "capacity",
            "seats_left",
            "start_date",
            "end_date",
            "enrollment_open",
            "schedule",
        ]
        read_only_fields = fields
