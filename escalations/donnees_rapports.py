"""What each PDF report shows, read through the apps' selectors (recovery, agents) and
turned into template context with its figures. Reads only."""
import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents import trajets
from agents.selectors import (
    actions_detaillees,
    agents_missions_non_complete,
    agents_par_id,
    debut_du_jour,
    missions_du_jour,
    performance_recente,
    scores_du_moment,
    scores_instantanes,
    trajet,
)
from akig_ops.lib.formats import Formats
from escalations import figures_svg
from escalations.liens import url_agent, url_impayes
from escalations.checklists import ACTIONS_AGENT, CAUSES_AGENT, actions_impayes
from escalations.selectors import contentieux_des_sites, seuils_alertes
from escalations.models import Escalade, EtatEscalade, EtatMessage, Message, Regle
from recovery.selectors import (
    contentieux_chiffres,
    impayes_agreges,
    impayes_chiffres_cles,
    impayes_par_site,
)

# Bounded tables keep the impayés report within 10 pages on 500 sites.
SITES_MAX, AGENTS_MAX, CONTENTIEUX_MAX = 20, 12, 20


def _retard_min(escalade: Escalade | None, seuils: dict) -> int:
    return escalade.regle.retard_min if escalade else seuils["retard_critique"]


def _numeros(groupe: list[Escalade]) -> dict:
    """What a report's subtitle says of its escalations: `numeros`, every one's number (in
    order); `declenchees`, the distinct minutes they fired at (one: « déclenchée(s) le … »;
    more: « du … au … »)."""
    return {
        "numeros": sorted(e.pk for e in groupe),
        "declenchees": sorted({timezone.localtime(e.declenchee_le).replace(second=0, microsecond=0) for e in groupe}),
    }


def _perimetre(escalade: Escalade | None, escalades: list[Escalade]) -> list[int] | None:
    """The sites a report speaks of: None (every site with critical debts) for the overall
    report or a group with the overall alert; else the sites of the site alerts."""
    groupe = escalades or ([escalade] if escalade else [])
    if not groupe or any(e.site_id is None for e in groupe):
        return None
    return sorted({e.site_id for e in groupe})


