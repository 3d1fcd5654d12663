"""Seed the built-in incident types (existing ones, perhaps edited by curators, are kept)."""

from django.db import migrations


def seed(apps, schema_editor):
    from barys.incidents.builtin_types import seed_builtin_types

    seed_builtin_types(apps.get_model("incidents", "IncidentType"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
