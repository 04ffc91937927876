"""Moving tenants on the follow-up ladder and creating the work of the step reached.

Run daily by relances.tasks.relances_avancer_task (and the `relances_avancer` command). Each
tenant moves by a compare-and-set UPDATE on its state's version, and its move is a Passage
unique per (tenant, version): a second runner (a restarted beat, two workers) changes nothing
and creates no second mission, task or letter.
"""
from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.selectors import agent_du_site, agents_par_id
from agents.services import mission_relance_assurer, tache_creer
from akig_ops.lib.cache_donnees import donnees_modifiees
from akig_ops.services import battement_enregistrer
from recovery.promesses import ROMPUE, TENUE, tolerance_jours
from recovery.selectors import echeances_plus_anciennes, locataires_en_pause, promesses_jugees
from relances.lettres import lettre_pdf
from relances.models import Etape, EtatRelance, Lettre, Motif, Passage, TypeEtape


def _rang_par_retard(etapes: list[Etape], retard: int) -> int:
    """The index of the last step reached at `retard` days late; -1 before the first."""
    rang = -1
    for i, etape in enumerate(etapes):
        if etape.jours_retard <= retard:
            rang = i
    return rang


def _rang_actuel(etapes: list[Etape], etat: EtatRelance) -> int:
    if etat.etape_id is None:
        return -1
    for i, etape in enumerate(etapes):
        if etape.pk == etat.etape_id:
            return i
    # A step since switched off: where its days late would put it among the active ones.
    return _rang_par_retard(etapes, Etape.objects.get(pk=etat.etape_id).jours_retard)


def _evenements(etats: dict[int, EtatRelance], aujourd_hui: datetime.date) -> dict[int, list[str]]:
    """{tenant id: [statut]} of the promises judged since each tenant's last evaluation (for a
    tenant never evaluated: today), oldest judgement first."""
    depuis = min((e.evalue_le for e in etats.values() if e.evalue_le), default=aujourd_hui)
    evenements = defaultdict(list)
    promesses = promesses_jugees(aujourd_hui=aujourd_hui,
                                 echeance_du=depuis - datetime.timedelta(days=tolerance_jours()))
    for promesse in sorted(promesses, key=lambda p: (p.juge_le or aujourd_hui, p.id)):
        if promesse.statut not in (TENUE, ROMPUE):
            continue
        etat = etats.get(promesse.locataire_id)
        vu_le = etat.evalue_le if etat and etat.evalue_le else aujourd_hui - datetime.timedelta(days=1)
        if vu_le < promesse.juge_le <= aujourd_hui:
            evenements[promesse.locataire_id].append(promesse.statut)
    return evenements


def _travail(etape: Etape, *, locataire_id: int, site_id: int, passage: Passage, aujourd_hui) -> str:
    """Create the step's work for the tenant; return what was done, in French."""
    if etape.type_etape == TypeEtape.JURIDIQUE:
        return "ajouté au suivi de la liste juridique"
    if etape.type_etape == TypeEtape.MISE_EN_DEMEURE:
        pdf, reste_du = lettre_pdf(locataire_id=locataire_id, aujourd_hui=aujourd_hui)
        Lettre.objects.create(locataire_id=locataire_id, passage=passage, reste_du=reste_du, pdf=pdf)
        return "mise en demeure en PDF"
    agent_id = agent_du_site(site_id=site_id, jour=aujourd_hui)
    if agent_id is None:
        return "aucun agent ne couvre le site : travail à confier"
    code = agents_par_id(agent_ids=[agent_id])[agent_id].code
    if etape.type_etape == TypeEtape.VISITE:
        mission, creee = mission_relance_assurer(agent_id=agent_id, site_id=site_id, jour=aujourd_hui)
        return f"mission {mission.reference} du {mission.date_prevue:%d/%m/%Y} ({'créée' if creee else 'réutilisée'}) pour {code}"
    tache_creer(agent_id=agent_id, locataire_id=locataire_id, type_tache=etape.type_etape, jour=aujourd_hui,
                motif=str(etape))
    return f"{etape.get_type_etape_display()} à faire par {code}"


