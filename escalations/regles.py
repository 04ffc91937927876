"""What each rule observes now: the subjects whose condition holds, with the value seen.

Reads only (the writes are in services.py). One evaluator per Regle.Type; an evaluation
shares one `contexte` between rules so the impayés aggregate runs once for both of them.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from agents.selectors import heures_de_travail, scores_instantanes_fenetre
from escalations.models import Conge, Regle, TypeRegle
from akig_ops.lib.calendrier import est_ferie
from recovery.selectors import impayes_critiques_par_site, impayes_critiques_resume

SUJET_GLOBAL = "global"
# A snapshot older than this does not describe the agent now (snapshots come every 5 min).
FRAICHEUR_SCORE = datetime.timedelta(minutes=10)
SITES_NOMMES = 10


@dataclass
class Observation:
    """The condition holds for `sujet`: the value seen, what it is about, and for rules with
    a duration when the current run began (`debut`), the last instant it was known clear
    (`reprise`) and the earliest a run may begin (`pas_avant`, the start of working hours)."""

    valeur: dict
    site_id: int | None = None
    agent_id: int | None = None
    equipe_id: int | None = None
    debut: datetime.datetime | None = None
    reprise: datetime.datetime | None = None
    pas_avant: datetime.datetime | None = None

    def attente_valable(self, depuis: datetime.datetime) -> bool:
        """True if a pending start stored at `depuis` still belongs to the current run."""
        return (self.pas_avant is None or depuis >= self.pas_avant) and (
            self.reprise is None or depuis > self.reprise
        )


@dataclass
class Constat:
    """`vrais`: {sujet: Observation} where the condition holds. `clairs`: the subjects seen
    clear; None means every subject not in `vrais` (a rule that sees everything)."""

    vrais: dict[str, Observation] = field(default_factory=dict)
    clairs: set[str] | None = None


def _par_site(*, regle: Regle, contexte: dict) -> list[dict]:
    cle = ("par_site", regle.retard_min)
    if cle not in contexte:
        contexte[cle] = impayes_critiques_par_site(retard_min=regle.retard_min)
    return contexte[cle]


def impayes_critiques(*, regle: Regle, maintenant: datetime.datetime, contexte: dict) -> Constat:
    """The runbook's "> 50 impayés avec retard > 60 jours", over all sites (one subject)."""
    par_site = _par_site(regle=regle, contexte=contexte)
    nb = sum(ligne["nb"] for ligne in par_site)
    if nb <= regle.seuil:
        return Constat()
    resume = impayes_critiques_resume(retard_min=regle.retard_min, par_site=par_site)
    valeur = {
        "nb_impayes": nb,
        "montant_total": str(resume["total_montant"]),
        "nb_sites": len(resume["sites"]),
        "sites": resume["sites"][:SITES_NOMMES],
        "retard_min": regle.retard_min,
    }
    return Constat(vrais={SUJET_GLOBAL: Observation(valeur=valeur)})


def impayes_critiques_site(*, regle: Regle, maintenant: datetime.datetime, contexte: dict) -> Constat:
    """One subject per site whose own count of critical debts passes the rule's threshold."""
    vrais = {}
    for ligne in _par_site(regle=regle, contexte=contexte):
        if ligne["nb"] > regle.seuil:
            vrais[f"site:{ligne['site_id']}"] = Observation(
                valeur={"nb_impayes": ligne["nb"], "montant_total": str(ligne["montant"]),
                        "retard_min": regle.retard_min},
                site_id=ligne["site_id"],
            )
    return Constat(vrais=vrais)


def en_service(maintenant: datetime.datetime) -> datetime.datetime | None:
    """Return the start of today's working hours (aware) if `maintenant` is inside the
    agents' working hours of a working day (not a public holiday), in the business time
    zone; else None."""
    jour = timezone.localdate(maintenant)
    if jour.isoweekday() not in settings.AKIG_AGENT_JOURS or est_ferie(jour):
        return None
    debut, fin = heures_de_travail(jour)
    return debut if debut <= maintenant < fin else None


def score_agent(*, regle: Regle, maintenant: datetime.datetime, contexte: dict) -> Constat:
    """The runbook's "score < 5 pendant 2 h": active agents on duty, not on leave, whose
    latest intraday score is below the threshold. Off duty nothing is observed (no subject
    is true, none is clear). Two queries: leaves, then the window's snapshots."""
    debut_service = en_service(maintenant)
    if debut_service is None:
        return Constat(clairs=set())
    jour = timezone.localdate(maintenant)
    en_conge = Conge.objects.filter(debut__lte=jour, fin__gte=jour).values("agent_id")
    # Long enough to find the last clear snapshot before a run that is about to fire.
    fenetre = maintenant - datetime.timedelta(minutes=regle.duree_min) - FRAICHEUR_SCORE
    instantanes = scores_instantanes_fenetre(
        depuis=max(fenetre, debut_service - FRAICHEUR_SCORE), jusqu_a=maintenant, agents_exclus=en_conge,
    )
    par_agent = defaultdict(list)
    for agent_id, equipe_id, instant, score in instantanes:
        par_agent[(agent_id, equipe_id)].append((instant, score))

    vrais, clairs = {}, set()
    for (agent_id, equipe_id), serie in par_agent.items():
        sujet = f"agent:{agent_id}"
        instant, score = serie[-1]
        if maintenant - instant > FRAICHEUR_SCORE:
            continue  # no recent snapshot: nothing to say about this agent now
        if score is None or score >= regle.seuil:
            clairs.add(sujet)
            continue
        # The run of low scores began after the last snapshot that was not low, and never
        # before today's working hours.
        dernier_clair = None
        for instant_i, score_i in serie:
            if score_i is None or score_i >= regle.seuil:
                dernier_clair = instant_i
        bas = [i for i, _ in serie if i >= debut_service and (dernier_clair is None or i > dernier_clair)]
        if not bas:
            continue  # the only low snapshot predates the working hours
        vrais[sujet] = Observation(
            valeur={"score": str(score), "instant": instant.isoformat(), "seuil": str(regle.seuil)},
            agent_id=agent_id, equipe_id=equipe_id,
            debut=bas[0], reprise=dernier_clair, pas_avant=debut_service,
        )
    return Constat(vrais=vrais, clairs=clairs)


EVALUATEURS = {
    TypeRegle.IMPAYES_CRITIQUES: impayes_critiques,
    TypeRegle.IMPAYES_CRITIQUES_SITE: impayes_critiques_site,
    TypeRegle.SCORE_AGENT: score_agent,
}
