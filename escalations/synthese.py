"""The directors' weekly PDF digest, sent through the outbox like every other email."""
import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from akig_ops.lib.contraintes import contrainte_violee
from escalations.models import EtatEscalade, Escalade, Message, Niveau, TypeRapport
from escalations.notifications import destinataires
from escalations.outbox import message_creer, url_absolue


def synthese_hebdo_envoyer() -> Message | None:
    """Queue the weekly digest (PDF built by the sending task) for Direction and the PDG,
    once per ISO week however often beat asks; return the outbox row, or None when no
    director has an address or this week's digest is already queued."""
    adresses = destinataires(escalade=None, niveau=Niveau.PDG)
    if not adresses:
        return None
    maintenant = timezone.now()
    debut = maintenant - datetime.timedelta(days=7)
    contexte = {
        "debut": timezone.localtime(debut),
        "fin": timezone.localtime(maintenant),
        "nb_declenchees": Escalade.objects.filter(declenchee_le__gte=debut).count(),
        "nb_ouvertes": Escalade.objects.exclude(etat=EtatEscalade.RESOLUE).count(),
        "url_escalades": url_absolue("/escalations/"),
    }
    annee, semaine, _jour = timezone.localdate(maintenant).isocalendar()
    cle = f"synthese-hebdo:{annee}-S{semaine:02d}"
    try:
        with transaction.atomic():
            return message_creer(gabarit="synthese-hebdo", destinataires=adresses, contexte=contexte,
                                 rapport_type=TypeRapport.HEBDO, cle=cle)
    except IntegrityError as erreur:
        # message_cle_unique: this week's digest is already in the outbox; anything else is real.
        if contrainte_violee(erreur, "message_cle_unique", Message.objects.filter(cle=cle)):
            return None
        raise
