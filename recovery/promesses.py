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
from django.db import connection
from django.db.models import DateField, F, Func, Min, Q, Sum
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


def _paiements_du_jour(locataire_ids, depuis: datetime.date):
    """The payments done (statut not in the "did not happen" list) of `locataire_ids` (None: every
    tenant's) from `depuis`, summed per tenant and day: rows (locataire_id, jour, montant)."""
    paiements = RecouvrementAction.objects.filter(type_action=TypeAction.PAIEMENT, date_action__gte=_debut(depuis))
    if locataire_ids is not None:
        paiements = paiements.filter(locataire_id__in=locataire_ids)
    return (
        paiements.exclude(statut_cle__in=statuts_non_realises())
        .annotate(jour=TruncDate("date_action"))
        .values("locataire_id", "jour")
        .annotate(montant=Sum("montant_recouvre"))
    )


def _paiements_par_jour(locataire_ids: set[int], depuis: datetime.date) -> dict[int, list]:
    """{tenant id: [(day, amount paid that day)] sorted} (_paiements_du_jour)."""
    paiements = defaultdict(list)
    for ligne in _paiements_du_jour(locataire_ids, depuis).order_by("locataire_id", "jour"):
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


class _PlusJours(Func):
    """A date plus a fixed number of days, as a date (PostgreSQL: date + integer; SQLite: date())."""

    output_field = DateField()

    def __init__(self, expression, jours: int):
        super().__init__(expression)
        self.jours = int(jours)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + %s::integer)", [*params, self.jours]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, %s)", [*params, f"+{self.jours} days"]


# Each promise against its tenant's payments per day (a hash join, not a subquery per promise:
# 10 552 promises of 600 agents read 667 000 heap blocks that way, 3.9 s), then counted per
# agent or site: 77 ms at `xlarge` (was ~1 s: two queries and the judgement in Python).
_TAUX_SQL = """
WITH p AS ({promesses}), v AS ({paiements}),
j AS (
    SELECT p.cle, p.code, p.promesse_date, COALESCE(SUM(v.montant), 0) >= p.promesse_montant AS tenue
    FROM p LEFT JOIN v ON v.locataire_id = p.locataire_id AND v.jour >= p.jour AND v.jour <= p.limite
    GROUP BY p.id, p.cle, p.code, p.promesse_date, p.promesse_montant
)
SELECT cle, code, SUM(CASE WHEN tenue THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT tenue AND promesse_date < %s THEN 1 ELSE 0 END)
FROM j GROUP BY cle, code
"""


def taux_promesses_tenues(
    *, aujourd_hui: datetime.date, jours: int, par: str, agent_ids=None
) -> dict[int, Taux]:
    """Return {agent id or site id (`par` = "agent" or "site"): Taux} over the promises whose
    date promised falls in the last `jours` days (today included) and that are judged (tenue or
    rompue; en cours and sans engagement left out). `agent_ids` narrows as in promesses_jugees.

    The rule of `juger`, set-based in SQL (a MIN and one aggregate query): the amounts paid being
    ≥ 0 (action_montant_recouvre_positif), a promise is tenue when its tenant's payments from its
    day to min(limite, aujourd_hui) add up to the amount, rompue when not and its limit is past.
    tests/test_promesses.py checks it against promesses_jugees day by day."""
    cle, code = {"agent": ("agent_id", "agent__code"), "site": ("locataire__site_id", "locataire__site__code")}[par]
    tolerance = tolerance_jours()
    promesses = RecouvrementAction.objects.filter(
        type_action=TypeAction.PROMESSE, promesse_montant__isnull=False,
        promesse_date__gte=aujourd_hui - datetime.timedelta(days=jours - 1), promesse_date__lte=aujourd_hui,
    )
    if agent_ids is not None:
        promesses = promesses.filter(agent_id__in=agent_ids)
    premiere = promesses.aggregate(premiere=Min("date_action"))["premiere"]
    if premiere is None:
        return {}
    p_sql, p_params = (
        promesses.annotate(
            cle=F(cle), code=F(code), jour=TruncDate("date_action"),
            limite=_PlusJours(F("promesse_date"), tolerance),
        )
        .values("id", "cle", "code", "locataire_id", "promesse_montant", "promesse_date", "jour", "limite")
        .order_by()
        .query.sql_with_params()
    )
    v_sql, v_params = (
        # Every tenant's payments of the window (action_type_date), hashed: restricted to the
        # promises' tenants, PostgreSQL misjudged their count and probed each tenant's actions (4.9 s).
        _paiements_du_jour(None, timezone.localdate(premiere))
        .filter(date_action__lt=_debut(aujourd_hui + datetime.timedelta(days=1)))
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as curseur:
        curseur.execute(
            _TAUX_SQL.format(promesses=p_sql, paiements=v_sql),
            [*p_params, *v_params, aujourd_hui - datetime.timedelta(days=tolerance)],
        )
        lignes = curseur.fetchall()
    return {ident: Taux(code=c, tenues=int(t), rompues=int(r)) for ident, c, t, r in lignes if t or r}
