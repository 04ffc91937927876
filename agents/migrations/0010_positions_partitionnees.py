"""agent_geolocalisation becomes partitioned by month of `timestamp` (PostgreSQL; nothing
elsewhere): every row copied into the monthly partitions, from the oldest row's month to
agents.partitions.MOIS_D_AVANCE months ahead, plus the default partition. The primary key
becomes (id, timestamp), as PostgreSQL asks of a partitioned table; the model keeps `id` as
Django's primary key (unique by its identity sequence; nothing points at a position), and the
dedup key (agent_id, timestamp) already holds the partition key. One transaction: the
positions are locked while the rows are copied (about 6 min for 20 M rows: docs/operations.md)."""
from django.conf import settings
from django.db import migrations
from django.utils import timezone

from akig_ops.lib import partitions

TABLE = "agent_geolocalisation"
UNIQUES = {"position_agent_instant": 'agent_id, "timestamp"'}
# agents.partitions.MOIS_D_AVANCE when this migration was written (a migration does not follow
# later changes of the app's code).
MOIS_D_AVANCE = 3


def partitionner(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or partitions.est_partitionnee(TABLE):
        return
    ce_mois = partitions.mois_de(timezone.localdate())
    partitions.table_partitionner(
        table=TABLE, colonne="timestamp", uniques=UNIQUES, fuseau=settings.TIME_ZONE,
        depuis=ce_mois, jusqu_a=partitions.mois_decaler(ce_mois, MOIS_D_AVANCE),
    )


def departitionner(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not partitions.est_partitionnee(TABLE):
        return
    partitions.table_departitionner(table=TABLE, uniques=UNIQUES)


class Migration(migrations.Migration):

    dependencies = [
        ("agents", "0009_taches"),
    ]

    operations = [
        migrations.RunPython(partitionner, departitionner, elidable=False),
    ]
