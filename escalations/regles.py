"""What each rule observes now: the subjects whose condition holds, with the value seen.

Reads only (the writes are in services.py). One evaluator per Regle.Type; an evaluation
shares one `contexte` between rules so the impayés aggregate runs once for both of them.
"""
import datetime
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
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
    cle = ("par_site", regle.retard_min, regle.compter_pauses)
    if cle not in contexte:
        contexte[cle] = impayes_critiques_par_site(retard_min=regle.retard_min, compter_pauses=regle.compter_pauses)
    return contexte[cle]


def impayes_critiques(*, regle: Regle, maintenant: datetime.datetime, contexte: dict) -> Constat:
    """The runbook's "> 50 impayés avec retard > 60 jours", over all sites (one subject)."""
    par_site = _par_site(regle=regle, contexte=contexte)
    nb = sum(ligne["nb"] for ligne in par_site)
    if nb <= regle.seuil:
        return Constat()
    resume = impayes_critiques_resume(retard_min=regle.retard_min, par_site=par_site, sites_nommes=SITES_NOMMES)
    valeur = {
        "nb_impayes": nb,
        "montant_total": str(resume["total_montant"]),
        "nb_sites": len(resume["site_ids"]),
        "sites": resume["sites"],
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


class RejeuScores:
    """The intraday scores and leaves of a past period, read once, for a replay of the score
    rule (escalations.apercu): score_agent reads its windows here instead of the database."""

    def __init__(self, *, instantanes: list[tuple], conges: list[tuple]):
        # [(agent_id, equipe_id, instant, score)] by instant; [(agent_id, debut, fin)].
        self.instantanes = sorted(instantanes, key=lambda ligne: ligne[2])
        self.instants = [ligne[2] for ligne in self.instantanes]
        self.conges = conges

    def fenetre(self, *, jour: datetime.date, depuis: datetime.datetime, jusqu_a: datetime.datetime) -> list[tuple]:
        """As scores_instantanes_fenetre: after `depuis` up to `jusqu_a`, agents on leave on
        `jour` left out, by agent then instant."""
        en_conge = {agent_id for agent_id, debut, fin in self.conges if debut <= jour <= fin}
        debut, fin = bisect_right(self.instants, depuis), bisect_right(self.instants, jusqu_a)
        lignes = [ligne for ligne in self.instantanes[debut:fin] if ligne[0] not in en_conge]
        return sorted(lignes, key=lambda ligne: (ligne[0], ligne[2]))


REJEU_SCORES = "rejeu_scores"


def contexte_rejeu_impayes(*, regle: Regle, par_site: list[dict]) -> dict:
    """The `contexte` that makes the impayés rules observe `par_site` ([{site_id, nb,
    montant}] over the rule's retard_min, as impayes_critiques_par_site returns: a day's
    snapshots) instead of today's debts."""
    return {("par_site", regle.retard_min, regle.compter_pauses): par_site}


def contexte_rejeu_scores(*, rejeu: RejeuScores) -> dict:
    """The `contexte` that makes score_agent read the replay's scores and leaves."""
    return {REJEU_SCORES: rejeu}


def _scores_fenetre(*, contexte: dict, jour: datetime.date, depuis, jusqu_a) -> list[tuple]:
    rejeu = contexte.get(REJEU_SCORES)
    if rejeu is not None:
        return rejeu.fenetre(jour=jour, depuis=depuis, jusqu_a=jusqu_a)
    en_conge = Conge.objects.filter(debut__lte=jour, fin__gte=jour).values("agent_id")
    return scores_instantanes_fenetre(depuis=depuis, jusqu_a=jusqu_a, agents_exclus=en_conge)


def score_agent(*, regle: Regle, maintenant: datetime.datetime, contexte: dict) -> Constat:
    """The runbook's "score < 5 pendant 2 h": active agents on duty, not on leave, whose
    latest intraday score is below the threshold. Off duty nothing is observed (no subject
    is true, none is clear). One query (leaves and the window's snapshots), none in a replay."""
    debut_service = en_service(maintenant)
    if debut_service is None:
        return Constat(clairs=set())
    jour = timezone.localdate(maintenant)
    # Long enough to find the last clear snapshot before a run that is about to fire.
    fenetre = maintenant - datetime.timedelta(minutes=regle.duree_min) - FRAICHEUR_SCORE
    instantanes = _scores_fenetre(
        contexte=contexte, jour=jour, depuis=max(fenetre, debut_service - FRAICHEUR_SCORE), jusqu_a=maintenant,
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


@dataclass
class Decision:
    """What an evaluation does about one rule, decided from what it observed: the subjects to
    fire now and since when (`declencher`), those still waiting for the rule's duration
    (`attendre`, since when), the open ones whose condition holds (`tiennent`) and the open
    ones seen clear (`levees`). services._appliquer carries it out; escalations.apercu
    replays it in memory."""

    declencher: dict[str, tuple[Observation, datetime.datetime]] = field(default_factory=dict)
    attendre: dict[str, tuple[Observation, datetime.datetime]] = field(default_factory=dict)
    tiennent: dict[str, Observation] = field(default_factory=dict)
    levees: list[str] = field(default_factory=list)
    # Would fire (or wait for the duration) but a person snoozed the subject: since when it holds.
    en_sourdine: dict[str, tuple[Observation, datetime.datetime]] = field(default_factory=dict)


def decider(
    *, regle: Regle, constat: Constat, ouvertes: Iterable[str], attentes: dict[str, datetime.datetime],
    maintenant: datetime.datetime, sourdines: Iterable[str] = (),
) -> Decision:
    """Decide what to do about `regle` given its `constat`, the subjects of its open
    escalations, its pending starts {sujet: depuis} and its snoozed subjects (resolved by a
    person with a snooze not over yet: nothing fires for them). Reads nothing."""
    ouvertes, sourdines = set(ouvertes), set(sourdines)
    duree = datetime.timedelta(minutes=regle.duree_min)
    decision = Decision()
    for sujet, observation in constat.vrais.items():
        if sujet in ouvertes:
            decision.tiennent[sujet] = observation
            continue
        depuis = maintenant
        if duree:
            attente = attentes.get(sujet)
            if attente is not None and observation.attente_valable(attente):
                depuis = attente
            else:
                depuis = observation.debut or maintenant
        if sujet in sourdines:
            decision.en_sourdine[sujet] = (observation, depuis)
            continue
        if duree and maintenant - depuis < duree:
            decision.attendre[sujet] = (observation, depuis)
            continue
        decision.declencher[sujet] = (observation, depuis)
    for sujet in ouvertes:
        if sujet in constat.vrais or (constat.clairs is not None and sujet not in constat.clairs):
            continue
        decision.levees.append(sujet)
    return decision


def resolution_due(*, regle: Regle, levee_depuis: datetime.datetime, maintenant: datetime.datetime) -> bool:
    """True once the condition of an escalation of `regle` has stayed clear for the rule's
    resolution delay."""
    return maintenant - levee_depuis >= datetime.timedelta(minutes=regle.delai_resolution_min)
