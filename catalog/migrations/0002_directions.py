from django.db import migrations

DIRECTIONS = [
    ("technical", "Техническая"),
    ("science", "Естественнонаучная"),
    ("sports", "Физкультурно-спортивная"),
    ("arts", "Художественная"),
    ("tourism", "Туристско-краеведческая"),
    ("social", "Социально-гуманитарная"),
]


def create_directions(apps, schema_editor):
    Direction = apps.get_model("catalog", "Direction")
    for position, (code, name) in enumerate(DIRECTIONS, start=1):
        Direction.objects.update_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_directions, migrations.RunPython.noop)]
