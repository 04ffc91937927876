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
from agents.services import scores_instantanes_enregistrer
from tests.factories import ActionFactory, SiteFactory, UserFactory, agent_au_travail

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
    # Its subtitle names the four escalations, not only the first.
    numeros = ", ".join(str(pk) for pk in sorted(Escalade.objects.values_list("pk", flat=True)))
    assert f"escalades n° {numeros}, déclenchées le 30/11/2026 09:00" in pdf
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


def _journee(voyage, *, de: datetime.datetime, a: datetime.datetime) -> None:
    """What beat does every 5 minutes from `de` to `a` included: the score snapshot, then the
    evaluation."""
    instant = de
    while instant <= a:
        voyage.move_to(instant)
        scores_instantanes_enregistrer()
        escalades_evaluer()
        instant += datetime.timedelta(minutes=5)


def trois_agents(equipe):
    """Mission 09:00–11:00 on Monday 30/11, actions at 10:00 (visits and answers both count as
    visits; 8 expected over the whole mission):
    AG101 Alice, 4 visits: 4 × 4/8 + 6 × 2/4 = 2 + 3 = 5,00 from 11:00 (at the threshold: not under);
        7,00 at 10:05 (4 visits of the 4 expected) — under 5 only from 09:15 to 10:00.
    AG102 Bruno, a visit and a refusal: 4 × 2/8 + 6 × 2/5 = 1 + 2,40 = 3,40 from 11:00.
    AG103 Chloé, nothing: 0 + 6 × 2/4 = 3,00.
    Bruno and Chloé are under 5 from 09:15 (the first snapshot that judges: one visit expected)."""
    return (
        agent_au_travail(jour=LUNDI_9H.date(), actions={"visite": 4}, code="AG101", nom="Alice", equipe=equipe),
        agent_au_travail(jour=LUNDI_9H.date(), actions={"visite": 1, "refus": 1}, code="AG102", nom="Bruno",
                         equipe=equipe),
        agent_au_travail(jour=LUNDI_9H.date(), code="AG103", nom="Chloé", equipe=equipe),
    )


