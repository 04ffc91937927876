"""The runbook's actions for each alert, as a checklist that records who did what and when."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agents.selectors import agents_des_equipes_des_sites, agents_missions_non_complete
from agents.services import missions_planifiees_transferer
from akig_ops.lib import valeurs
from akig_ops.lib.cache_donnees import donnees_modifiees
from akig_ops.lib.formats import Formats
from escalations.models import Escalade, Evenement, TypeEvenement, TypeRegle

# (code, label, what the runbook says) — runbook "Impayés Critiques", 3. Actions correctives.
ACTIONS_IMPAYES = [
    ("escalade_juridique", gettext_lazy("Escalade juridique"), gettext_lazy("Dettes de plus de %(seuil)s : transmettre au service juridique.")),
    ("rappel_pdg", gettext_lazy("Rappel PDG"), gettext_lazy("Sites sensibles : le PDG rappelle le gestionnaire.")),
    ("reassigner_agents", gettext_lazy("Réassigner des agents"), gettext_lazy("Confier les missions ouvertes des agents les moins performants.")),
    ("campagne_appels", gettext_lazy("Campagne appels/SMS"), gettext_lazy("Appeler ou écrire à tous les locataires concernés.")),
]
# Runbook "Performance Agents Très Basse", Actions.
ACTIONS_AGENT = [
    ("agent_contacte", gettext_lazy("Agent contacté"), gettext_lazy("Contacter l'agent directement (WhatsApp/appel).")),
    ("gps_verifie", gettext_lazy("GPS vérifié"), gettext_lazy("Vérifier la localisation GPS : mission réelle vs planifiée ?")),
    ("saisie_validee", gettext_lazy("Saisie validée"), gettext_lazy("Valider la qualité de saisie : les données sont complètes ?")),
    ("coaching_planifie", gettext_lazy("Coaching planifié"), gettext_lazy("Point de suivi avec le chef d'équipe.")),
]
# Runbook "Performance Agents Très Basse", Causes possibles.
CAUSES_AGENT = [
    (gettext_lazy("Réseau/GPS"), gettext_lazy("Problème de connectivité de l'agent.")),
    (gettext_lazy("Domaine"), gettext_lazy("Locataires inaccessibles ou fermés.")),
    (gettext_lazy("Motivation"), gettext_lazy("Agent démotivé ou malade.")),
    (gettext_lazy("Système"), gettext_lazy("Erreur de saisie des données.")),
]


def actions_impayes(*, seuil_contentieux: Decimal) -> list[tuple]:
    """Return ACTIONS_IMPAYES with the legal list's threshold (the overall rule's
    seuil_contentieux) written into the hints, in fr-FR money."""
    montant = Formats().montant_seuil(seuil_contentieux)
    return [(code, libelle, str(aide) % {"seuil": montant}) for code, libelle, aide in ACTIONS_IMPAYES]


def actions_de(escalade: Escalade, *, seuil_contentieux: Decimal | None) -> list[tuple]:
    """Return the checklist items (code, label, hint) of the escalation's rule (an impayés
    rule's say `seuil_contentieux`, None for the agents' rule)."""
    if escalade.regle.type == TypeRegle.SCORE_AGENT:
        return ACTIONS_AGENT
    return actions_impayes(seuil_contentieux=seuil_contentieux)


def texte_libre_verifier(*, champ: str, libelle: str, valeur: str) -> str:
    """Return `valeur` when valeurs.texte accepts it (no NUL, no control character but line
    breaks); raise ValidationError naming the field with the French reason otherwise."""
    try:
        return valeurs.texte(valeur)
    except valeurs.ValeurInvalide as exc:
        raise ValidationError({champ: f"{libelle} : {exc}."}) from None


def action_enregistrer(*, escalade: Escalade, user, action: str, commentaire: str = "",
                       valeur: dict | None = None) -> Evenement:
    """Record that `user` did checklist item `action` (timeline line); return it. Raise
    ValidationError naming the field for an item that is not this rule's."""
    actions = ACTIONS_AGENT if escalade.regle.type == TypeRegle.SCORE_AGENT else ACTIONS_IMPAYES
    libelles = {code: str(libelle) for code, libelle, _aide in actions}
    if action not in libelles:
        raise ValidationError({"action": _("Action inconnue pour cette escalade : %(action)s.") % {"action": action}})
    texte_libre_verifier(champ="commentaire", libelle=_("Commentaire"), valeur=commentaire)
    return Evenement.objects.create(
        escalade=escalade, type=TypeEvenement.ACTION, action=action, auteur=user,
        message=commentaire.strip()[:2000], valeur={"libelle": libelles[action], **(valeur or {})},
    )


def missions_reassigner(*, escalade: Escalade, user, site_ids: list[int], de_agent_id: int,
                        vers_agent_id: int) -> int:
    """Move `de_agent`'s open missions (planned, from today on) on the escalation's sites to
    `vers_agent`, and record it; return how many moved. ValidationError names the field."""
    if de_agent_id == vers_agent_id:
        raise ValidationError({"vers_agent": _("Agent repreneur : choisissez un autre agent que celui qui cède ses missions.")})
    if de_agent_id not in {ligne["agent_id"] for ligne in agents_missions_non_complete(site_ids=site_ids)}:
        raise ValidationError({"de_agent": _("Agent cédant : choisissez un agent de la liste (missions non terminées sur ces sites).")})
    vers = next((a for a in agents_des_equipes_des_sites(site_ids=site_ids) if a.pk == vers_agent_id), None)
    if vers is None:
        raise ValidationError({"vers_agent": _("Agent repreneur : choisissez un agent actif de l'équipe du site dans la liste.")})
    with transaction.atomic():
        nb = missions_planifiees_transferer(
            de_agent_id=de_agent_id, vers_agent_id=vers.pk, site_ids=site_ids, depuis=timezone.localdate(),
        )
        action_enregistrer(
            escalade=escalade, user=user, action="reassigner_agents",
            commentaire=ngettext(
                "%(nb)s mission réassignée à %(agent)s.", "%(nb)s missions réassignées à %(agent)s.", nb
            ) % {"nb": nb, "agent": vers},
            valeur={"de_agent_id": de_agent_id, "vers_agent_id": vers_agent_id, "missions": nb},
        )
    if nb:
        donnees_modifiees()  # the agents' pages count today's missions: not from an old cache
    return nb
