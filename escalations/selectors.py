"""Reads of the escalation pages: which escalations a user may see, their timeline,
checklist and messages, and the lists the runbook's actions work on."""
import datetime
from decimal import Decimal

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from agents.selectors import (
    SEUIL_SCORE,
    agents_missions_non_complete,
    agents_des_equipes_des_sites,
    agents_par_id,
    equipes_visibles_filtre,
    scores_moyens_7_jours,
)
from escalations.checklists import actions_de
from escalations.models import Escalade, EtatEscalade, EtatMessage, Evenement, Message, Rapport, Regle, TypeEvenement
from recovery.selectors import RETARD_CRITIQUE, SEUIL_CONTENTIEUX, impayes_critiques_par_site, locataires_endettes

# What a page shows when a rule is missing or inactive: the runbook's values, as the rules'
# migration (escalations/migrations/0002_defaults.py) creates them.
SEUIL_IMPAYES_CRITIQUES, SEUIL_IMPAYES_CRITIQUES_SITE = 50, 10


def seuils_alertes() -> dict:
    """Return the thresholds shown and linked beside the figures, read from the active rules
    (Regle, edited in the admin; the runbook's defaults when a rule is missing or inactive):
    {seuil_impayes_critiques (count to exceed, all sites), retard_critique (days of the
    overall rule), seuil_impayes_critiques_site (count to exceed on one site),
    retard_critique_site (its days), seuil_score (the agents' score under which they alert),
    seuil_contentieux (€, the legal list)}. One query."""
    regles = {
        regle.type: regle
        for regle in Regle.objects.filter(active=True).order_by("-code")
    }
    globale = regles.get(Regle.Type.IMPAYES_CRITIQUES)
    par_site = regles.get(Regle.Type.IMPAYES_CRITIQUES_SITE)
    score = regles.get(Regle.Type.SCORE_AGENT)
    return {
        "seuil_impayes_critiques": int(globale.seuil) if globale else SEUIL_IMPAYES_CRITIQUES,
        "retard_critique": globale.retard_min if globale else RETARD_CRITIQUE,
        "seuil_impayes_critiques_site": int(par_site.seuil) if par_site else SEUIL_IMPAYES_CRITIQUES_SITE,
        "retard_critique_site": par_site.retard_min if par_site else RETARD_CRITIQUE,
        "seuil_score": score.seuil if score else SEUIL_SCORE,
        "seuil_contentieux": globale.seuil_contentieux if globale else SEUIL_CONTENTIEUX,
    }


def escalades_visibles(*, user) -> QuerySet[Escalade]:
    """Return the escalations `user` may see: all for Direction; for a team lead those of the
    agents in the teams they lead now (an agent who changed team takes the alert along: the
    team it fired with, `Escalade.equipe`, is history); none for anyone else. In the query."""
    escalades = Escalade.objects.select_related("regle", "site", "agent", "prise_en_charge_par")
    return escalades.filter(equipes_visibles_filtre(user=user, chemin="agent__equipe__"))


def escalades_liste(*, user, etat: str = "", regle: str = "") -> list[Escalade]:
    """Return the visible escalations, newest first, filtered by state ('ouvertes' = fired or
    acknowledged) and rule code; one query."""
    escalades = escalades_visibles(user=user)
    if etat == "ouvertes":
        escalades = escalades.exclude(etat=EtatEscalade.RESOLUE)
    elif etat in EtatEscalade.values:
        escalades = escalades.filter(etat=etat)
    if regle:
        escalades = escalades.filter(regle__code=regle)
    return list(escalades.order_by("-declenchee_le")[:500])


def compte_par_etat(*, user) -> dict[str, int]:
    """Return {etat: count} of the escalations `user` may see."""
    lignes = escalades_visibles(user=user).order_by().values("etat").annotate(n=Count("id"))
    return {ligne["etat"]: ligne["n"] for ligne in lignes}


def escalade_detail(*, user, escalade_id: int) -> Escalade | None:
    """Return the escalation with its timeline (authors), messages and reports prefetched,
    or None if `user` may not see it."""
    return (
        escalades_visibles(user=user)
        .select_related("resolue_par", "equipe", "agent__equipe")
        .prefetch_related(
            Prefetch("evenements", queryset=Evenement.objects.select_related("auteur").order_by("instant", "id")),
            Prefetch("messages", queryset=Message.objects.order_by("cree_le", "id")),
            Prefetch("rapports", queryset=Rapport.objects.defer("contenu").order_by("-cree_le")),
        )
        .filter(pk=escalade_id)
        .first()
    )


def checklist(*, escalade: Escalade, seuil_contentieux: Decimal | None) -> list[dict]:
    """Return the rule's checklist items [{code, libelle, aide, fait: [Evenement]}], reading
    the prefetched timeline (no query); the legal escalation's hint says `seuil_contentieux`."""
    faits: dict[str, list] = {}
    for evenement in escalade.evenements.all():
        if evenement.type == TypeEvenement.ACTION:
            faits.setdefault(evenement.action, []).append(evenement)
    return [
        {"code": code, "libelle": libelle, "aide": aide, "fait": faits.get(code, [])}
        for code, libelle, aide in actions_de(escalade, seuil_contentieux=seuil_contentieux)
    ]


