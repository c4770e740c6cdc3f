from django.conf import settings


def portal(request):
    return {"PORTAL_REGION_NAME": settings.PORTAL_REGION_NAME}
