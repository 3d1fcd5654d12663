"""Search tokens say whether their taxon is a species or subspecies, with an index whose
range holds those tokens together (the species list's search reads only that range)."""

from django.db import migrations, models

SPECIES_RANKS = ("species", "subspecies")


def mark_species_level(apps, schema_editor):
    Taxon = apps.get_model("taxa", "Taxon")
    SearchToken = apps.get_model("taxa", "SearchToken")
    species = Taxon.objects.filter(rank__in=SPECIES_RANKS).values("pk")
    SearchToken.objects.filter(taxon_id__in=species).update(species_level=True)


class Migration(migrations.Migration):
    dependencies = [
        ("taxa", "0002_search_token_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchtoken",
            name="species_level",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_species_level, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="searchtoken",
            index=models.Index(
                fields=["species_level", "token", "taxon", "weight"], name="species_token"
            ),
        ),
    ]
