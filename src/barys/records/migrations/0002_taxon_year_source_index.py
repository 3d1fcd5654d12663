"""Records of a taxon: count, years and number of sources read from one index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("taxa", "0003_search_token_species_level"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="occurrence",
            index=models.Index(
                fields=["taxon", "year", "source"], name="records_occ_taxon_i_78af40_idx"
            ),
        ),
        migrations.RemoveIndex(
            model_name="occurrence",
            name="records_occ_taxon_i_744c8c_idx",
        ),
    ]
