"""The enrollment tables take this app's names, and existing permissions and admin history follow the
models (their content types move from `navigator` to `enrollments`)."""

from django.db import migrations


def content_types_follow(apps, schema_editor, from_label="navigator", to_label="enrollments"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label=from_label, model__in=["enrollment", "enrollmentevent"]
    ).update(app_label=to_label)


def content_types_back(apps, schema_editor):
    content_types_follow(apps, schema_editor, from_label="enrollments", to_label="navigator")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollments", "0001_initial"),
        ("navigator", "0002_models_moved_out"),
    ]

    operations = [
        migrations.AlterModelTable(name="enrollment", table=None),
        migrations.AlterModelTable(name="enrollmentevent", table=None),
        migrations.RenameIndex(
            model_name="enrollment", new_name="enrollment_group_status", old_name="navigator_e_group_i_a0b376_idx"
        ),
        migrations.RenameIndex(
            model_name="enrollment", new_name="enrollment_status_expires", old_name="navigator_e_status_a2227b_idx"
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