def sites_de(*, escalade: Escalade) -> list[int]:
    """Return the site ids an impayés escalation is about: its site, or every site with
    critical debts for the overall rule."""
    if escalade.site_id:
        return [escalade.site_id]
    return [ligne["site_id"] for ligne in impayes_critiques_par_site(retard_min=escalade.regle.retard_min)]


def agents_faibles(*, site_ids: list[int], limite: int = 10) -> list[dict]:
    """Return the agents with non-complete missions on these sites (the runbook's second
    query), weakest 7-day average score first: [{agent, nb, score_moyen (None if no day)}].
    Three queries."""
    nb_par_agent = {ligne["agent_id"]: ligne["nb"] for ligne in agents_missions_non_complete(site_ids=site_ids)}
    scores = scores_moyens_7_jours(agent_ids=nb_par_agent)
    agents = agents_par_id(agent_ids=nb_par_agent)
    lignes = [
        {"agent": agents[agent_id], "nb": nb, "score_moyen": scores.get(agent_id)}
        for agent_id, nb in nb_par_agent.items()
    ]
    lignes.sort(key=lambda l: (l["score_moyen"] is None, l["score_moyen"] or 0, -l["nb"]))
    return lignes[:limite]


def reassignations(*, site_ids: list[int]) -> list[dict]:
    """The reassignment form's choices: agents_faibles' rows (who gives missions up), each
    with `repreneurs`, who may take them over: the other active agents of the sites' teams
    (never the agent itself), best 7-day score first, those without a score last:
    [{agent, nb, score_moyen, repreneurs: [{agent, score_moyen}]}]. Five queries."""
    faibles = agents_faibles(site_ids=site_ids)
    equipes = agents_des_equipes_des_sites(site_ids=site_ids)
    scores = scores_moyens_7_jours(agent_ids=[a.pk for a in equipes])
    candidats = sorted(({"agent": a, "score_moyen": scores.get(a.pk)} for a in equipes),
                       key=lambda c: (c["score_moyen"] is None, -(c["score_moyen"] or 0), c["agent"].code))
    return [{**ligne, "repreneurs": [c for c in candidats if c["agent"].pk != ligne["agent"].pk]}
            for ligne in faibles]


def escalades_ouvertes_par_regle() -> dict[str, int]:
    """Return {rule code: open escalations (fired or acknowledged)}, every rule listed (0
    included) so a gauge falls back to 0 when its escalations are resolved. Two queries."""
    ouvertes = dict(
        Escalade.objects.exclude(etat=EtatEscalade.RESOLUE).order_by().values("regle__code")
        .annotate(n=Count("id")).values_list("regle__code", "n")
    )
    return {code: ouvertes.get(code, 0) for code in Regle.objects.order_by("code").values_list("code", flat=True)}


def contentieux_des_sites(*, site_ids, seuil: Decimal) -> list[dict]:
    """Return the legal list (tenants owing strictly more than `seuil`, the overall rule's
    seuil_contentieux; rows as recovery's locataires_endettes) narrowed to these sites in the
    query, without the last-action columns; most owed first. One query."""
    return list(locataires_endettes(site_ids=site_ids, seuil=seuil, derniere_action=False))


def messages_en_attente() -> int:
    """Return how many outbox emails are waiting or being sent (not sent, not failed)."""
    return Message.objects.filter(etat__in=[EtatMessage.EN_ATTENTE, EtatMessage.EN_COURS]).count()


def messages_en_echec() -> int:
    """Return how many outbox emails failed every attempt (never sent, nobody retries them)."""
    return Message.objects.filter(etat=EtatMessage.ECHEC).count()


def boite_envoi_etat(*, depuis: datetime.datetime) -> dict:
    """Return the outbox as stored: {envoyes (sent since `depuis`), a_envoyer (never tried
    yet), en_cours (claimed by a worker now), en_reessai (an attempt failed, another is due at `prochain_essai`), prochain_essai
    (the earliest of those, or None), en_echec (every attempt failed)}. One query."""
    reessai = Q(etat=EtatMessage.EN_ATTENTE, tentatives__gt=0)
    return Message.objects.aggregate(
        envoyes=Count("pk", filter=Q(etat=EtatMessage.ENVOYE, envoye_le__gte=depuis)),
        a_envoyer=Count("pk", filter=Q(etat=EtatMessage.EN_ATTENTE, tentatives=0)),
        en_cours=Count("pk", filter=Q(etat=EtatMessage.EN_COURS)),
        en_reessai=Count("pk", filter=reessai),
        prochain_essai=Min("prochain_essai", filter=reessai),
        en_echec=Count("pk", filter=Q(etat=EtatMessage.ECHEC)),
    )
