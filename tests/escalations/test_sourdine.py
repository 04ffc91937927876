"""Resolving means something: a person cannot close an escalation whose condition still holds
without a snooze (until when, why), kept on its timeline and in the audit log; no escalation
(and no URGENT email) opens for the same rule and subject before the snooze ends, and one opens
as soon as it ends if the condition still holds. Frozen time."""
import datetime

import pytest
from django.urls import reverse

from akig_ops.models import EntreeAudit
from escalations.models import AttenteRegle, Escalade, Message, Regle
from escalations.services import escalades_evaluer
from recovery.models import Impaye
from tests.escalations.conftest import impayes_critiques, paris

pytestmark = pytest.mark.django_db
LUNDI_9H = paris(2026, 11, 30, 9, 0)
MIDI = paris(2026, 11, 30, 12, 0)
FIN = paris(2026, 11, 30, 14, 0)  # the snooze's end
SECONDE = datetime.timedelta(seconds=1)


@pytest.fixture
def s02_en_alerte(gens, deux_sites, horloge):
    """12 critical debts on S02: the per-site rule fires at 09:00 (to Direction); the clock
    then stands at 12:00, the condition still true."""
    voyage = horloge(LUNDI_9H)
    impayes_critiques(site=deux_sites[1], nb=12)
    escalades_evaluer()
    voyage.move_to(MIDI)
    escalades_evaluer()
    return {"escalade": Escalade.objects.get(), "voyage": voyage, **gens}


def _resoudre(client, escalade, **champs):
    return client.post(reverse("escalations:resoudre", args=[escalade.pk]), {"note": "Huissier mandaté.", **champs})


def test_resolving_while_the_condition_holds_is_refused_without_a_snooze(client, s02_en_alerte):
    escalade = s02_en_alerte["escalade"]
    client.force_login(s02_en_alerte["direction"])

    reponse = _resoudre(client, escalade)

    # Then a French 400 naming both fields, and nothing written.
    assert reponse.status_code == 400
    page = reponse.content.decode()
    assert "Jusqu&#x27;au : obligatoire, la condition tient encore" in page
    assert "Motif de la mise en sourdine : obligatoire" in page
    escalade.refresh_from_db()
    assert (escalade.etat, escalade.sourdine_jusqu_au) == ("declenchee", None)
    assert list(escalade.evenements.values_list("type", flat=True)) == ["declenchement"]
    assert Message.objects.count() == 1
    assert not EntreeAudit.objects.filter(type="escalade").exists()


@pytest.mark.parametrize(("champs", "erreur"), [
    ({"sourdine_jusqu_au": "2026-11-30T14:00"}, "Motif de la mise en sourdine : obligatoire"),
    ({"sourdine_jusqu_au": "demain", "motif_sourdine": "Plan"},
     "Jusqu&#x27;au : « demain » n&#x27;est pas une date et une heure (jj/mm/aaaa hh:mm)."),
    ({"sourdine_jusqu_au": "2026-11-30T12:00", "motif_sourdine": "Plan"},
     "Jusqu&#x27;au : doit être après maintenant (30/11/2026 12:00)."),
    ({"sourdine_jusqu_au": "2026-12-31T12:01", "motif_sourdine": "Plan"},
     "Jusqu&#x27;au : au plus 31 jours après maintenant (le 31/12/2026 12:00)"),
    ({"sourdine_jusqu_au": "2026-11-30T14:00", "motif_sourdine": "Plan\x00"}, "Motif de la mise en sourdine : "),
])
def test_a_bad_snooze_is_a_french_400_naming_its_field(client, s02_en_alerte, champs, erreur):
    escalade = s02_en_alerte["escalade"]
    client.force_login(s02_en_alerte["direction"])

    reponse = _resoudre(client, escalade, **champs)

    assert reponse.status_code == 400
    assert erreur in reponse.content.decode()
    assert Escalade.objects.get().etat == "declenchee"


def test_the_longest_snooze_is_accepted_at_its_limit(client, s02_en_alerte):
    client.force_login(s02_en_alerte["direction"])

    reponse = _resoudre(client, s02_en_alerte["escalade"], sourdine_jusqu_au="31/12/2026 12:00",
                        motif_sourdine="Plan d'apurement signé, premier versement le 31.")

    assert reponse.status_code == 302
    assert Escalade.objects.get().sourdine_jusqu_au == paris(2026, 12, 31, 12, 0)


def test_resolving_with_a_snooze_is_kept_on_the_timeline_and_in_the_audit_log(client, s02_en_alerte):
    escalade = s02_en_alerte["escalade"]
    client.force_login(s02_en_alerte["direction"])

    reponse = _resoudre(client, escalade, sourdine_jusqu_au="2026-11-30T14:00",
                        motif_sourdine="Le syndic verse 6 000 € à 14 h.")

    assert reponse.status_code == 302
    escalade.refresh_from_db()
    assert (escalade.etat, escalade.resolue_le, escalade.resolue_par) == ("resolue", MIDI, s02_en_alerte["direction"])
    assert (escalade.sourdine_jusqu_au, escalade.motif_sourdine) == (FIN, "Le syndic verse 6 000 € à 14 h.")
    sourdine = escalade.evenements.get(type="sourdine")
    assert sourdine.message == "Aucune nouvelle escalade avant le 30/11/2026 14:00 : Le syndic verse 6 000 € à 14 h."
    assert sourdine.auteur == s02_en_alerte["direction"]
    entree = EntreeAudit.objects.get(type="escalade")
    assert entree.objet == f"escalade {escalade.pk} : resolution"
    assert entree.details == {"escalade": escalade.pk, "geste": "resolution",
                              "sourdine_jusqu_au": FIN.isoformat(), "motif_sourdine": "Le syndic verse 6 000 € à 14 h."}
    page = client.get(reverse("escalations:detail", args=[escalade.pk])).content.decode()
    assert "En sourdine jusqu'au" in page and "30/11/2026 14:00" in page
    assert [m.sujet for m in Message.objects.order_by("id")] == [
        "URGENT - Impayés Critiques Détectés - S02", "Résolu - Impayés critiques sur un site - S02 – Marcadet",
    ]


