"""Promises to pay and their judgement (docs/relances.md).

A promise (an action of type `promesse` with `promesse_montant` and `promesse_date`) is
**tenue** once the tenant's `paiement` actions (any agent), from the promise's day up to its
limit — `promesse_date` + settings.AKIG_PROMESSE_TOLERANCE_JOURS, inclusive — add up to the
amount promised; **rompue** the day after the limit without that; **en cours** before. Without an
amount or a date it is « sans engagement » and never judged. A payment counts for every promise
of the tenant whose window holds it.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recovery.models import RecouvrementAction, TypeAction, statuts_non_realises

TENUE = "tenue"
ROMPUE = "rompue"
EN_COURS = "en_cours"
SANS_ENGAGEMENT = "sans_engagement"
STATUTS = {
    TENUE: _("Tenue"),
    ROMPUE: _("Rompue"),
    EN_COURS: _("En cours"),
    SANS_ENGAGEMENT: _("Sans engagement"),
}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Promesse:
    """One promise as judged on a day."""

    id: int
    reference: str
    locataire_id: int
    locataire_code: str
    site_id: int
    site_code: str
    agent_id: int
    agent_code: str
    agent_nom: str
    jour: datetime.date  # the day the promise was made
    montant: Decimal | None
    promesse_date: datetime.date | None
    limite: datetime.date | None  # last day a payment counts
    montant_paye: Decimal
    statut: str
    # The day the judgement became final: the payment completing a kept promise, the day
    # after the limit for a broken one; None while en cours or sans engagement.
    juge_le: datetime.date | None

    @property
    def libelle_statut(self) -> str:
        return str(STATUTS[self.statut])


def tolerance_jours() -> int:
    """The days of grace after the date promised (settings.AKIG_PROMESSE_TOLERANCE_JOURS)."""
    return settings.AKIG_PROMESSE_TOLERANCE_JOURS


def juger(*, montant, promesse_date, jour, paiements: list[tuple[datetime.date, Decimal]], aujourd_hui):
    """Return (statut, montant_paye, limite, juge_le) of one promise made on `jour`, given the
    tenant's payments [(day, amount)] sorted by day (pure: the rule above)."""
    if montant is None or promesse_date is None:
        return SANS_ENGAGEMENT, ZERO, None, None
    limite = promesse_date + datetime.timedelta(days=tolerance_jours())
    paye = ZERO
    for jour_paiement, somme in paiements:
        if jour_paiement < jour or jour_paiement > min(limite, aujourd_hui):
            continue
        paye += somme
        if paye >= montant:
            return TENUE, paye, limite, jour_paiement
    if aujourd_hui > limite:
        return ROMPUE, paye, limite, limite + datetime.timedelta(days=1)
    return EN_COURS, paye, limite, None


