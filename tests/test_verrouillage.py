"""Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords (5) for a login, or from
an address, lock it out for AXES_COOLOFF_MIN minutes (15), with a French page; the admin
unlocks it sooner."""
import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BON = "motdepasse-test"


def _connexion(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _echecs(client, n, username="dir@akig.local", ip="10.0.0.1"):
    return [_connexion(client, username, "mauvais", ip).status_code for _ in range(n)]


@pytest.fixture
def directeur():
    return UserFactory(username="dir@akig.local", groups=["Direction"])


def test_four_wrong_passwords_then_the_right_one_logs_in(client, directeur):
    assert _echecs(client, 4) == [200] * 4  # the form again, with its error

    assert _connexion(client, "dir@akig.local", BON).status_code == 302


def test_the_fifth_wrong_password_locks_the_login_out_in_french(client, directeur):
    assert _echecs(client, 5) == [200, 200, 200, 200, 429]

    reponse = _connexion(client, "dir@akig.local", BON)  # even the right password

    assert reponse.status_code == 429
    contenu = reponse.content.decode()
    assert "Connexion bloquée" in contenu
    assert "après 5 essais manqués, la connexion à ce compte ou depuis cette adresse est bloquée" in contenu
    assert "Réessayez dans 15 minutes" in contenu
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_login_and_per_address(client, directeur):
    autre = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    _echecs(client, 5, username="dir@akig.local", ip="10.0.0.1")

    # The login is locked from anywhere; another login from that address too.
    assert _connexion(client, "dir@akig.local", BON, ip="10.0.0.2").status_code == 429
    assert _connexion(client, autre.username, BON, ip="10.0.0.1").status_code == 429
    # Another login from another address is untouched.
    assert _connexion(client, autre.username, BON, ip="10.0.0.2").status_code == 302


def test_five_logins_tried_from_one_address_lock_the_address(client, directeur):
    for n in range(5):
        _connexion(client, f"inconnu{n}@akig.local", "x", ip="10.0.0.9")

    assert _connexion(client, "dir@akig.local", BON, ip="10.0.0.9").status_code == 429
    assert _connexion(client, "dir@akig.local", BON, ip="10.0.0.1").status_code == 302


def test_lockout_ends_15_minutes_after_the_last_attempt(client, directeur):
    debut = timezone.now()
    presque = datetime.timedelta(minutes=14, seconds=59)
    with time_machine.travel(debut, tick=False) as voyage:
        _echecs(client, 5)
        voyage.move_to(debut + presque)
        assert _connexion(client, "dir@akig.local", BON).status_code == 429  # and counts as an attempt
        voyage.move_to(debut + presque + datetime.timedelta(minutes=14, seconds=59))
        assert _connexion(client, "dir@akig.local", BON).status_code == 429
        voyage.move_to(debut + presque * 2 + datetime.timedelta(minutes=15, seconds=1))
        assert _connexion(client, "dir@akig.local", BON).status_code == 302


def test_admin_unlocks_a_login_before_the_cool_off(client, directeur, django_user_model):
    _echecs(client, 5)
    tentative = AccessAttempt.objects.get(username="dir@akig.local")
    admin = django_user_model.objects.create_superuser(username="admin@akig.local", password=None)
    client.force_login(admin)

    reponse = client.post(reverse("admin:axes_accessattempt_delete", args=[tentative.pk]), {"post": "yes"})

    assert reponse.status_code == 302
    client.logout()
    assert _connexion(client, "dir@akig.local", BON).status_code == 302