@pytest.mark.parametrize(("instant", "nouvelle"), [
    (FIN - SECONDE, False),  # just before the end: still snoozed
    (FIN, True),  # at the end instant: the snooze is over
    (FIN + SECONDE, True),  # just after
])
def test_no_new_escalation_until_the_snooze_ends_then_one_at_once(client, s02_en_alerte, instant, nouvelle):
    # Given the escalation resolved at 12:00 with a snooze until 14:00, the condition still true.
    client.force_login(s02_en_alerte["direction"])
    _resoudre(client, s02_en_alerte["escalade"], sourdine_jusqu_au="2026-11-30T14:00", motif_sourdine="Versement à 14 h.")
    voyage = s02_en_alerte["voyage"]
    for minute in range(5, 120, 5):  # every evaluation of the snooze: nothing opens, nothing is sent
        voyage.move_to(MIDI + datetime.timedelta(minutes=minute))
        assert escalades_evaluer() == {"en_sourdine": 1}
    assert Escalade.objects.count() == 1 and Message.objects.count() == 2

    voyage.move_to(instant)
    bilan = escalades_evaluer()

    if nouvelle:
        assert bilan == {"declenchees": 1}
        nouvelle_escalade = Escalade.objects.get(etat="declenchee")
        assert nouvelle_escalade.declenchee_le == instant
        assert Message.objects.order_by("id").last().sujet == "URGENT - Impayés Critiques Détectés - S02"
    else:
        assert bilan == {"en_sourdine": 1}
        assert Escalade.objects.count() == 1 and Message.objects.count() == 2


def test_a_snoozed_rule_with_a_duration_fires_at_the_end_if_it_held_all_along(client, s02_en_alerte):
    # Given the per-site rule asks for 30 min of condition before firing, and the snooze.
    Regle.objects.filter(code="impayes-critiques-site").update(duree_min=30)
    client.force_login(s02_en_alerte["direction"])
    _resoudre(client, s02_en_alerte["escalade"], sourdine_jusqu_au="2026-11-30T14:00", motif_sourdine="Versement.")
    voyage = s02_en_alerte["voyage"]
    voyage.move_to(paris(2026, 11, 30, 13, 0))
    escalades_evaluer()
    assert AttenteRegle.objects.get().depuis == paris(2026, 11, 30, 13, 0)

    # When the snooze ends at 14:00, the condition true since 13:00 (> 30 min):
    voyage.move_to(FIN)
    assert escalades_evaluer() == {"declenchees": 1}


def test_resolving_once_the_condition_is_clear_needs_no_snooze_and_the_next_episode_fires(client, s02_en_alerte):
    # Given the debts paid at 12:05: clear since then (the automatic resolution waits 60 min).
    voyage = s02_en_alerte["voyage"]
    voyage.move_to(MIDI + datetime.timedelta(minutes=5))
    Impaye.objects.all().delete()
    escalades_evaluer()
    assert Escalade.objects.get().etat == "declenchee"
    client.force_login(s02_en_alerte["direction"])

    assert _resoudre(client, s02_en_alerte["escalade"]).status_code == 302

    escalade = Escalade.objects.get()
    assert (escalade.etat, escalade.sourdine_jusqu_au) == ("resolue", None)
    # A new episode later that day opens a new escalation at once (no snooze was asked).
    impayes_critiques(site=escalade.site, nb=11)
    voyage.move_to(MIDI + datetime.timedelta(minutes=10))
    assert escalades_evaluer() == {"declenchees": 1}


def test_a_condition_back_since_the_page_was_read_asks_for_a_snooze(client, s02_en_alerte):
    # Given the page read with the condition clear (12:05) …
    voyage = s02_en_alerte["voyage"]
    voyage.move_to(MIDI + datetime.timedelta(minutes=5))
    Impaye.objects.filter(pk__in=list(Impaye.objects.values_list("pk", flat=True)[:2])).delete()  # 10: clear
    escalades_evaluer()
    client.force_login(s02_en_alerte["direction"])
    assert "Mise en sourdine" not in client.get(
        reverse("escalations:detail", args=[s02_en_alerte["escalade"].pk])).content.decode()
    # … then an evaluation sees it back (12:10) before the person submits:
    impayes_critiques(site=s02_en_alerte["escalade"].site, nb=1)
    voyage.move_to(MIDI + datetime.timedelta(minutes=10))
    escalades_evaluer()

    reponse = _resoudre(client, s02_en_alerte["escalade"])

    assert reponse.status_code == 400
    assert "Jusqu&#x27;au : obligatoire, la condition tient encore" in reponse.content.decode()
    assert Escalade.objects.get().etat == "declenchee"
