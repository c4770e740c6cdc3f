import pytest
from django.utils import timezone

from tests.certificates.factories import FundingPeriodFactory, school_year_of


@pytest.fixture
def period():
    """The funding period (a school year, PER_LESSON, 10 000 ₽ nominal) running today in a new municipality."""
    return FundingPeriodFactory(year=school_year_of(timezone.localdate()))
