# Indexes measured with bench/catalog_search.py (see docs/benchmarks.md, "Catalog search").

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_vocabulary_schedule"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                condition=models.Q(("status", "CERTIFIED")), fields=["title", "id"], name="program_catalog_title"
            ),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                django.db.models.expressions.OrderBy(
                    django.db.models.expressions.F("rating"), descending=True, nulls_last=True
                ),
                django.db.models.expressions.OrderBy(django.db.models.expressions.F("rating_count"), descending=True),
                models.F("title"),
                models.F("id"),
                condition=models.Q(("status", "CERTIFIED")),
                name="program_catalog_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="program",
            index=models.Index(
                condition=models.Q(("status", "CERTIFIED")),
                fields=["provider", "direction"],
                include=("funding", "age_min", "age_max", "special_needs", "id"),
                name="program_catalog_facets",
            ),
        ),
    ]