def donnees_impayes(*, escalade: Escalade | None, maintenant: datetime.datetime,
                    escalades: list[Escalade] = ()) -> dict:
    """The impayés report: headline figures, the by-site analysis (runbook query 1,
    recovery.selectors.impayes_par_site), agents with non-complete missions there (query 2), the legal list,
    sensitive sites, ageing of every debt still due on those sites. Every figure is for the
    report's sites (the escalation's site, the sites of a grouped email's site alerts, or every
    site with critical debts); `parc`, the whole portfolio, only in the overall report,
    labelled global there. `sites_en_alerte`: for a grouped email, one section per site alert
    (its figures are its row of the by-site table), biggest amount first."""
    seuils = seuils_alertes()
    retard = _retard_min(escalade, seuils)
    site_ids = _perimetre(escalade, list(escalades))
    agregats = impayes_agreges(retard_min=retard)  # one pass: the analysis and the headline figures
    par_site = impayes_par_site(retard_min=retard, site_ids=site_ids, agregats=agregats)
    ids = {ligne["site_id"] for ligne in par_site}
    tableau, autres = par_site[:SITES_MAX], par_site[SITES_MAX:]
    nb_total = sum(ligne["nb"] for ligne in par_site)
    montant_total = sum((ligne["montant"] for ligne in par_site), Decimal("0.00"))

    missions = sorted(agents_missions_non_complete(site_ids=ids), key=lambda l: (-l["nb"], l["agent_id"]))
    agents = agents_par_id(agent_ids=[l["agent_id"] for l in missions[:AGENTS_MAX]])
    contentieux = contentieux_des_sites(site_ids=ids, seuil=seuils["seuil_contentieux"])
    anciennete = [
        {"libelle": tranche["tranche"].libelle,
         # Past the rule's retard: the bucket starts at or beyond it (the first has no start).
         "au_dela": tranche["tranche"].debut is not None and tranche["tranche"].debut >= retard,
         "nb": sum(ligne["tranches"][i]["nb"] for ligne in par_site),
         "montant": sum((ligne["tranches"][i]["montant"] for ligne in par_site), Decimal("0.00"))}
        for i, tranche in enumerate(par_site[0]["tranches"] if par_site else [])
    ]
    portee = [agregats[site_id] for site_id in ids]
    # The « Total » line's share of every site's amount past the delay: 100 % in the overall
    # report, the site's own share in a site's report (its rows' parts add up to it).
    montant_tous_sites = sum((l["montant"] for l in agregats.values()), Decimal("0.00"))
    part_total = (montant_total * 100 / montant_tous_sites).quantize(Decimal("0.1")) if montant_tous_sites else None
    lignes = {ligne["site_id"]: ligne for ligne in par_site}
    sites_en_alerte = sorted(
        ({"escalade": e, "ligne": lignes[e.site_id], "url": url_impayes(retard_min=retard, site_id=e.site_id)}
         for e in escalades if e.site_id in lignes and len(escalades) > 1),
        key=lambda s: (-s["ligne"]["montant"], s["ligne"]["code"]),
    )
    return {
        **_numeros(list(escalades) or ([escalade] if escalade else [])),
        "retard_min": retard,
        "site_seul": site_ids[0] if site_ids and len(site_ids) == 1 else None,
        "sites_en_alerte": sites_en_alerte,
        # All the debts of the report's sites, every age: what the ageing chart adds up to.
        "portee": {"nb": sum(l["nb_total"] for l in portee),
                   "montant": sum((l["montant_total"] for l in portee), Decimal("0.00"))},
        "parc": None if site_ids else impayes_chiffres_cles(retard_min=retard, agregats=agregats,
                                                           seuil_contentieux=seuils["seuil_contentieux"]),
        "url_urgent": url_impayes(retard_min=retard, site_id=site_ids[0] if site_ids and len(site_ids) == 1 else None),
        "nb_total": nb_total,
        "montant_total": montant_total,
        "part_total": part_total,
        "nb_sites": len(par_site),
        "tableau": tableau,
        "autres": {"nb_sites": len(autres), "nb": sum(l["nb"] for l in autres),
                   "montant": sum((l["montant"] for l in autres), Decimal("0.00")),
                   "part": sum((l["part"] for l in autres), Decimal("0.0"))},
        "agents": [{"agent": agents[l["agent_id"]], "nb": l["nb"]} for l in missions[:AGENTS_MAX]],
        "nb_agents": len(missions),
        "contentieux": contentieux[:CONTENTIEUX_MAX],
        **{f"{cle}_contentieux": valeur for cle, valeur in contentieux_chiffres(
            seuil=seuils["seuil_contentieux"], site_ids=ids).items()},
        "seuil_contentieux": seuils["seuil_contentieux"],
        "sensibles": [l for l in par_site if l["sensible"]],
        "anciennete": anciennete,
        "graphique_anciennete": figures_svg.barres_anciennete(
            [(t["libelle"], t["montant"], t["nb"], t["au_dela"]) for t in anciennete]
        ) if anciennete else None,
        "actions": actions_impayes(seuil_contentieux=seuils["seuil_contentieux"]),
    }


# Mission réelle vs planifiée: what agents.trajets' verdicts say, in the report's words.
VERDICTS = {
    trajets.VISITEE: _("Sur place de {arrivee} à {depart}"),
    trajets.JAMAIS_ALLEE: _("Jamais allé sur le site"),
    trajets.HORS_FENETRE: _("Sur le site hors créneau ({vue})"),
    trajets.PAS_DE_GPS: _("Pas de position GPS pendant le créneau"),
    trajets.A_VENIR: _("À venir"),
}
POINTS_MAX = 400  # the trail figure: enough to draw it, few enough to lay out fast