def relances_avancer(*, aujourd_hui: datetime.date | None = None) -> dict[str, int]:
    """Move every tenant to the step they have reached on `aujourd_hui` (default: today) and
    create the work of each step climbed to. Return {"montees", "descentes", "inchanges"}.

    The step reached: the last active step whose days late the tenant's oldest unpaid
    instalment not paused (litigation, payment plan) has reached, plus one per promise broken and minus one per promise kept since
    that instalment became the oldest (a payment clearing it starts the count again)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    etapes = list(Etape.objects.filter(active=True).order_by("jours_retard"))
    anciennes = echeances_plus_anciennes(aujourd_hui=aujourd_hui)
    etats = {e.locataire_id: e for e in EtatRelance.objects.all()}
    evenements = _evenements(etats, aujourd_hui)
    en_pause = locataires_en_pause(jour=aujourd_hui)
    comptes = {"montees": 0, "descentes": 0, "inchanges": 0}
    a_voir = set(anciennes) | {lid for lid, e in etats.items() if e.etape_id is not None} | set(evenements)
    for locataire_id in sorted(a_voir):
        etat = etats.get(locataire_id)
        if etat is None:
            try:
                etat, _ = EtatRelance.objects.get_or_create(locataire_id=locataire_id)
            except IntegrityError:  # another runner created it between our read and write
                etat = EtatRelance.objects.get(locataire_id=locataire_id)
        sens = _avancer(etat, etapes=etapes, ancienne=anciennes.get(locataire_id),
                        evenements=evenements.get(locataire_id, []), aujourd_hui=aujourd_hui,
                        en_pause=locataire_id in en_pause)
        comptes[sens] += 1
    if comptes["montees"] or comptes["descentes"]:
        donnees_modifiees()
    battement_enregistrer(nom="relances", details=comptes)
    return comptes


def _avancer(etat: EtatRelance, *, etapes, ancienne, evenements: list[str], aujourd_hui, en_pause: bool) -> str:
    reference = ancienne.reference if ancienne else ""
    nouvelle_echeance = reference != etat.reference_echeance
    decalage = 0 if nouvelle_echeance else etat.decalage
    decalage += evenements.count(ROMPUE) - evenements.count(TENUE)
    if ancienne is None:
        base, cible = -1, -1
    else:
        base = _rang_par_retard(etapes, (aujourd_hui - ancienne.date_echeance).days)
        cible = max(-1, min(len(etapes) - 1, base + decalage))
    decalage = cible - base
    actuel = _rang_actuel(etapes, etat)
    nouvelle = etapes[cible] if cible >= 0 else None
    with transaction.atomic():
        change = {"reference_echeance": reference, "decalage": decalage, "evalue_le": aujourd_hui,
                  "version": etat.version + (cible != actuel)}
        if cible != actuel:
            # The day evaluated (a catch-up run for a past day says that day), at the time of the run.
            depuis = datetime.datetime.combine(aujourd_hui, timezone.localtime().time())
            change.update(etape=nouvelle, depuis=timezone.make_aware(depuis))
        if not EtatRelance.objects.filter(pk=etat.pk, version=etat.version).update(**change):
            return "inchanges"  # another runner moved it first
        if cible == actuel:
            return "inchanges"
        if cible > actuel:
            motif = Motif.PROMESSE_ROMPUE if ROMPUE in evenements else Motif.RETARD
        else:
            motif = (Motif.PROMESSE_TENUE if TENUE in evenements
                     else Motif.PAUSE if en_pause else Motif.ECHEANCE_REGLEE)
        passage = Passage.objects.create(
            locataire_id=etat.locataire_id, version=etat.version + 1,
            de=etapes[actuel] if actuel >= 0 else None, vers=nouvelle, motif=motif, jour=aujourd_hui,
        )
        if cible > actuel:
            passage.travail = _travail(nouvelle, locataire_id=etat.locataire_id, site_id=ancienne.site_id,
                                       passage=passage, aujourd_hui=aujourd_hui)
            passage.save(update_fields=["travail"])
    return "montees" if cible > actuel else "descentes"
