from django.db import migrations

from catalog.directions import ensure_directions


def create_directions(apps, schema_editor):
    ensure_directions(apps.get_model("catalog", "Direction"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_directions, migrations.RunPython.noop)]
