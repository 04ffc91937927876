"""Daily per-site snapshots: the back-fill, the beat task and the command, computed by hand."""
import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from akig_ops.models import Battement
from akig_ops.services import INSTANTANES_SITES
from recovery.models import InstantaneSite
from recovery.selectors import impayes_par_site_au, tendance_impayes_critiques
from recovery.services import instantanes_sites_ecrire
from recovery.tasks import instantanes_sites_task
from tests.factories import ImpayeFactory, ImpayeSoldeFactory, LocataireFactory, SiteFactory

pytestmark = pytest.mark.django_db

J = datetime.date
AUJOURDHUI = J(2026, 6, 15)


@pytest.fixture
def gele():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 0, 5, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


@pytest.fixture
def site(gele):
    """One site, one tenant:
    d1 still owed: period 01/03, due 05/03/2026, 500,00 − 100,00 paid = 400,00;
    d2 settled on 10/04/2026: period 01/01, due 05/01/2026, 800,00 (owed until 09/04);
    d3 settled on 01/02/2026, before the period written: never counted.
    """
    site = SiteFactory(code="S")
    loc = LocataireFactory(site=site)
    ImpayeFactory(locataire=loc, periode=J(2026, 3, 1), date_echeance=J(2026, 3, 5),
                  montant_du=Decimal("500.00"), montant_paye=Decimal("100.00"))
    ImpayeSoldeFactory(locataire=loc, periode=J(2026, 1, 1), date_echeance=J(2026, 1, 5),
                       montant_du=Decimal("800.00"), solde_le=J(2026, 4, 10))
    ImpayeSoldeFactory(locataire=loc, periode=J(2025, 12, 1), date_echeance=J(2025, 12, 5),
                       montant_du=Decimal("999.00"), solde_le=J(2026, 2, 1))
    return site


def _jour(jour):
    """{column: value} of the snapshot of `jour`, non-zero columns only."""
    ligne = InstantaneSite.objects.get(jour=jour)
    return {
        colonne: getattr(ligne, colonne)
        for paire in InstantaneSite.COLONNES
        for colonne in paire
        if getattr(ligne, colonne)
    }


def test_instantanes_sites_ecrire_backfill_by_hand(site):
    lignes = instantanes_sites_ecrire(du=J(2026, 2, 28), au=AUJOURDHUI)

    # 28/02 .. 15/06 = 1 + 31 + 30 + 31 + 15 = 108 days, something owed on each of them.
    assert lignes == InstantaneSite.objects.count() == 108
    # 28/02: d1's period has not begun; d2 is 54 days late (31–60).
    assert _jour(J(2026, 2, 28)) == {"nb_31_60": 1, "montant_31_60": Decimal("800.00")}
    # 06/03: d1 1 day late (0–30, what is still due today: 400,00); d2 exactly 60 days (31–60).
    assert _jour(J(2026, 3, 6)) == {"nb_0_30": 1, "montant_0_30": Decimal("400.00"),
                                    "nb_31_60": 1, "montant_31_60": Decimal("800.00")}
    # 07/03: d2 61 days late, now in 61–90.
    assert _jour(J(2026, 3, 7)) == {"nb_0_30": 1, "montant_0_30": Decimal("400.00"),
                                    "nb_61_90": 1, "montant_61_90": Decimal("800.00")}
    # 09/04, d2's last day owed: d1 35 days (31–60), d2 94 days (91–180).
    assert _jour(J(2026, 4, 9)) == {"nb_31_60": 1, "montant_31_60": Decimal("400.00"),
                                    "nb_91_180": 1, "montant_91_180": Decimal("800.00")}
    # 10/04: d2 settled that day is gone.
    assert _jour(J(2026, 4, 10)) == {"nb_31_60": 1, "montant_31_60": Decimal("400.00")}
    # Today: d1 102 days late (91–180).
    assert _jour(AUJOURDHUI) == {"nb_91_180": 1, "montant_91_180": Decimal("400.00")}