def _debut(jour: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


def _paiements_par_jour(locataire_ids: set[int], depuis: datetime.date) -> dict[int, list]:
    """{tenant id: [(day, amount paid that day)] sorted}: the payments done (statut not in the
    "did not happen" list), from `depuis`."""
    lignes = (
        RecouvrementAction.objects.filter(
            locataire_id__in=locataire_ids, type_action=TypeAction.PAIEMENT, date_action__gte=_debut(depuis),
        )
        .exclude(statut_cle__in=statuts_non_realises())
        .annotate(jour=TruncDate("date_action"))
        .values("locataire_id", "jour")
        .annotate(montant=Sum("montant_recouvre"))
        .order_by("locataire_id", "jour")
    )
    paiements = defaultdict(list)
    for ligne in lignes:
        paiements[ligne["locataire_id"]].append((ligne["jour"], ligne["montant"]))
    return paiements


def promesses_jugees(
    *,
    aujourd_hui: datetime.date,
    agent_ids=None,
    site_ids=None,
    locataire_id: int | None = None,
    statut: str | None = None,
    echeance_du: datetime.date | None = None,
    echeance_au: datetime.date | None = None,
) -> list[Promesse]:
    """Return the promises judged on `aujourd_hui`, the latest date promised first (promises
    sans engagement last, newest first). `agent_ids` (ids or a queryset of ids: a team lead's
    agents, filtered in the query), `site_ids`, `locataire_id`, the date promised between
    `echeance_du` and `echeance_au` and `statut` narrow the list. Two queries."""
    promesses = RecouvrementAction.objects.filter(type_action=TypeAction.PROMESSE)
    if agent_ids is not None:
        promesses = promesses.filter(agent_id__in=agent_ids)
    if site_ids is not None:
        promesses = promesses.filter(locataire__site_id__in=site_ids)
    if locataire_id is not None:
        promesses = promesses.filter(locataire_id=locataire_id)
    if echeance_du is not None:
        promesses = promesses.filter(
            Q(promesse_date__gte=echeance_du) | Q(promesse_date__isnull=True, date_action__gte=_debut(echeance_du))
        )
    if echeance_au is not None:
        promesses = promesses.filter(
            Q(promesse_date__lte=echeance_au)
            | Q(promesse_date__isnull=True, date_action__lt=_debut(echeance_au + datetime.timedelta(days=1)))
        )
    lignes = list(
        promesses.order_by(F("promesse_date").desc(nulls_last=True), "-date_action", "-id").values(
            "id", "reference", "locataire_id", "locataire__code", "locataire__site_id", "locataire__site__code",
            "agent_id", "agent__code", "agent__nom", "date_action", "promesse_montant", "promesse_date",
        )
    )
    if not lignes:
        return []
    jours = {ligne["id"]: timezone.localdate(ligne["date_action"]) for ligne in lignes}
    paiements = _paiements_par_jour({ligne["locataire_id"] for ligne in lignes}, min(jours.values()))
    resultat = []
    for ligne in lignes:
        etat, paye, limite, juge_le = juger(
            montant=ligne["promesse_montant"], promesse_date=ligne["promesse_date"], jour=jours[ligne["id"]],
            paiements=paiements.get(ligne["locataire_id"], []), aujourd_hui=aujourd_hui,
        )
        if statut and etat != statut:
            continue
        resultat.append(Promesse(
            id=ligne["id"], reference=ligne["reference"], locataire_id=ligne["locataire_id"],
            locataire_code=ligne["locataire__code"], site_id=ligne["locataire__site_id"],
            site_code=ligne["locataire__site__code"], agent_id=ligne["agent_id"], agent_code=ligne["agent__code"],
            agent_nom=ligne["agent__nom"], jour=jours[ligne["id"]], montant=ligne["promesse_montant"],
            promesse_date=ligne["promesse_date"], limite=limite, montant_paye=paye, statut=etat, juge_le=juge_le,
        ))
    return resultat


@dataclass(frozen=True)
class Taux:
    """Promises judged over a window: kept, broken and the kept share (None: none judged), of
    one agent or site (`code`)."""

    code: str
    tenues: int
    rompues: int

    @property
    def jugees(self) -> int:
        return self.tenues + self.rompues

    @property
    def taux(self) -> Decimal | None:
        if not self.jugees:
            return None
        return (Decimal(100) * self.tenues / self.jugees).quantize(Decimal("0.1"))


def taux_promesses_tenues(
    *, aujourd_hui: datetime.date, jours: int, par: str, agent_ids=None
) -> dict[int, Taux]:
    """Return {agent id or site id (`par` = "agent" or "site"): Taux} over the promises whose
    date promised falls in the last `jours` days (today included) and that are judged (tenue or
    rompue; en cours and sans engagement left out). `agent_ids` narrows as in promesses_jugees."""
    cle, code = {"agent": ("agent_id", "agent_code"), "site": ("site_id", "site_code")}[par]
    comptes: dict[int, list] = {}
    for promesse in promesses_jugees(
        aujourd_hui=aujourd_hui, agent_ids=agent_ids,
        echeance_du=aujourd_hui - datetime.timedelta(days=jours - 1), echeance_au=aujourd_hui,
    ):
        if promesse.statut in (TENUE, ROMPUE):
            compte = comptes.setdefault(getattr(promesse, cle), [getattr(promesse, code), 0, 0])
            compte[1 if promesse.statut == TENUE else 2] += 1
    return {ident: Taux(code=c, tenues=t, rompues=r) for ident, (c, t, r) in comptes.items()}
