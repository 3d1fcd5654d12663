"""Make the custody log append-only in the database: triggers abort UPDATE and DELETE
(PostgreSQL: a PL/pgSQL trigger; SQLite: RAISE(ABORT)). See barys.cryobank.custody.

A later migration that rebuilds the custody table on SQLite must run install_triggers again
(SQLite drops a table's triggers with the table); test_custody checks they are present.
"""

from django.db import migrations


def install(apps, schema_editor):
    from barys.cryobank.custody import install_triggers

    install_triggers(schema_editor)


def remove(apps, schema_editor):
    from barys.cryobank.custody import remove_triggers

    remove_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("cryobank", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
