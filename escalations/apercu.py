"""A rule's preview (« Aperçu » in the admin): what a rule, as edited and not saved, would have
opened over the recent past, beside what the rule as saved did.

The replay runs the real evaluation's own functions: the rule type's evaluator
(regles.EVALUATEURS) fed the past through its `contexte` (regles.contexte_rejeu_*), and
regles.decider / regles.resolution_due for what to fire, keep waiting, or resolve, in memory
instead of the database. The impayés rules are replayed once a day, at noon, on the day's
per-site snapshots (recovery's `instantanes_sites`, the last JOURS_INSTANTANES days); the score
rule every PAS_SCORES of the agents' working hours on the intraday scores kept (the last
JOURS_SCORES days). The replay starts with nothing open and nobody resolving by hand.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from agents.selectors import agents_par_id, heures_de_travail, scores_instantanes_fenetre
from akig_ops.lib.formats import Formats
from escalations.models import Conge, Escalade, Regle, TypeRegle
from escalations.regles import (
    EVALUATEURS,
    RejeuScores,
    contexte_rejeu_impayes,
    contexte_rejeu_scores,
    decider,
    resolution_due,
)
from recovery.selectors import impayes_critiques_par_site_par_jour, sites_lire

JOURS_INSTANTANES = 90
JOURS_SCORES = 35
PAS_SCORES = datetime.timedelta(minutes=5)
MIDI = datetime.time(12, 0)


@dataclass(frozen=True)
class Ouverture:
    """An escalation the replay opened: when, about whom, with the value seen then."""

    instant: datetime.datetime
    sujet: str
    site_id: int | None
    agent_id: int | None
    valeur: dict


def rejouer(*, regle: Regle, etapes) -> list[Ouverture]:
    """Evaluate `regle` at each (maintenant, contexte) of `etapes`, in order, as
    services.escalades_evaluer would have, and return the escalations it would have opened."""
    ouvertes: dict[str, datetime.datetime | None] = {}  # sujet → condition clear since
    attentes: dict[str, datetime.datetime] = {}
    ouvertures = []
    evaluer = EVALUATEURS[regle.type]
    for maintenant, contexte in etapes:
        constat = evaluer(regle=regle, maintenant=maintenant, contexte=contexte)
        decision = decider(regle=regle, constat=constat, ouvertes=ouvertes, attentes=attentes, maintenant=maintenant)
        for sujet in decision.tiennent:
            ouvertes[sujet] = None
        attentes = {sujet: depuis for sujet, (_observation, depuis) in decision.attendre.items()}
        for sujet, (observation, _depuis) in decision.declencher.items():
            ouvertes[sujet] = None
            ouvertures.append(Ouverture(instant=maintenant, sujet=sujet, site_id=observation.site_id,
                                        agent_id=observation.agent_id, valeur=observation.valeur))
        for sujet in decision.levees:
            if ouvertes[sujet] is None:
                ouvertes[sujet] = maintenant
            elif resolution_due(regle=regle, levee_depuis=ouvertes[sujet], maintenant=maintenant):
                del ouvertes[sujet]
    return ouvertures


def _midi(jour: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, MIDI))


def _etapes_impayes(*, regle: Regle, du: datetime.date, au: datetime.date, par_jour: dict):
    for k in range((au - du).days + 1):
        jour = du + datetime.timedelta(days=k)
        if jour in par_jour:
            yield _midi(jour), contexte_rejeu_impayes(regle=regle, par_site=par_jour[jour])


def _etapes_scores(*, du: datetime.date, au: datetime.date, maintenant: datetime.datetime, rejeu: RejeuScores):
    contexte = contexte_rejeu_scores(rejeu=rejeu)
    for k in range((au - du).days + 1):
        # Within the working hours of every day: the evaluator itself says off duty (weekends,
        # public holidays), as it does for the real evaluation.
        instant, fin = heures_de_travail(du + datetime.timedelta(days=k))
        while instant <= min(fin, maintenant):
            yield instant, contexte
            instant += PAS_SCORES


def periode_apercu(*, regle: Regle, maintenant: datetime.datetime | None = None) -> tuple[datetime.date, datetime.date]:
    """The days a preview of `regle` replays, both included, ending today."""
    au = timezone.localdate(maintenant or timezone.now())
    jours = JOURS_SCORES if regle.type == TypeRegle.SCORE_AGENT else JOURS_INSTANTANES
    return au - datetime.timedelta(days=jours - 1), au


def apercu_regle(*, edition: Regle, enregistree: Regle, maintenant: datetime.datetime | None = None) -> dict:
    """Replay `edition` (the rule as edited, not saved) and `enregistree` (as saved) over the
    preview's period; return {du, au, edition: [Ouverture], enregistree: [Ouverture],
    reelles: [Escalade opened by the rule in the period], jours_sans_donnees: [date] (days
    without snapshots; impayés rules), impossible: French reason why nothing could be replayed,
    or ""}.
    A fixed number of queries whatever the period (the snapshots or scores are read once)."""
    maintenant = maintenant or timezone.now()
    du, au = periode_apercu(regle=enregistree, maintenant=maintenant)
    resultat = {"du": du, "au": au, "edition": [], "enregistree": [], "jours_sans_donnees": [], "impossible": ""}
    if enregistree.type == TypeRegle.SCORE_AGENT:
        debut = timezone.make_aware(datetime.datetime.combine(du, datetime.time.min))
        rejeu = RejeuScores(
            instantanes=scores_instantanes_fenetre(depuis=debut - datetime.timedelta(hours=12), jusqu_a=maintenant),
            conges=list(Conge.objects.filter(fin__gte=du, debut__lte=au).values_list("agent_id", "debut", "fin")),
        )
        if not rejeu.instantanes:
            resultat["impossible"] = _("Aucun score intraday conservé sur la période : rien à rejouer.")
        for cle, regle in (("edition", edition), ("enregistree", enregistree)):
            resultat[cle] = rejouer(regle=regle, etapes=_etapes_scores(du=du, au=au, maintenant=maintenant, rejeu=rejeu))
    else:
        for cle, regle in (("edition", edition), ("enregistree", enregistree)):
            par_jour = impayes_critiques_par_site_par_jour(du=du, au=au, retard_min=regle.retard_min)
            if par_jour is None:
                resultat["impossible"] = _(
                    "Retard minimal %(retard)s j : les instantanés des sites ne sont tenus que par tranche "
                    "(30, 60, 90 ou 180 jours) ; choisissez l'une de ces valeurs pour l'aperçu."
                ) % {"retard": regle.retard_min}
                return {**resultat, "reelles": _reelles(enregistree, du)}
            resultat[cle] = rejouer(regle=regle, etapes=_etapes_impayes(regle=regle, du=du, au=au, par_jour=par_jour))
        resultat["jours_sans_donnees"] = [
            du + datetime.timedelta(days=k) for k in range((au - du).days + 1)
            if du + datetime.timedelta(days=k) not in par_jour
        ]
    return {**resultat, "reelles": _reelles(enregistree, du)}


def _reelles(regle: Regle, du: datetime.date) -> list[Escalade]:
    debut = timezone.make_aware(datetime.datetime.combine(du, datetime.time.min))
    return list(
        Escalade.objects.filter(regle=regle, declenchee_le__gte=debut)
        .select_related("site", "agent")
        .order_by("declenchee_le", "sujet")
    )


def libelles_sujets(ouvertures: list[Ouverture]) -> dict[str, str]:
    """{sujet: « S01 – Les Lilas » / « AG003 – Nom » / « ensemble des sites »} for these
    openings (two queries at most)."""
    sites = sites_lire(site_ids={o.site_id for o in ouvertures if o.site_id})
    agents = agents_par_id(agent_ids={o.agent_id for o in ouvertures if o.agent_id})
    libelles = {}
    for o in ouvertures:
        if o.agent_id:
            agent = agents.get(o.agent_id)
            libelles[o.sujet] = f"{agent.code} – {agent.nom}" if agent else o.sujet
        elif o.site_id:
            site = sites.get(o.site_id)
            libelles[o.sujet] = f"{site.code} – {site.nom}" if site else o.sujet
        else:
            libelles[o.sujet] = _("ensemble des sites")
    return libelles


def resume_valeur(valeur: dict) -> str:
    """The value an opening saw, in words (fr-FR): « 52 impayés > 60 j (12 345,67 €) », « score 3,20 »."""
    f = Formats()
    if "score" in valeur:
        return _("score %(score)s") % {"score": f.nombre(valeur["score"], 2)}
    return _("%(nb)s impayés > %(retard)s j (%(montant)s)") % {
        "nb": f.nombre(valeur["nb_impayes"]), "retard": valeur["retard_min"], "montant": f.montant(valeur["montant_total"]),
    }
