"""What fires in one evaluation goes out as one email per recipient: the overall alert (the
runbook's subject and template) with a section per site alert, one PDF that covers them; the
reminders of one evaluation likewise. Through a real SMTP server (aiosmtpd), frozen time."""
import datetime
from decimal import Decimal

import pytest

from escalations.models import Escalade, Message
from escalations.outbox import outbox_vider
from escalations.services import escalades_evaluer
from tests.escalations.conftest import impayes_critiques, paris
from tests.escalations.test_synthese_et_pdf import texte_pdf
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db
LUNDI_9H = paris(2026, 11, 30, 9, 0)


def trois_sites():
    """S01: 31 × 500,00 = 15 500,00 €; S02: 12 × 250,50 = 3 006,00 €; S03: 11 × 1 000,00 =
    11 000,00 €; all 61 days late. 54 in all (> 50: the overall rule), 29 506,00 €; each site
    > 10 (the per-site rule). S04: 10 (not > 10) of 100,00 € = 1 000,00 €, in the overall
    figures only: 64 impayés, 30 506,00 €. Built once the clock is frozen (a debt's lateness
    is counted from today)."""
    s1 = SiteFactory(code="S01", nom="Les Vergers", sensible=True)
    s2 = SiteFactory(code="S02", nom="Marcadet")
    s3 = SiteFactory(code="S03", nom="Les Tilleuls")
    s4 = SiteFactory(code="S04", nom="Le Port")
    impayes_critiques(site=s1, nb=31)
    impayes_critiques(site=s2, nb=12, montant=Decimal("250.50"))
    impayes_critiques(site=s3, nb=11, montant=Decimal("1000.00"))
    impayes_critiques(site=s4, nb=10, montant=Decimal("100.00"))
    return s1, s2, s3, s4


def _par_destinataire(boite) -> dict[str, list]:
    recus: dict[str, list] = {}
    for recu in boite.messages:
        for adresse in recu["To"].addresses:
            recus.setdefault(adresse.addr_spec, []).append(recu)
    return recus


def test_overall_and_three_sites_firing_at_once_send_one_email_per_recipient(smtp, gens, horloge, tmp_path):
    # Given a PDG who is not in Direction: told of the overall alert (level 3), not of the
    # sites' (level 2, Direction).
    horloge(LUNDI_9H)
    UserFactory(username="pdg-seul@akig.local", groups=["PDG"])
    s1, s2, s3, _s4 = trois_sites()

    bilan = escalades_evaluer()
    assert outbox_vider() == {"envoye": 2}

    # Then four escalations, and each person got one email.
    assert bilan == {"declenchees": 4}
    recus = _par_destinataire(smtp.boite)
    assert {adresse: len(emails) for adresse, emails in recus.items()} == {
        "dir@akig.local": 1, "pdg@akig.local": 1, "pdg-seul@akig.local": 1,
    }
    (groupe,) = recus["dir@akig.local"]
    assert recus["pdg@akig.local"] == [groupe]
    assert groupe["Subject"] == "URGENT - Impayés Critiques Détectés"
    texte = groupe.get_body(("plain",)).get_content().replace("\r\n", "\n")
    globale = Escalade.objects.get(sujet="global")
    par_site = {e.site_id: e for e in Escalade.objects.exclude(sujet="global")}
    base = "https://akig.example"
    assert texte.startswith(
        "64 impayés dépassent 60 jours pour S01, S03, S02, S04\n"
        "Montant total: 30\u00a0506,00\u00a0€\n\n"
        f"Dashboard: {base}/dashboard/\n"
        f"Lien urgent: {base}/dashboard/impayes?filter=retard:60+\n\n"
        f"Escalade (prise en charge, actions, rapport PDF) : {base}/escalations/{globale.pk}/\n"
        "\nSites en alerte (3) :\n\n"
        "31 impayés dépassent 60 jours pour S01 – Les Vergers\n"
        "Montant total: 15\u00a0500,00\u00a0€\n"
        f"Lien urgent: {base}/dashboard/sites/{s1.pk}/\n"
        f"Escalade (prise en charge, actions, rapport PDF) : {base}/escalations/{par_site[s1.pk].pk}/\n"
        "\n11 impayés dépassent 60 jours pour S03 – Les Tilleuls\n"
        "Montant total: 11\u00a0000,00\u00a0€\n"
        f"Lien urgent: {base}/dashboard/sites/{s3.pk}/\n"
    )
    assert "12 impayés dépassent 60 jours pour S02 – Marcadet\nMontant total: 3\u00a0006,00\u00a0€\n" in texte
    html = groupe.get_body(("html",)).get_content()
    assert f'href="{base}/dashboard/sites/{s2.pk}/"' in html
    # One PDF for the four escalations, a section per site alert with its figures.
    (piece,) = list(groupe.iter_attachments())
    pdf = texte_pdf(piece.get_content(), tmp_path)
    assert "Sites en alerte (3)" in pdf
    assert "S01 — Les Vergers 31 impayés de plus de 60 jours, 15 500,00 € (seuil du site : plus de 10)." in pdf
    assert "S03 — Les Tilleuls 11 impayés de plus de 60 jours, 11 000,00 € (seuil du site : plus de 10)." in pdf
    assert "S02 — Marcadet 12 impayés de plus de 60 jours, 3 006,00 € (seuil du site : plus de 10)." in pdf
    assert pdf.index("S01 — Les Vergers 31") < pdf.index("S03 — Les Tilleuls 11") < pdf.index("S02 — Marcadet 12")
    assert "S04 — Le Port 10 impayé" not in pdf, "S04 is in the overall figures, it has no alert of its own"
    # The PDG outside Direction: the overall alert alone.
    (seul,) = recus["pdg-seul@akig.local"]
    assert seul["Subject"] == "URGENT - Impayés Critiques Détectés"
    assert "Sites en alerte" not in seul.get_body(("plain",)).get_content()
    # Every escalation's timeline says its email went, once.
    for escalade in Escalade.objects.all():
        assert escalade.evenements.filter(type="notification").count() == (2 if escalade == globale else 1)
    assert Message.objects.get(destinataires=["dir@akig.local", "pdg@akig.local"]).escalades.count() == 4