def _hhmm(instant: datetime.datetime | None) -> str:
    return timezone.localtime(instant).strftime("%H:%M") if instant else ""


def _libelle_verdict(verdict: trajets.Verdict) -> str:
    return str(VERDICTS.get(verdict.raison, verdict.raison)).format(
        arrivee=_hhmm(verdict.arrivee), depart=_hhmm(verdict.depart), vue=_hhmm(verdict.vue_hors_fenetre)
    )


def donnees_agent(*, escalade: Escalade, maintenant: datetime.datetime, escalades: list[Escalade] = ()) -> dict:
    """The agent report, about every agent of a grouped email (`escalades`, else `escalade`
    alone): a summary of their scores of the moment, then one section per agent (by code)
    with its own figures (_donnees_un_agent), and the runbook's causes and actions once.
    `numeros`: the escalations' numbers, for the subtitle."""
    groupe = list(escalades) or [escalade]
    agents = agents_par_id(agent_ids=[e.agent_id for e in groupe])
    groupe.sort(key=lambda e: (agents[e.agent_id].code, e.pk))
    # The one score of the moment (what /agents/, the agent page and the dashboard card judge).
    du_moment = scores_du_moment(maintenant=maintenant, agent_ids=[e.agent_id for e in groupe])
    sections = [_donnees_un_agent(escalade=e, agent=agents[e.agent_id], maintenant=maintenant,
                                  du_moment=du_moment.get(e.agent_id)) for e in groupe]
    return {
        "sections": sections,
        **_numeros(groupe),
        "seuil": escalade.regle.seuil,
        "causes": CAUSES_AGENT,
        "actions": ACTIONS_AGENT,
    }


