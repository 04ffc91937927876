"""The PDF reports read back as text (pdftotext): the figures of the fixture are on the page,
A4 with "page X / Y"; the weekly digest goes to the directors through the outbox."""
import datetime
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from escalations.models import Escalade, Message, Regle
from escalations.outbox import outbox_vider
from escalations.rapports import pdf_rendre
from escalations.regles import Observation
from escalations.services import escalade_declencher, escalade_prendre_en_charge, escalades_evaluer
from escalations.tasks import weekly_digest_task
from tests.escalations.conftest import impayes_critiques, paris, scores
from tests.factories import (
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


def texte_pdf(contenu: bytes, tmp_path) -> str:
    fichier = tmp_path / "r.pdf"
    fichier.write_bytes(contenu)
    texte = subprocess.run(["pdftotext", "-layout", str(fichier), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(texte.split())  # lines wrap where the layout puts them


def liens_pdf(contenu: bytes, tmp_path) -> set[str]:
    """The link annotations (clickable URIs) of a PDF, read by poppler's pdfinfo -url."""
    fichier = tmp_path / "liens.pdf"
    fichier.write_bytes(contenu)
    sortie = subprocess.run(["pdfinfo", "-url", str(fichier)], capture_output=True, text=True, check=True).stdout
    return {ligne.split()[-1] for ligne in sortie.splitlines()[1:] if ligne.strip()}


def test_impayes_pdf_shows_the_runbook_figures(gens, deux_sites, horloge, tmp_path):
    # Given S01 (sensitive): 31 debts of 500.00, 61 days late; S02: 20 of 250.50, 200 days late;
    # one S02 tenant also owes 10 500.00 (400 days late): total 31 + 21 = 52 impayés,
    # 15 500.00 + 5 010.00 + 10 500.00 = 31 010.00 €.
    horloge(paris(2026, 11, 30, 9, 0))
    s1, s2 = deux_sites
    impayes_critiques(site=s1, nb=31)
    impayes_critiques(site=s2, nb=20, montant=Decimal("250.50"), retard=200)
    gros = LocataireFactory(site=s2, code="L-GROS", nom="Bernard Gros")
    ImpayeFactory(locataire=gros, retard=400, montant_du=Decimal("10500.00"))
    MissionFactory(agent=gens["agent"], site=s1, status="non_complete")
    escalades_evaluer()
    escalade = Escalade.objects.get(regle__code="impayes-critiques")

    contenu, pages = pdf_rendre(type_rapport="impayes", escalade=escalade)
    texte = texte_pdf(contenu, tmp_path)

    assert 1 <= pages <= 10
    assert f"page 1 / {pages}" in texte
    assert "52 impayés de plus de 60 jours sur 2 sites." in texte
    assert "50,0 %" in texte  # S01: 15 500.00 / 31 010.00 = 49.98 % -> 50.0
    assert "31 010,00 €" in texte
    assert "S01 — Les Vergers" in texte and "sensible" in texte
    assert "15 500,00 €" in texte  # S01's line
    assert "L-GROS — Bernard Gros" in texte and "10 500,00 €" in texte  # the legal list
    assert "AG007 — Lucas David" in texte  # non-complete mission on S01
    for tranche in ("61–90 j", "91–180 j", "> 180 j", "400 j"):
        assert tranche in texte


def test_agent_pdf_shows_history_actions_trail_and_checklist(gens, horloge, tmp_path):
    agent = gens["agent"]
    scores(agent, de=paris(2026, 11, 30, 9, 0), a=paris(2026, 11, 30, 11, 0), score="3.50")
    for jours, score in ((1, "4.20"), (2, "6.10")):
        PerformanceFactory(agent=agent, date_stat=datetime.date(2026, 11, 30) - datetime.timedelta(days=jours),
                           score=Decimal(score), visites=3)
    # The trail, every 2 minutes from 09:00 to 10:58: at site A (S-A) until 09:30 (a 30-minute
    # stop), then eastwards 0.001° (~73 m) a step. Mission 1 at S-A 09:00-10:00: visited;
    # mission 2 at S-B, 6 km away, 10:00-11:00: never reached.
    site_a = SiteFactory(code="S-A", nom="Les Vergers", latitude=48.8566, longitude=2.3522)
    site_b = SiteFactory(code="S-B", nom="Marcadet", latitude=48.9000, longitude=2.4000)
    MissionFactory(agent=agent, site=site_a, date_prevue=datetime.date(2026, 11, 30),
                   heure_debut=datetime.time(9), heure_fin=datetime.time(10), status="complete")
    MissionFactory(agent=agent, site=site_b, date_prevue=datetime.date(2026, 11, 30),
                   heure_debut=datetime.time(10), heure_fin=datetime.time(11), status="non_complete")
    for minutes in range(0, 120, 2):
        est = max(0, minutes - 30) // 2 * 0.001
        PositionFactory(agent=agent, timestamp=paris(2026, 11, 30, 9, 0) + datetime.timedelta(minutes=minutes),
                        latitude=48.8566, longitude=2.3522 + est, precision_m=5.0)
    voyage = horloge(paris(2026, 11, 30, 9, 0))
    escalades_evaluer()
    voyage.move_to(paris(2026, 11, 30, 11, 0))
    escalades_evaluer()
    escalade = Escalade.objects.get()

    contenu, pages = pdf_rendre(type_rapport="agent", escalade=escalade)
    texte = texte_pdf(contenu, tmp_path)

    assert f"page {pages} / {pages}" in texte
    assert "Performance agent très basse — Lucas David" in texte
    assert "3,50 / 10" in texte and "de 09:00 à 11:00" in texte
    assert "60 positions" in texte  # every 2 minutes from 09:00 to 10:58
    assert "1/2" in texte  # missions reached
    # S-A is left at 09:32, 73 m away: still within the 100 m of a mission's site.
    assert "Sur place de 09:00 à 09:32" in texte and "Jamais allé sur le site" in texte
    # 09:32 → 10:58: 44 steps of 0.001° of longitude at 48.86° N ≈ 73.2 m: 3.2 km; one stop.
    assert "3,2 km parcourus, 1 arrêt" in texte
    assert "09:00 → 09:30 30 min S-A" in texte  # the stop, at the planned site
    assert "4,20" in texte and "6,10" in texte  # the 7-day history
    # The agent page's link opens on the trail's window: the 4 hours up to the report.
    assert f"/agents/{agent.pk}/?jour=2026-11-30&debut=07:00&fin=11:00" in "".join(texte.split())
    for texte_attendu in ("Réseau/GPS", "Motivation", "Agent contacté", "Coaching planifié"):
        assert texte_attendu in texte


def test_weekly_digest_goes_to_the_directors_with_its_pdf(gens, horloge, mailoutbox, tmp_path,
                                                          django_capture_on_commit_callbacks):
    horloge(paris(2026, 11, 30, 7, 30))
    regle = Regle.objects.get(code="score-agent-bas")
    maintenant = timezone.now()
    for decalage in (1, 2):
        escalade = escalade_declencher(
            regle=regle, sujet=f"agent:{decalage}", depuis=maintenant, maintenant=maintenant - datetime.timedelta(days=decalage),
            observation=Observation(valeur={"score": "3.00"}, agent_id=gens["agent"].pk, equipe_id=gens["equipe"].pk),
        )
    Escalade.objects.filter(pk=escalade.pk).update(declenchee_le=maintenant - datetime.timedelta(minutes=45))
    escalade_prendre_en_charge(escalade_id=escalade.pk, user=gens["chef"])  # 45 min after firing

    with django_capture_on_commit_callbacks(execute=True):
        message_id = weekly_digest_task()
    outbox_vider()

    digest = Message.objects.get(pk=message_id)
    assert digest.etat == "envoye" and digest.destinataires == ["dir@akig.local", "pdg@akig.local"]
    (mail,) = [m for m in mailoutbox if m.subject.startswith("AKIG Ops - Synthèse")]
    assert mail.subject == "AKIG Ops - Synthèse hebdomadaire des escalades du 23/11/2026 au 30/11/2026"
    assert "2 escalades déclenchées cette semaine ; 2 encore ouvertes." in mail.body
    nom, contenu, _type = mail.attachments[0]
    texte = texte_pdf(contenu, tmp_path)
    assert "Synthèse hebdomadaire des escalades" in texte
    assert "45 min" in texte  # mean time to acknowledge


def test_weekly_digest_goes_once_per_iso_week_however_often_beat_runs_it(gens, horloge, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    def synthese() -> int | None:
        with django_capture_on_commit_callbacks(execute=True):
            message_id = weekly_digest_task()
        outbox_vider()  # with Redis the sending task went to the broker
        return message_id

    def digests() -> list:
        return [m for m in mailoutbox if m.subject.startswith("AKIG Ops - Synthèse")]

    # Given beat runs the digest on Monday 30/11/2026 at 07:30 (ISO week 49) …
    voyage = horloge(paris(2026, 11, 30, 7, 30))
    premier = synthese()
    # … when it runs it again a minute later (two beats, a restarted beat catching up), and on
    # the Sunday of the same week:
    voyage.move_to(paris(2026, 11, 30, 7, 31))
    deuxieme = synthese()
    voyage.move_to(paris(2026, 12, 6, 23, 59))
    troisieme = synthese()

    # Then the directors get one digest that week …
    assert premier is not None and (deuxieme, troisieme) == (None, None)
    assert len(digests()) == 1
    # … and the next Monday (week 50), the next one.
    voyage.move_to(paris(2026, 12, 7, 7, 30))
    assert synthese() is not None
    assert [m.subject[-10:] for m in digests()] == ["30/11/2026", "07/12/2026"]


def test_weekly_digest_says_0_and_1_in_the_singular(gens, horloge):
    # Given a quiet week: no escalation at all.
    voyage = horloge(paris(2026, 11, 30, 7, 30))
    calme = Message.objects.get(pk=weekly_digest_task())
    # Then the next week, one escalation fired on Tuesday, still open.
    voyage.move_to(paris(2026, 12, 1, 10, 0))
    escalade_declencher(
        regle=Regle.objects.get(code="score-agent-bas"), sujet="agent:1", depuis=timezone.now(),
        maintenant=timezone.now(),
        observation=Observation(valeur={"score": "3.00"}, agent_id=gens["agent"].pk, equipe_id=gens["equipe"].pk),
    )
    voyage.move_to(paris(2026, 12, 7, 7, 30))
    une = Message.objects.get(pk=weekly_digest_task())

    # French: 0 and 1 take the singular, in both bodies.
    assert "0 escalade déclenchée cette semaine ; 0 encore ouverte." in calme.corps_texte
    assert "0 escalade déclenchée cette semaine ; 0 encore ouverte." in calme.corps_html
    assert "1 escalade déclenchée cette semaine ; 1 encore ouverte." in une.corps_texte


def test_site_pdf_speaks_of_its_site_and_its_links_are_clickable(gens, deux_sites, horloge, tmp_path):
    # Given S02: 12 debts of 500.00, 61 days late (> 10: its rule fires) and one of 300.00 due
    # 10 days ago; S01: 3 debts of 500.00, 61 days late (its own rule does not fire).
    horloge(paris(2026, 11, 30, 9, 0))
    s1, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    impayes_critiques(site=s2, nb=1, montant=Decimal("300.00"), retard=10)
    impayes_critiques(site=s1, nb=3)
    escalades_evaluer()
    escalade = Escalade.objects.get(regle__code="impayes-critiques-site", site=s2)

    contenu, _pages = pdf_rendre(type_rapport="impayes", escalade=escalade)
    texte = texte_pdf(contenu, tmp_path)
    liens = liens_pdf(contenu, tmp_path)

    # Then every figure is S02's: 12 over 60 days = 6 000.00 €; all its debts 12 + 1 = 13,
    # 6 000.00 + 300.00 = 6 300.00 € (what its ageing chart adds up to); never the 15 debts,
    # 7 800.00 € of every site, and no global line in a site's report.
    assert "12 impayés de plus de 60 jours sur 1 site." in texte
    assert "Tous les impayés de ces sites (toutes anciennetés) : 13 impayés, 6 300,00 € restant dû." in texte
    assert "Ensemble du parc" not in texte and "7 800,00 €" not in texte and "16 impayés" not in texte
    # The table's rows add up to its Total line, whose share is the site's of every site's
    # amount past 60 days (6 000 of 6 000 + 1 500: 80 %), not a 100 % its rows do not make.
    assert "S02 — Marcadet 12 6 000,00 € 80,0 %" in texte and "Total 12 6 000,00 € 80,0 %" in texte
    # The links are real links to absolute URLs: the site's page and the escalation.
    assert f"{settings.AKIG_BASE_URL}/dashboard/sites/{s2.pk}/" in liens
    assert f"{settings.AKIG_BASE_URL}/escalations/{escalade.pk}/" in liens


def test_overall_pdf_labels_its_global_line_and_its_chart_adds_up(gens, deux_sites, horloge, tmp_path):
    # Given S01: 51 debts of 100.00, 61 days late (the overall rule fires: 51 > 50) and one of
    # 40.00 due 10 days ago; a third site with only a recent debt of 900.00 (not concerned).
    horloge(paris(2026, 11, 30, 9, 0))
    s1, _s2 = deux_sites
    impayes_critiques(site=s1, nb=51, montant=Decimal("100.00"))
    impayes_critiques(site=s1, nb=1, montant=Decimal("40.00"), retard=10)
    impayes_critiques(site=SiteFactory(code="S03"), nb=1, montant=Decimal("900.00"), retard=5)
    escalades_evaluer()
    escalade = Escalade.objects.get(regle__code="impayes-critiques")

    texte = texte_pdf(pdf_rendre(type_rapport="impayes", escalade=escalade)[0], tmp_path)

    # The sites concerned (S01): 52 debts, 5 100.00 + 40.00 = 5 140.00 €; the whole portfolio,
    # labelled global: 53 debts, 6 040.00 €.
    assert "Tous les impayés de ces sites (toutes anciennetés) : 52 impayés, 5 140,00 € restant dû." in texte
    assert "Ensemble du parc, tous sites (global) : 53 impayés, 6 040,00 € restant dû." in texte
    assert "Total 51 5 100,00 € 100,0 %" in texte
