"""Property test of the CSV import (hypothesis, 1 000 files): whatever actions.csv holds —
year 1 or 9999, 10^10 €, NUL, bad UTF-8, escape sequences, ragged rows, quotes — the import
never raises, and the table changes by exactly what its report says: nothing when the file
is rejected, `crees` new rows and `modifies` changed ones when it is applied."""
import csv
import datetime
import io

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agents.importers import ActionsImporteur
from akig_ops.lib.csv_import import importer_fichier
from recovery.models import RecouvrementAction
from tests.factories import AgentFactory, ImpayeFactory, LocataireFactory
from tests.test_proprietes_api import HIER, MILLE, montant, texte

pytestmark = pytest.mark.django_db

ENTETE = ["reference", "agent_code", "locataire_code", "impaye_reference", "type_action", "statut", "resultat",
          "montant_recouvre", "date_action", "latitude", "longitude"]
jour_bon = st.datetimes(min_value=datetime.datetime(2000, 1, 2), max_value=datetime.datetime.combine(HIER, datetime.time()))
ligne_bonne = st.tuples(
    st.sampled_from([f"R{k}" for k in range(10)]), st.just("AG1"), st.just("L1"), st.sampled_from(["", "I1"]),
    st.sampled_from(["visite", "paiement", "refus"]), st.sampled_from(["fait", "RDV pris"]), st.just(""),
    st.decimals(min_value=0, max_value=1_000_000, places=2).map(str), jour_bon.map(lambda d: d.isoformat()),
    st.just(""), st.just(""),
).map(list)
cellule_hostile = st.one_of(
    texte, montant.map(str), st.sampled_from(["0001-01-01T00:00:00", "9999-12-31T23:59:59", "9 999 999 999,99",
                                              "2026-01-01T10:00:00\x00", "=cmd|' /C calc'!A0", "\ufeff"]),
)
ligne = st.one_of(
    ligne_bonne, ligne_bonne,
    st.builds(lambda l, i, v: l[:i] + [v] + l[i + 1:], ligne_bonne, st.integers(0, len(ENTETE) - 1), cellule_hostile),
    st.lists(cellule_hostile, min_size=0, max_size=len(ENTETE) + 2),
)


@pytest.fixture
def referentiel():
    locataire = LocataireFactory(code="L1")
    ImpayeFactory(reference="I1", locataire=locataire)
    AgentFactory(code="AG1")


def _etat() -> set:
    """Every column of every action (reference first): a change anywhere shows."""
    colonnes = [f.attname for f in RecouvrementAction._meta.concrete_fields if not f.primary_key]
    colonnes.remove("reference")
    return set(RecouvrementAction.objects.values_list("reference", *colonnes))


@MILLE
@given(lignes=st.lists(ligne, max_size=6), ignorer=st.booleans(), delimiteur=st.sampled_from([",", ";"]))
def test_import_never_raises_and_changes_exactly_what_its_report_says(referentiel, tmp_path_factory, lignes, ignorer,
                                                                      delimiteur):
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=delimiteur)
    ecrivain.writerow(ENTETE)
    ecrivain.writerows(lignes)
    chemin = tmp_path_factory.mktemp("csv") / "actions.csv"
    # surrogatepass: a lone surrogate becomes bytes that are not UTF-8, as a broken export has.
    chemin.write_bytes(tampon.getvalue().encode("utf-8", errors="surrogatepass"))
    avant = _etat()

    rapport = importer_fichier(ActionsImporteur(), chemin, skip_invalid=ignorer)

    apres = _etat()
    event("appliqué" if rapport.applique else "rejeté")
    if not rapport.applique:
        assert apres == avant, "a rejected file changed rows"
        assert rapport.erreurs and all(str(e) for e in rapport.erreurs)
        return
    references_avant = {r for r, *_ in avant}
    references_apres = {r for r, *_ in apres}
    assert len(references_apres - references_avant) == rapport.crees
    assert references_avant <= references_apres
    changees = {r for r, *_ in apres - avant} - (references_apres - references_avant)
    assert len(changees) == rapport.modifies
