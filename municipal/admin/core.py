from django.contrib import admin

from core.models import Heartbeat
from municipal.admin.base import MunicipalityScopedAdmin


@admin.register(Heartbeat)
class HeartbeatAdmin(MunicipalityScopedAdmin):
    municipality_path = None
    list_display = ["name", "at"]
