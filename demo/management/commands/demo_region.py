"""Fill an empty database with a realistic Тульская область for demos and load tests."""

import json

from django.core.management.base import BaseCommand, CommandError

from demo.generator import SCALES, generate_region, region_is_loaded
from demo.logins import DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Создаёт демонстрационные данные Тульской области: муниципалитеты, организации, программы, группы, "
        "родителей, детей, сертификаты и демо-учётные записи. Только для пустой базы."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=71, help="Зерно генератора; одинаковое зерно — одинаковые данные."
        )
        parser.add_argument(
            "--scale",
            choices=["small", "full", "tiny"],
            default="small",
            help="small — демо (по умолчанию); full — объём крупного региона (300 000 детей).",
        )
        parser.add_argument("--if-empty", action="store_true", help="Ничего не делать, если муниципалитеты уже есть.")
        parser.add_argument("--timings-json", help="Записать время по фазам в этот JSON-файл (для bench/).")

    def handle(self, *args, seed, scale, if_empty, timings_json, **options):
        # Verbosity 0 (./run) says one line when it loads and nothing when there is nothing to do.
        verbose = options["verbosity"] >= 1
        if region_is_loaded():
            if if_empty:
                if verbose:
                    self.stdout.write("Демо-данные не нужны: муниципалитеты уже есть.")
                return
            raise CommandError("В базе уже есть муниципалитеты; demo_region заполняет только пустую базу.")
        size = SCALES[scale]
        summary = (
            f"Тульская область, масштаб {scale} (seed {seed}): {size.providers} организаций, "
            f"{size.programs} программ, {size.groups} групп"
        )
        if verbose:
            self.stdout.write(summary + "…")
        report = generate_region(scale=scale, seed=seed, log=self.stdout.write if verbose else None)
        if verbose:
            self.stdout.write(self.style.SUCCESS(f"Готово за {report.seconds:.1f} с."))
            self.stdout.write(f"Демо-входы (пароль {DEMO_PASSWORD}, только для разработки):")
            for username, role, where in report.logins:
                self.stdout.write(f"  {username:<10} {role}: {where}")
        else:
            self.stdout.write(f"Демо-данные: {summary}; загружены за {report.seconds:.1f} с.")
        if timings_json:
            with open(timings_json, "w", encoding="utf-8") as out:
                json.dump(
                    {
                        "scale": scale,
                        "seed": seed,
                        "phases": [{"name": p.name, "seconds": p.seconds, "rows": p.rows} for p in report.phases],
                        "seconds": report.seconds,
                    },
                    out,
                    ensure_ascii=False,
                    indent=2,
                )
