"""manage.py check_escalations — evaluate the escalation rules now (cron, or no Redis).

With Celery eager (no REDIS_URL) the emails go at once: each message's send task runs
in-process when its transaction commits, and the outbox is swept at the end so retries that
are due (an SMTP server back after an outage) leave too.
"""
from django.conf import settings
from django.core.management.base import BaseCommand

from escalations.outbox import outbox_vider
from escalations.services import escalades_evaluer


class Command(BaseCommand):
    help = "Évalue les règles d'escalade (déclenche, relance, résout) et envoie les e-mails dus."

    def handle(self, *args, **options):
        bilan = escalades_evaluer()
        self.stdout.write("Évaluation : " + (", ".join(f"{k} {v}" for k, v in sorted(bilan.items())) or "rien à signaler"))
        if settings.CELERY_TASK_ALWAYS_EAGER:
            envois = outbox_vider()
            self.stdout.write("Boîte d'envoi : " + (", ".join(f"{k} {v}" for k, v in sorted(envois.items())) or "vide"))
