from django.core.management.base import BaseCommand

from esia_standin.models import Person
from esia_standin.services import load_demo_people


class Command(BaseCommand):
    help = (
        "Заполняет учебный стенд Госуслуг родителями и детьми из базы портала (демо-данные). "
        "Прежнее содержимое стенда заменяется."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Ничего не делать, если на стенде уже есть люди.")

    def handle(self, *args, if_empty, **options):
        if if_empty and Person.objects.exists():
            self.stdout.write("Стенд Госуслуг уже заполнен.")
            return
        count = load_demo_people()
        self.stdout.write(self.style.SUCCESS(f"На стенде Госуслуг {count} родителей с детьми."))
