"""Give psql sessions the business time zone.

The runbook's SQL uses CURRENT_DATE and DATE(date_action); run from psql they
must mean the same day as the app's `timezone.localdate()`, not UTC's.
"""
from django.conf import settings
from django.db import migrations


def set_database_timezone(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (name,) = cursor.fetchone()
        quoted = connection.ops.quote_name(name)
        cursor.execute(f"ALTER DATABASE {quoted} SET timezone TO %s" % "'%s'" % settings.TIME_ZONE)


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_initial")]

    operations = [migrations.RunPython(set_database_timezone, migrations.RunPython.noop)]
