"""Records of a taxon read from one index: the species page's count, years and sources,
and the coordinates and years EOO and AOO are computed from."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0001_initial'),
        ('taxa', '0003_search_token_species_level'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='occurrence',
            index=models.Index(fields=['taxon', 'year', 'source', 'occurrence_status', 'flags', 'latitude', 'longitude'], name='records_occ_taxon_i_de9df1_idx'),
        ),
        migrations.RemoveIndex(
            model_name='occurrence',
            name='records_occ_taxon_i_744c8c_idx',
        ),
    ]