def _donnees_un_agent(*, escalade: Escalade, agent, maintenant: datetime.datetime, du_moment) -> dict:
    """One agent's section: its score of the moment and when it fired, today's actions, the
    last 4 hours' trail with its stops and the planned sites (agents.trajets' analysis),
    mission réelle vs planifiée, the 7-day history."""
    jour = timezone.localdate(maintenant)
    seuil = float(escalade.regle.seuil)
    depuis = escalade.valeur_declenchement.get("depuis")

    points_jour = trajet(agent_id=agent.pk, debut=debut_du_jour(jour), fin=maintenant + datetime.timedelta(seconds=1))
    missions = missions_du_jour(agent_id=agent.pk, jour=jour)
    verdicts = trajets.verdicts_missions(missions, points_jour, rayon_m=settings.AKIG_RAYON_MISSION_M,
                                         maintenant=maintenant)
    points = [p for p in points_jour if p.instant > maintenant - datetime.timedelta(hours=4)]
    analyse = trajets.analyser(points)
    arrets = []
    for arret in analyse.arrets:
        proches = [m.site_code for m in missions if trajets.distance_m(
            arret.latitude, arret.longitude, m.latitude, m.longitude) <= settings.AKIG_RAYON_MISSION_M]
        arrets.append({"debut": arret.debut, "fin": arret.fin, "minutes": round(arret.duree.total_seconds() / 60),
                       "lieu": ", ".join(proches) or _("hors des sites planifiés"),
                       "latitude": arret.latitude, "longitude": arret.longitude})
    pas = max(1, len(points) // POINTS_MAX)
    # In visiting order (the missions' start), each site once, labelled with its code and name.
    sites = {m.site_code: (m.longitude, m.latitude, f"{m.site_code} {m.site_nom}", False) for m in missions}
    for verdict in verdicts:
        if verdict.atteinte:
            sites[verdict.mission.site_code] = sites[verdict.mission.site_code][:3] + (True,)

    actions = actions_detaillees(agent_id=agent.pk, jour=jour)
    historique = performance_recente(agent_id=agent.pk, jours=7)
    scores = scores_instantanes(agent_id=agent.pk, debut=debut_du_jour(jour),
                                fin=maintenant + datetime.timedelta(seconds=1))
    return {
        "escalade": escalade,
        "agent": agent,
        # None: not judged at this hour (before the first visit is expected, no mission today).
        "score_moment": du_moment.score if du_moment is not None else None,
        "score_declenchement": Decimal(escalade.valeur_declenchement.get("score", "0")),
        "sous_seuil": du_moment is not None and du_moment.score is not None and du_moment.score < escalade.regle.seuil,
        "fenetre_debut": datetime.datetime.fromisoformat(depuis) if depuis else None,
        "graphique_scores": figures_svg.courbe_scores(
            [(i, float(s) if s is not None else None) for i, s in scores], seuil=seuil,
            debut_fenetre=datetime.datetime.fromisoformat(depuis) if depuis else None,
        ) if scores else None,
        "positions": points,
        "totaux": analyse.totaux,
        "distance_km": Formats().nombre(analyse.totaux.distance_m / 1000, 1) if analyse.totaux else "0",
        "trous": analyse.trous,
        "arrets": arrets,
        "graphique_trajet": figures_svg.trajet(
            points=[(p.longitude, p.latitude) for p in points[::pas]] + [(points[-1].longitude, points[-1].latitude)],
            arrets=[(a["longitude"], a["latitude"], _hhmm(a["debut"])) for a in arrets],
            sites=list(sites.values()),
        ) if points else None,
        "verdicts": [{"mission": v.mission, "atteinte": v.atteinte, "libelle": _libelle_verdict(v)} for v in verdicts],
        "nb_missions_atteintes": sum(1 for v in verdicts if v.atteinte),
        "actions_jour": actions,
        "montant_jour": sum((a["montant_recouvre"] for a in actions if a["comptee"]), Decimal("0.00")),
        "historique": historique,
        # The page of the agent on the trail's window (the last 4 hours).
        "url_agent": url_agent(agent.pk, debut=maintenant - datetime.timedelta(hours=4), fin=maintenant),
    }


def donnees_hebdo(*, escalade: None, maintenant: datetime.datetime) -> dict:
    """The directors' weekly digest: the week's escalations (fired, acknowledged, resolved,
    still open) per rule, failed emails, and today's impayés figures."""
    debut = maintenant - datetime.timedelta(days=7)
    semaine = Escalade.objects.filter(declenchee_le__gte=debut).select_related("regle", "site", "agent")
    par_regle = []
    for regle in Regle.objects.order_by("code"):
        lignes = [e for e in semaine if e.regle_id == regle.pk]
        delais = [(e.prise_en_charge_le - e.declenchee_le) for e in lignes if e.prise_en_charge_le]
        par_regle.append({
            "regle": regle,
            "declenchees": len(lignes),
            "resolues": sum(1 for e in lignes if e.etat == EtatEscalade.RESOLUE),
            "delai_moyen_min": round(sum(d.total_seconds() for d in delais) / len(delais) / 60) if delais else None,
        })
    ouvertes = list(
        Escalade.objects.exclude(etat=EtatEscalade.RESOLUE).select_related("regle", "site", "agent")
        .order_by("declenchee_le")
    )
    return {
        "debut": timezone.localtime(debut),
        "par_regle": par_regle,
        "ouvertes": ouvertes,
        "echecs": Message.objects.filter(etat=EtatMessage.ECHEC, cree_le__gte=debut).count(),
        **_chiffres_du_parc(),
    }


def _chiffres_du_parc() -> dict:
    """The portfolio's headline figures over the overall rule's delay, and that delay."""
    seuils = seuils_alertes()
    return {
        "chiffres": impayes_chiffres_cles(retard_min=seuils["retard_critique"],
                                          seuil_contentieux=seuils["seuil_contentieux"]),
        "retard_min": seuils["retard_critique"],
    }
