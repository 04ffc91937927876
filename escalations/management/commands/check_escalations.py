"""manage.py check_escalations — evaluate the escalation rules now (cron, or no Redis).

With Celery eager (no REDIS_URL) the emails go at once: each message's send task runs
in-process when its transaction commits, and the outbox is swept at the end so retries that
are due (an SMTP server back after an outage) leave too. Either way the command ends with the
outbox as the database holds it: sent by this run, still to send, waiting for a retry, failed.
"""
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from escalations.outbox import outbox_vider
from escalations.selectors import boite_envoi_etat
from escalations.services import escalades_evaluer

# What an evaluation's counts say, in the order they are told.
BILAN = [
    ("declenchees", ngettext_lazy("%(n)s escalade déclenchée", "%(n)s escalades déclenchées", "n")),
    ("relancees", ngettext_lazy("%(n)s escalade relancée au niveau supérieur",
                                "%(n)s escalades relancées au niveau supérieur", "n")),
    ("resolues", ngettext_lazy("%(n)s escalade résolue automatiquement", "%(n)s escalades résolues automatiquement",
                               "n")),
    ("en_attente", ngettext_lazy("%(n)s condition attend la durée de sa règle",
                                 "%(n)s conditions attendent la durée de leur règle", "n")),
    ("en_sourdine", ngettext_lazy("%(n)s condition en sourdine (escalade résolue par une personne)",
                                  "%(n)s conditions en sourdine (escalades résolues par une personne)", "n")),
]


def evaluation_texte(bilan: dict[str, int]) -> str:
    """One line of what the evaluation did, in French ("rien à signaler" when nothing)."""
    parties = [str(texte % {"n": bilan[cle]}) for cle, texte in BILAN if bilan.get(cle)]
    return _("Évaluation : %(bilan)s.") % {"bilan": ", ".join(parties) or _("rien à signaler")}


def boite_envoi_texte(etat: dict) -> str:
    """One line of the outbox's state as stored, every state named, 0 included."""
    parties = [
        ngettext("%(n)s e-mail envoyé", "%(n)s e-mails envoyés", etat["envoyes"]) % {"n": etat["envoyes"]},
        ngettext("%(n)s e-mail à envoyer", "%(n)s e-mails à envoyer", etat["a_envoyer"]) % {"n": etat["a_envoyer"]},
    ]
    if etat["en_cours"]:
        parties.append(ngettext("%(n)s e-mail en cours d'envoi", "%(n)s e-mails en cours d'envoi",
                                etat["en_cours"]) % {"n": etat["en_cours"]})
    reessai = ngettext("%(n)s e-mail en attente d'un nouvel essai", "%(n)s e-mails en attente d'un nouvel essai",
                       etat["en_reessai"]) % {"n": etat["en_reessai"]}
    if etat["prochain_essai"]:
        reessai += " " + _("(prochain essai le %(quand)s)") % {
            "quand": timezone.localtime(etat["prochain_essai"]).strftime("%d/%m/%Y à %H:%M")
        }
    parties.append(reessai)
    parties.append(ngettext("%(n)s e-mail en échec", "%(n)s e-mails en échec", etat["en_echec"]) % {
        "n": etat["en_echec"]
    })
    return _("Boîte d'envoi : %(etat)s.") % {"etat": ", ".join(parties)}


class Command(BaseCommand):
    help = "Évalue les règles d'escalade (déclenche, relance, résout), envoie les e-mails dus et dit où en est la boîte d'envoi."

    def handle(self, *args, **options):
        debut = timezone.now()
        self.stdout.write(evaluation_texte(escalades_evaluer()))
        if settings.CELERY_TASK_ALWAYS_EAGER:
            outbox_vider()
        self.stdout.write(boite_envoi_texte(boite_envoi_etat(depuis=debut)))