def test_instantanes_sites_ecrire_is_idempotent(site):
    instantanes_sites_ecrire(du=J(2026, 4, 1), au=AUJOURDHUI)
    avant = list(InstantaneSite.objects.order_by("jour").values())
    instantanes_sites_ecrire(du=J(2026, 4, 1), au=AUJOURDHUI)
    apres = list(InstantaneSite.objects.order_by("jour").values())

    assert [{**l, "id": 0} for l in apres] == [{**l, "id": 0} for l in avant]
    assert len(apres) == 76  # 01/04 .. 15/06 = 30 + 31 + 15


def test_impayes_par_site_au_reads_the_buckets_beyond_the_retard(site):
    instantanes_sites_ecrire(du=J(2026, 4, 9), au=J(2026, 4, 9))
    # 09/04: d1 35 days (400,00), d2 94 days (800,00).
    assert impayes_par_site_au(jour=J(2026, 4, 9), retard_min=60) == {site.pk: {"nb": 1, "montant": Decimal("800.00")}}
    assert impayes_par_site_au(jour=J(2026, 4, 9), retard_min=30) == {site.pk: {"nb": 2, "montant": Decimal("1200.00")}}
    assert impayes_par_site_au(jour=J(2026, 4, 9), retard_min=180) == {site.pk: {"nb": 0, "montant": Decimal("0.00")}}
    # 45 days is not a limit of the snapshots: history cannot tell.
    assert impayes_par_site_au(jour=J(2026, 4, 9), retard_min=45) is None


def test_tendance_impayes_critiques_weekly_points_from_snapshots(site):
    instantanes_sites_ecrire(du=J(2026, 2, 28), au=AUJOURDHUI)

    points = tendance_impayes_critiques(mois=12, pas_jours=7)

    # Every 7 days back from 15/06 while there are snapshots: 15/06, 08/06, … 02/03
    # (15/06 − 15 × 7 days = 02/03: 16 points).
    assert len(points) == 16
    assert points[0]["jour"] == J(2026, 3, 2) and points[-1]["jour"] == AUJOURDHUI
    # 06/04: d2 26 + 28 + 31 + 6 = 91 days late (800,00 over 60), d1 32 days;
    # 13/04: d2 settled, d1 39 days late: nothing over 60.
    par_jour = {p["jour"]: (p["nb"], p["montant"]) for p in points}
    assert par_jour[J(2026, 4, 6)] == (1, Decimal("800.00"))
    assert par_jour[J(2026, 4, 13)] == (0, Decimal("0.00"))
    assert par_jour[AUJOURDHUI] == (1, Decimal("400.00"))


def test_instantanes_sites_task_writes_today_and_beats(site):
    assert instantanes_sites_task() == 1
    assert instantanes_sites_task() == 1  # the same day again: replaced, not added
    assert list(InstantaneSite.objects.values_list("jour", flat=True)) == [AUJOURDHUI]
    battement = Battement.objects.get(nom=INSTANTANES_SITES)
    assert battement.details == {"du": "2026-06-15", "au": "2026-06-15", "lignes": 1}


def test_instantanes_sites_command_backfills_since(site):
    sortie = StringIO()
    call_command("instantanes_sites", "--depuis", "2026-06-10", stdout=sortie)

    assert InstantaneSite.objects.count() == 6  # 10/06 .. 15/06
    assert "6 instantanés écrits du 10/06/2026 au 15/06/2026" in sortie.getvalue()
    assert Battement.objects.filter(nom=INSTANTANES_SITES).exists()


@pytest.mark.parametrize(("valeur", "message"), [
    ("15/06/2026", "--depuis : « 15/06/2026 » n'est pas une date AAAA-MM-JJ."),
    ("2026-06-16", "--depuis : 16/06/2026 est dans le futur."),
])
def test_instantanes_sites_command_refuses_a_bad_date(site, valeur, message):
    with pytest.raises(CommandError, match=message):
        call_command("instantanes_sites", "--depuis", valeur)
    assert not InstantaneSite.objects.exists()


def test_instantanes_sites_task_is_scheduled_just_after_midnight(settings):
    entree = settings.CELERY_BEAT_SCHEDULE["instantanes-sites"]
    assert entree["task"] == "recovery.tasks.instantanes_sites_task"
    assert (entree["schedule"].hour, entree["schedule"].minute) == ({0}, {5})
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
