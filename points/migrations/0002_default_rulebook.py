from django.db import migrations


def install_default_rulebook(apps, schema_editor):
    from points.defaults import install

    install(
        apps.get_model("points", "RulebookVersion"),
        apps.get_model("points", "Rule"),
        apps.get_model("points", "Level"),
    )


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [
        migrations.RunPython(install_default_rulebook, migrations.RunPython.noop),
    ]
