"""Factories for notices."""

from factory import SubFactory
from factory.django import DjangoModelFactory

from notices.models import Notification
from tests.accounts.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = SubFactory(UserFactory)
    subject = ""
    title = "Заявка подана"
    body = "Организация рассмотрит заявку в течение трёх рабочих дней."