def test_two_agents_of_one_team_lead_under_the_threshold_give_one_email_and_one_pdf(smtp, gens, horloge, tmp_path):
    voyage = horloge(LUNDI_9H)
    alice, bruno, chloe = trois_agents(gens["equipe"])

    # 2 h of low scores from 09:15: Bruno and Chloé trip in the evaluation of 11:15.
    _journee(voyage, de=LUNDI_9H, a=paris(2026, 11, 30, 11, 15))
    assert outbox_vider() == {"envoye": 1}

    assert sorted(e.agent.code for e in Escalade.objects.all()) == ["AG102", "AG103"]
    (recu,) = smtp.boite.messages
    assert [a.addr_spec for a in recu["To"].addresses] == ["chef@akig.local"]
    assert recu["Subject"].strip() == "Performance agent très basse - 2 agents sous le seuil : AG102, AG103"
    texte = recu.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert texte.startswith("2 agents sous le seuil de 5 depuis 2 h d'affilée :\n\n== AG102 Bruno ==\n")
    base = "https://akig.example"
    par_agent = {e.agent_id: e for e in Escalade.objects.all()}
    for agent, score in ((bruno, "3,40"), (chloe, "3,00")):
        assert (f"L'agent {agent.nom} ({agent.code}, Équipe Nord) a un score sous 5 depuis 2 h d'affilée pendant "
                f"ses heures de service (30/11/2026 09:15 → 11:15).\nScore du moment : {score} / 10\n\n"
                f"Page de l'agent (trajet GPS, actions du jour) : {base}/agents/{agent.pk}/?jour=2026-11-30&debut=09:15"
                f"&fin=11:15\nEscalade (prise en charge, checklist, rapport PDF) : "
                f"{base}/escalations/{par_agent[agent.pk].pk}/\n") in texte
    assert texte.index("AG102") < texte.index("AG103")
    assert "AG101" not in texte and "Alice" not in texte  # at 5,00: not under 5
    html = recu.get_body(("html",)).get_content()
    assert f'href="{base}/agents/{chloe.pk}/?jour=2026-11-30&amp;debut=09:15&amp;fin=11:15"' in html
    # One PDF about both: a summary, then a section per agent with its score of the moment.
    (piece,) = list(recu.iter_attachments())
    pdf = texte_pdf(piece.get_content(), tmp_path)
    numeros = sorted(e.pk for e in par_agent.values())
    assert "Performance agent très basse — 2 agents sous le seuil" in pdf
    assert f"escalades n° {numeros[0]}, {numeros[1]}, déclenchées le 30/11/2026 11:15" in pdf
    assert f"AG102 Bruno Équipe Nord 3,40 3,40 30/11/2026 09:15 n° {par_agent[bruno.pk].pk}" in pdf
    assert f"AG103 Chloé Équipe Nord 3,00 3,00 30/11/2026 09:15 n° {par_agent[chloe.pk].pk}" in pdf
    for agent, score in ((bruno, "3,40"), (chloe, "3,00")):
        assert f"{agent.code} {agent.nom} Équipe Nord · chef d'équipe" in pdf
        # Then the cards, the score of the moment first.
        assert (f"Score au déclenchement {score} / 10, sous 5 à chaque évaluation pendant les heures de service, "
                f"de 09:15 à 11:15. {score} ") in pdf
    assert "AG101" not in pdf and "Alice" not in pdf
    # Each escalation's timeline says the email went; the message speaks of both.
    message = Message.objects.get()
    assert sorted(message.escalades.values_list("pk", flat=True)) == numeros
    for escalade in par_agent.values():
        assert escalade.evenements.filter(type="notification").count() == 1

    # 60 min without acknowledgement: both raised to Direction in one evaluation, one reminder each.
    smtp.boite.messages.clear()
    _journee(voyage, de=paris(2026, 11, 30, 11, 20), a=paris(2026, 11, 30, 12, 15))
    assert outbox_vider() == {"envoye": 1}
    (relance,) = smtp.boite.messages
    assert sorted(a.addr_spec for a in relance["To"].addresses) == ["dir@akig.local", "pdg@akig.local"]
    assert relance["Subject"].strip() == "[Relance] Performance agent très basse - 2 agents sous le seuil : AG102, AG103"
    texte = relance.get_body(("plain",)).get_content()
    assert texte.count("RELANCE : cette escalade n'a pas été prise en charge ; elle est remontée au niveau "
                       "Direction.") == 2
    assert len(list(relance.iter_attachments())) == 1

    # 12:20 both make 5 promises (Bruno 4 × 7/8 + 6 × 7/10 = 7,70; Chloé 4 × 5/8 + 6 × 7/9 = 7,17):
    # clear from 12:25, resolved 30 min later in one evaluation, one « Résolu » email each.
    smtp.boite.messages.clear()
    for agent in (bruno, chloe):
        ActionFactory.create_batch(5, agent=agent, type_action="promesse", date_action=paris(2026, 11, 30, 12, 20))
    _journee(voyage, de=paris(2026, 11, 30, 12, 20), a=paris(2026, 11, 30, 12, 55))
    assert outbox_vider() == {"envoye": 1}
    assert set(Escalade.objects.values_list("etat", flat=True)) == {"resolue"}
    (resolu,) = smtp.boite.messages
    assert sorted(a.addr_spec for a in resolu["To"].addresses) == ["dir@akig.local", "pdg@akig.local"]
    assert resolu["Subject"].strip() == "Résolu - 2 escalades : AG102 – Bruno, AG103 – Chloé"
    texte = resolu.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert texte.startswith("2 escalades résolues :\n\nL'escalade « Performance agent très basse » (AG102 – Bruno) "
                            "est résolue.\n")
    assert "L'escalade « Performance agent très basse » (AG103 – Chloé) est résolue." in texte
    assert texte.count("Résolue automatiquement : condition levée depuis le 30/11/2026 12:25.") == 2
    assert not list(resolu.iter_attachments())


def test_a_report_s_subtitle_names_every_escalation_and_when_they_fired():
    from django.template.loader import render_to_string

    neuf, treize = paris(2026, 11, 30, 9, 0), paris(2026, 11, 30, 13, 0)

    def sous_titre(numeros, declenchees):
        return render_to_string("pdf/_escalades.html", {"numeros": numeros, "declenchees": declenchees}).strip()

    assert sous_titre([3], [neuf]) == "· escalade n° 3, déclenchée le 30/11/2026 09:00"
    assert sous_titre([3, 7], [neuf]) == "· escalades n° 3, 7, déclenchées le 30/11/2026 09:00"
    assert sous_titre([3, 7], [neuf, treize]) == "· escalades n° 3, 7, déclenchées du 30/11/2026 09:00 au 30/11/2026 13:00"
    assert sous_titre([], []) == ""


def test_a_subject_names_five_then_says_how_many_more():
    from escalations.notifications import liste_bornee

    codes = [f"AG{i}" for i in range(1, 31)]
    assert liste_bornee(codes[:5]) == "AG1, AG2, AG3, AG4, AG5"
    assert liste_bornee(codes[:6]) == "AG1, AG2, AG3, AG4, AG5 et 1 autre"
    assert liste_bornee(codes) == "AG1, AG2, AG3, AG4, AG5 et 25 autres"
