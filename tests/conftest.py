import pytest

# Fixtures shared by the whole suite: phone_page (real Chromium).
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _russian_ui(settings):
    """Tests see the portal as a Russian parent does unless they switch language themselves."""
    settings.LANGUAGE_CODE = "ru"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached facets and pages must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