def test_the_sites_raised_in_one_evaluation_are_reminded_in_one_email(smtp, gens, horloge):
    # Given the four alerts of 09:00, unacknowledged.
    voyage = horloge(LUNDI_9H)
    s1, s2, s3, _s4 = trois_sites()
    escalades_evaluer()
    outbox_vider()
    smtp.boite.messages.clear()

    # When 13:00 comes: the sites' 240 min without acknowledgement (the overall alert, at the
    # PDG's level since 09:00, is reminded once a working day: not again today).
    voyage.move_to(paris(2026, 11, 30, 13, 0))
    assert escalades_evaluer() == {"relancees": 3}
    assert outbox_vider() == {"envoye": 1}

    # Then one reminder to each person, about the three sites.
    (relance,) = smtp.boite.messages
    # (Python's email folds a long encoded subject after « Subject: »; unfolded, a space leads.)
    assert relance["Subject"].strip() == "[Relance] URGENT - Impayés Critiques Détectés - S01, S03, S02"
    assert sorted(a.addr_spec for a in relance["To"].addresses) == ["dir@akig.local", "pdg@akig.local"]
    texte = relance.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert texte.count("RELANCE : cette escalade n'a pas été prise en charge ; elle est remontée au niveau "
                       "PDG et Direction.") == 3
    for site in (s1, s2, s3):
        assert f"Lien urgent: https://akig.example/dashboard/sites/{site.pk}/" in texte


def test_one_site_alone_keeps_its_site_in_the_subject(smtp, gens, horloge):
    horloge(LUNDI_9H)
    site = SiteFactory(code="S09", nom="Bel Air")
    impayes_critiques(site=site, nb=11)

    escalades_evaluer()
    outbox_vider()

    (recu,) = smtp.boite.messages
    assert recu["Subject"] == "URGENT - Impayés Critiques Détectés - S09"
    assert "Sites en alerte" not in recu.get_body(("plain",)).get_content()


def test_no_recipient_at_all_writes_no_email(gens, horloge):
    # Nobody in Direction nor PDG: the alerts open, nobody to tell.
    from django.contrib.auth import get_user_model

    horloge(LUNDI_9H)
    trois_sites()
    get_user_model().objects.update(is_active=False)

    assert escalades_evaluer() == {"declenchees": 4}
    assert not Message.objects.exists()


def test_the_evaluation_writes_its_emails_at_its_end_in_its_transaction(gens, horloge, monkeypatch):
    # An evaluation that dies while writing its emails leaves no escalation without its email.
    horloge(LUNDI_9H)
    trois_sites()

    def panne(**kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr("escalations.services.notifications_evaluation", panne)
    with pytest.raises(RuntimeError):
        escalades_evaluer()

    assert not Escalade.objects.exists() and not Message.objects.exists()
    # The next evaluation fires them, with their email.
    monkeypatch.undo()
    escalades_evaluer()
    assert Escalade.objects.count() == 4 and Message.objects.count() == 1


def test_escalation_page_lists_the_grouped_email(client, gens, horloge):
    horloge(LUNDI_9H)
    trois_sites()
    escalades_evaluer()
    site = Escalade.objects.exclude(sujet="global").first()
    client.force_login(UserFactory(username="dir2@akig.local", groups=["Direction"]))

    page = client.get(f"/escalations/{site.pk}/").content.decode()

    assert "URGENT - Impayés Critiques Détectés" in page
    assert datetime.date(2026, 11, 30).strftime("%d/%m/%Y") in page
