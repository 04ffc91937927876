"""`migrate` under a PostgreSQL advisory lock: web hosts started together (docker-compose's
backend runs `migrate` before gunicorn) apply the migrations once; the others wait for the lock,
then find nothing left to do."""
from django.core.management.commands.migrate import Command as CommandeDjango

from akig_ops.lib.verrous import verrou_pg

VERROU = "akig:migrate"


class Command(CommandeDjango):
    def handle(self, *args, **options):
        with verrou_pg(VERROU, attendre=True, base=options["database"]):
            return super().handle(*args, **options)
