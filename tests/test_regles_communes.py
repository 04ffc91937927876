"""The rules written once and used by every layer: coordinate bounds, distance, role checks and
team visibility."""
import math

import pytest
from django.db import IntegrityError, transaction

from agents.selectors import agents_visibles, equipes_visibles, equipes_visibles_filtre
from akig_ops import roles
from akig_ops.lib import csv_import as ci
from akig_ops.lib.geo import RAYON_TERRE_M, distance_m, latitude_valide, longitude_valide
from recovery.models import Site
from tests.factories import AgentFactory, EquipeFactory, SiteFactory, UserFactory

ECART = 1e-4


@pytest.mark.parametrize(("valeur", "valide"), [
    (-90 - ECART, False), (-90, True), (-90 + ECART, True),
    (0, True),
    (90 - ECART, True), (90, True), (90 + ECART, False),
])
def test_latitude_bounds_at_below_and_above(valeur, valide):
    assert latitude_valide(valeur) is valide


@pytest.mark.parametrize(("valeur", "valide"), [
    (-180 - ECART, False), (-180, True), (-180 + ECART, True),
    (180 - ECART, True), (180, True), (180 + ECART, False),
])
def test_longitude_bounds_at_below_and_above(valeur, valide):
    assert longitude_valide(valeur) is valide


@pytest.mark.parametrize(("texte", "erreur"), [("90", False), ("90.0001", True), ("-90", False), ("-90.0001", True)])
def test_csv_import_reads_the_same_latitude_bounds(texte, erreur):
    if erreur:
        with pytest.raises(ci.ValeurInvalide):
            ci.latitude(texte)
    else:
        assert ci.latitude(texte) == float(texte)


@pytest.mark.django_db
@pytest.mark.parametrize(("latitude", "refusee"), [(90, False), (90 + ECART, True), (-90 - ECART, True)])
def test_database_refuses_a_site_outside_the_latitude_bounds(latitude, refusee):
    site = SiteFactory.build(latitude=latitude)
    if refusee:
        with pytest.raises(IntegrityError), transaction.atomic():
            site.save()
    else:
        site.save()
        assert Site.objects.get(pk=site.pk).latitude == latitude


def test_distance_of_one_degree_along_a_meridian():
    # 2πR / 360 by hand: 6 371 000 × π / 180 = 111 194,93 m.
    assert distance_m(0, 0, 1, 0) == pytest.approx(111_194.93, abs=0.01)
    assert distance_m(0, 0, 1, 0) == pytest.approx(RAYON_TERRE_M * math.pi / 180)


def test_distance_is_zero_on_the_spot_and_symmetric():
    assert distance_m(48.8566, 2.3522, 48.8566, 2.3522) == 0
    assert distance_m(48.8566, 2.3522, 48.8606, 2.3376) == distance_m(48.8606, 2.3376, 48.8566, 2.3522)


def test_distance_between_antipodes_is_half_the_circumference():
    assert distance_m(0, 0, 0, 180) == pytest.approx(math.pi * RAYON_TERRE_M)


@pytest.mark.django_db
def test_role_check_for_director_team_lead_and_outsider():
    directeur = UserFactory(groups=[roles.DIRECTION])
    chef = UserFactory(groups=[roles.CHEF_EQUIPE])
    sans_role = UserFactory()
    assert roles.is_direction_ou_chef_equipe(directeur) is True
    assert roles.is_direction_ou_chef_equipe(chef) is True
    assert roles.is_direction_ou_chef_equipe(sans_role) is False
    assert roles.is_direction(chef) is False


@pytest.mark.django_db
def test_team_visibility_director_sees_all_lead_own_outsider_none():
    mon_equipe, autre = EquipeFactory(), EquipeFactory()
    mien, sien = AgentFactory(equipe=mon_equipe), AgentFactory(equipe=autre)
    directeur = UserFactory(groups=[roles.DIRECTION])
    sans_role = UserFactory()

    assert set(agents_visibles(user=directeur)) == {mien, sien}
    assert list(agents_visibles(user=mon_equipe.chef)) == [mien]
    assert list(agents_visibles(user=sans_role)) == []

    assert equipes_visibles(user=directeur) == sorted([mon_equipe, autre], key=lambda e: e.code)
    assert equipes_visibles(user=mon_equipe.chef) == [mon_equipe]
    assert equipes_visibles(user=sans_role) == []


@pytest.mark.django_db
def test_team_visibility_filter_follows_the_given_path():
    equipe = EquipeFactory()
    AgentFactory(equipe=equipe)
    filtre = equipes_visibles_filtre(user=equipe.chef, chemin="equipe__")
    assert dict(filtre.children) == {"equipe__chef": equipe.chef}
