"""import_csv: what a folder of AKIG exports becomes, and what a bad file does not."""
import csv
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from agents.models import Agent, AgentGeolocalisation, Equipe, Mission, PerformanceHistorique
from recovery.models import Impaye, ImpayeSolde, Locataire, RecouvrementAction, Site

pytestmark = pytest.mark.django_db

FILES = {
    "sites.csv": [
        "code,nom,adresse,latitude,longitude,sensible",
        'S1,Résidence Alpha,"1 rue A, Paris",48.85,2.35,1',
        "S2,Résidence Beta,2 rue B,48.86,2.36,0",
    ],
    "equipes.csv": ["code,nom,chef_email", "EQ1,Équipe Nord,Chef.Nord@akig.local"],
    "agents.csv": [
        "code,nom,email,telephone,equipe_code,actif",
        "AG1,Jean Dupont,jean@akig.local,+33600000001,EQ1,1",
        "AG2,Awa Diallo,,+33600000002,EQ1,0",
    ],
    "locataires.csv": [
        "code,nom,telephone,site_code,logement",
        "L1,Marie Curie,+33611111111,S1,A-1",
        "L2,Paul Martin,,S2,B-2",
    ],
    "impayes.csv": [
        "reference,locataire_code,periode,montant_du,montant_paye,date_echeance",
        "I1,L1,2026-08,800.00,0,2026-08-05",
        "I2,L1,2026-09,800.00,800.00,2026-09-05",
        "I3,L2,2026-09,1200.50,200,2026-09-05",
    ],
    "missions.csv": [
        "reference,agent_code,site_code,date_prevue,heure_debut,heure_fin,status",
        "M1,AG1,S1,2026-11-20,09:00,11:00,complete",
        "M2,AG1,S2,2026-11-20,14:00,16:30,non_complete",
    ],
    "actions.csv": [
        "reference,agent_code,locataire_code,impaye_reference,type_action,statut,resultat,"
        "montant_recouvre,date_action,latitude,longitude",
        "A1,AG1,L1,I1,paiement,realisee,Payé en espèces,150.00,2026-11-20T09:30:00,48.85,2.35",
        "A2,AG1,L2,,appel,realisee,,0,2026-11-20T10:30:00+01:00,,",
    ],
    "positions.csv": [
        "agent_code,timestamp,latitude,longitude,precision_m",
        "AG1,2026-11-20T09:00:00,48.85,2.35,5",
        "AG1,2026-11-20T09:00:30Z,48.8501,2.3501,",
    ],
}


def write(folder, name, lines, *, encoding="utf-8"):
    (folder / name).write_text("\n".join(lines) + "\n", encoding=encoding)


def run_import(folder, *args):
    """Runs the command; returns (stdout, stderr, CommandError or None)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_csv", str(folder), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def exports(tmp_path):
    for name, lines in FILES.items():
        write(tmp_path, name, lines)
    return tmp_path


def snapshot():
    """Every imported table's rows, to compare two states of the database."""
    return {
        model.__name__: sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))
        for model in (Site, Equipe, Agent, Locataire, Impaye, ImpayeSolde, Mission,
                      RecouvrementAction, AgentGeolocalisation)
    }


def test_import_folder_loads_every_file_with_its_figures(exports):
    out, err, error = run_import(exports)

    assert error is None and err == ""
    assert Site.objects.get(code="S1").sensible is True
    chef = Equipe.objects.get(code="EQ1").chef
    assert chef.username == "chef.nord@akig.local"
    assert chef.groups.filter(name="Chef d'équipe").exists()
    assert not chef.has_usable_password()
    assert Agent.objects.get(code="AG2").actif is False
    # Outstanding debts stay in impayes with what remains due; the settled one leaves.
    assert dict(Impaye.objects.values_list("reference", "montant")) == {
        "I1": Decimal("800.00"),
        "I3": Decimal("1000.50"),
    }
    assert list(ImpayeSolde.objects.values_list("reference", flat=True)) == ["I2"]
    i3 = Impaye.objects.get(reference="I3")
    assert i3.site.code == "S2" and i3.date_echeance == datetime.date(2026, 9, 5)
    assert i3.periode == datetime.date(2026, 9, 1)
    # A naive date-time is Paris time; "Z" is UTC.
    a1 = RecouvrementAction.objects.get(reference="A1")
    assert a1.date_action == datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.UTC)
    assert a1.montant_recouvre == Decimal("150.00")
    assert RecouvrementAction.objects.get(reference="A2").latitude is None
    assert sorted(AgentGeolocalisation.objects.values_list("timestamp", flat=True)) == [
        datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 20, 9, 0, 30, tzinfo=datetime.UTC),
    ]
    assert Mission.objects.get(reference="M2").status == "non_complete"
    assert "impayes.csv : importé — 3 créés, 0 modifié, 0 inchangé, 0 rejeté" in out
    # AG1's 20/11: one payment at the door (A1), one call (A2, remote):
    # score = 4 × min(1, 1/8) + 6 × (1 + 2)/(1 + 4) = 0.50 + 3.60 = 4.10
    perf = PerformanceHistorique.objects.get()
    assert (perf.agent.code, perf.date_stat) == ("AG1", datetime.date(2026, 11, 20))
    assert (perf.visites, perf.promesses, perf.paiements, perf.refus) == (1, 0, 1, 0)
    assert perf.score == Decimal("4.10") and perf.montant_recouvre == Decimal("150.00")
    assert "performance_historique : 1 ligne recalculée du 20/11/2026 au 20/11/2026" in out


def test_import_twice_changes_nothing(exports):
    run_import(exports)
    before = snapshot()

    out, _, error = run_import(exports)

    assert error is None
    assert snapshot() == before
    assert "positions.csv : importé — 0 créé, 0 modifié, 2 inchangés, 0 rejeté" in out
    assert "impayes.csv : importé — 0 créé, 0 modifié, 3 inchangés, 0 rejeté" in out


def test_import_changed_rows_update_and_debts_move_between_tables(exports):
    run_import(exports)
    # I1 is now fully paid, I2 was reopened (a cheque bounced), I3 partly paid more.
    write(exports, "impayes.csv", [
        "reference,locataire_code,periode,montant_du,montant_paye,date_echeance",
        "I1,L1,2026-08,800.00,800.00,2026-08-05",
        "I2,L1,2026-09,800.00,300.00,2026-09-05",
        "I3,L2,2026-09,1200.50,700.50,2026-09-05",
    ])
    # L1 moved to site S2: his debts follow him.
    write(exports, "locataires.csv", [
        "code,nom,telephone,site_code,logement",
        "L1,Marie Curie,+33611111111,S2,C-3",
        "L2,Paul Martin,,S2,B-2",
    ])

    out, _, error = run_import(exports)

    assert error is None
    assert dict(Impaye.objects.values_list("reference", "montant")) == {
        "I2": Decimal("500.00"),
        "I3": Decimal("500.00"),
    }
    assert list(ImpayeSolde.objects.values_list("reference", flat=True)) == ["I1"]
    assert set(Impaye.objects.values_list("site__code", flat=True)) == {"S2"}
    assert ImpayeSolde.objects.get(reference="I1").site.code == "S2"
    assert "impayes.csv : importé — 0 créé, 3 modifiés, 0 inchangé, 0 rejeté" in out
    assert "locataires.csv : importé — 0 créé, 1 modifié, 1 inchangé, 0 rejeté" in out


def test_import_rejects_whole_file_and_lists_every_bad_row(exports):
    run_import(exports)
    before = snapshot()
    write(exports, "impayes.csv", [
        "reference,locataire_code,periode,montant_du,montant_paye,date_echeance",
        "I1,L1,2026-08,800.00,400,2026-08-05",   # a good change, must not be applied
        "I4,L9,2026-10,800.00,0,2026-10-05",     # line 3: unknown tenant
        "I5,L1,2026-10,800.00,0,2026-13-45",     # line 4: impossible date
        "I6,L1,2026-10,-12.00,0,2026-10-05",     # line 5: negative amount
        "I7,L1,2026-10,douze,0,2026-10-05",      # line 6: not a number
        "I8,L1,2026-10,500.00,0,2026-10-05",     # line 7 and 8: same reference, other values
        "I8,L1,2026-10,550.00,0,2026-10-05",
        "I9,L1,2026-10,500.00,600.00,2026-10-05",  # line 9: paid more than due
    ])

    out, err, error = run_import(exports)

    assert error is not None and str(error).startswith("Fichiers rejetés, rien n'en a été importé : impayes.csv")
    assert snapshot() == before
    assert "impayes.csv : REJETÉ — 0 créé, 0 modifié, 0 inchangé, 8 rejetés" in out
    lines = err.splitlines()
    assert lines == [
        "impayes.csv, ligne 3, colonne « locataire_code » : code locataire inconnu « L9 »",
        "impayes.csv, ligne 4, colonne « date_echeance » : date invalide « 2026-13-45 » (attendu AAAA-MM-JJ)",
        "impayes.csv, ligne 5, colonne « montant_du » : montant négatif « -12.00 »",
        "impayes.csv, ligne 6, colonne « montant_du » : montant non numérique « douze »",
        "impayes.csv, ligne 7, colonne « reference » : "
        "même reference sur les lignes 7, 8 avec des valeurs différentes",
        "impayes.csv, ligne 8, colonne « reference » : "
        "même reference sur les lignes 7, 8 avec des valeurs différentes",
        "impayes.csv, ligne 9, colonne « montant_paye » : "
        "montant payé 600.00 supérieur au montant dû 500.00",
        # Actions refer to debts: they wait for a corrected impayes.csv.
        "actions.csv, ligne 1 : non importé : dépend de impayes.csv, rejeté",
    ]


@pytest.mark.parametrize(
    "name, bad_line, expected",
    [
        ("sites.csv", "S3,Gamma,,999,2.35,0",
         "sites.csv, ligne 4, colonne « latitude » : latitude 999 hors de l'intervalle [-90, 90]"),
        ("sites.csv", "S3,Gamma,,48.8,2.35,peut-être",
         "sites.csv, ligne 4, colonne « sensible » : valeur « peut-être » invalide (attendu 0 ou 1)"),
        ("agents.csv", "AG3,Léa,,,EQ9,1",
         "agents.csv, ligne 4, colonne « equipe_code » : code équipe inconnu « EQ9 »"),
        ("missions.csv", "M3,AG1,S1,2026-11-21,11:00,09:00,complete",
         "missions.csv, ligne 4, colonne « heure_fin » : l'heure de fin doit suivre l'heure de début"),
        ("missions.csv", "M3,AG1,S1,2026-11-21,09:00,11:00,finie",
         "missions.csv, ligne 4, colonne « status » : valeur « finie » inconnue "
         "(attendu : planifiee, en_cours, complete, non_complete)"),
        ("positions.csv", "AG1,2099-01-01T10:00:00,48.85,2.35,5",
         "positions.csv, ligne 4, colonne « timestamp » : horodatage dans le futur « 2099-01-01T10:00:00 »"),
        ("positions.csv", "AG1,2026-11-20T09:01:00,48.85,-999,5",
         "positions.csv, ligne 4, colonne « longitude » : longitude -999 hors de l'intervalle [-180, 180]"),
        ("actions.csv", "A3,AG1,L2,I1,visite,realisee,,0,2026-11-20T11:00:00,48.86,2.36",
         "actions.csv, ligne 4, colonne « impaye_reference » : l'impayé « I1 » n'est pas du locataire « L2 »"),
        ("actions.csv", "A3,AG1,L2,,visite,realisee,,-5,2026-11-20T11:00:00,48.86,2.36",
         "actions.csv, ligne 4, colonne « montant_recouvre » : montant négatif « -5 »"),
    ],
)
def test_import_bad_value_rejects_its_file_with_a_french_reason(exports, name, bad_line, expected):
    write(exports, name, [*FILES[name], bad_line])

    out, err, error = run_import(exports)

    assert error is not None
    assert err.splitlines()[0] == expected
    table = {"sites.csv": Site, "agents.csv": Agent, "missions.csv": Mission,
             "positions.csv": AgentGeolocalisation, "actions.csv": RecouvrementAction}[name]
    assert table.objects.count() == 0, "nothing of a rejected file is applied"
    assert f"{name} : REJETÉ" in out


def test_import_accepts_semicolons_bom_and_decimal_commas(exports):
    write(exports, "impayes.csv", [
        "reference;locataire_code;periode;montant_du;montant_paye;date_echeance",
        "I1;L1;2026-08;1 234,56;0,56;2026-08-05",
    ], encoding="utf-8-sig")
    write(exports, "sites.csv", [
        "code;nom;adresse;latitude;longitude;sensible",
        "S1;Résidence Alpha;1 rue A;48,85;2,35;1",
        "S2;Résidence Beta;2 rue B;48,86;2,36;0",
    ], encoding="utf-8-sig")

    _, _, error = run_import(exports)

    assert error is None
    assert Impaye.objects.get(reference="I1").montant == Decimal("1234.00")
    assert Site.objects.get(code="S1").latitude == 48.85


def test_import_missing_column_rejects_file(exports):
    write(exports, "sites.csv", ["code,nom,latitude,longitude", "S1,Alpha,48.85,2.35"])

    _, err, error = run_import(exports)

    assert error is not None
    assert "sites.csv, ligne 1, colonne « adresse, sensible » : colonnes absentes de l'en-tête" in err
    assert Site.objects.count() == 0


@pytest.mark.parametrize("skip", [[], ["--ignorer-invalides"]])
def test_import_file_not_in_utf8_is_rejected_even_with_skip_invalid(exports, skip):
    write(exports, "locataires.csv", [*FILES["locataires.csv"], "L3,Hélène Noël,,S1,C-1"], encoding="latin-1")

    _, err, error = run_import(exports, *skip)

    assert error is not None
    assert "locataires.csv, ligne 4 : le fichier n'est pas en UTF-8 (enregistrez-le en UTF-8)" in err
    assert Locataire.objects.count() == 0


def test_import_rejected_teams_file_creates_no_login(exports):
    write(exports, "equipes.csv", [*FILES["equipes.csv"], "EQ2,Équipe Sud,pas-un-email"])

    _, err, error = run_import(exports)

    assert error is not None
    assert "equipes.csv, ligne 3, colonne « chef_email » : adresse e-mail invalide « pas-un-email »" in err
    assert not get_user_model().objects.filter(username="chef.nord@akig.local").exists()


@pytest.mark.parametrize("option, avertissement", [
    ("--ignorer-invalides", ""),
    # The option's former English name still works for a release, and says so.
    ("--skip-invalid", "Attention : l'option --skip-invalid est obsolète et sera retirée ; "
                       "utilisez --ignorer-invalides.\n"),
])
def test_import_skip_invalid_keeps_good_rows_and_writes_rejects(exports, tmp_path_factory, capsys, option,
                                                               avertissement):
    write(exports, "positions.csv", [
        *FILES["positions.csv"],
        "AG9,2026-11-20T09:01:00,48.85,2.35,5",
        "AG1,2026-11-20T09:01:30,48.85,2.35,5",
    ])
    rejects = tmp_path_factory.mktemp("out") / "rejets.csv"

    out, _, error = run_import(exports, option, "--rejets", str(rejects))

    assert error is None
    assert capsys.readouterr().err == avertissement
    assert AgentGeolocalisation.objects.count() == 3
    assert "positions.csv : importé — 3 créés, 0 modifié, 0 inchangé, 1 rejeté (4 lignes en" in out
    assert f"1 erreur écrite dans {rejects}" in out
    with rejects.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["fichier", "ligne", "colonne", "motif", "contenu (cellules de la ligne)"],
        ["positions.csv", "4", "agent_code", "code agent inconnu « AG9 »",
         "AG9", "2026-11-20T09:01:00", "48.85", "2.35", "5"],
    ]


def test_import_exact_repeat_of_a_row_is_counted_once(exports):
    write(exports, "sites.csv", [*FILES["sites.csv"], FILES["sites.csv"][1]])

    out, _, error = run_import(exports)

    assert error is None
    assert Site.objects.count() == 2
    assert "sites.csv : importé — 2 créés, 0 modifié, 0 inchangé, 0 rejeté" in out


def test_import_unknown_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Aucun fichier reconnu"):
        call_command("import_csv", str(tmp_path), stdout=StringIO())


def test_import_first_load_with_a_key_twice_still_reports_both_lines(exports):
    # Into an empty table PostgreSQL copies rows straight in; a repeated key there
    # must end in the same report as the staging path.
    write(exports, "positions.csv", [
        *FILES["positions.csv"],
        "AG1,2026-11-20T09:00:00,48.90,2.30,5",
    ])

    _, err, error = run_import(exports)

    assert error is not None
    assert err.splitlines() == [
        "positions.csv, ligne 2, colonne « timestamp » : "
        "même timestamp sur les lignes 2, 4 avec des valeurs différentes",
        "positions.csv, ligne 4, colonne « timestamp » : "
        "même timestamp sur les lignes 2, 4 avec des valeurs différentes",
    ]
    assert AgentGeolocalisation.objects.count() == 0


def test_import_after_a_rejected_file_skips_the_files_that_depend_on_it(exports):
    run_import(exports)
    write(exports, "sites.csv", [*FILES["sites.csv"], "S3,Gamma,,999,2.35,0"])
    # L2 moves to S1: it must not be applied while sites.csv is rejected.
    write(exports, "locataires.csv", [
        "code,nom,telephone,site_code,logement",
        "L1,Marie Curie,+33611111111,S1,A-1",
        "L2,Paul Martin,,S1,B-2",
    ])

    out, err, error = run_import(exports)

    assert error is not None
    assert "locataires.csv, ligne 1 : non importé : dépend de sites.csv, rejeté" in err
    assert "impayes.csv, ligne 1 : non importé : dépend de locataires.csv, rejeté" in err
    assert Locataire.objects.get(code="L2").site.code == "S2"
    assert "agents.csv : importé" in out, "files that do not depend on sites.csv still load"


def test_import_moving_an_action_to_another_day_recomputes_both_days(exports):
    run_import(exports)
    write(exports, "actions.csv", [
        FILES["actions.csv"][0],
        "A1,AG1,L1,I1,paiement,realisee,Payé en espèces,150.00,2026-11-19T09:30:00,48.85,2.35",
        FILES["actions.csv"][2],
    ])

    out, _, error = run_import(exports)

    assert error is None
    # 20/11 keeps its missions but loses the payment: 0 visits, score 0 + 6 × 2/4 = 3.00;
    # 19/11 has the payment, no mission: 4 × 1/8 + 6 × (1 + 2)/(1 + 4) = 0.50 + 3.60 = 4.10.
    rows = {p.date_stat: (p.paiements, p.score) for p in PerformanceHistorique.objects.all()}
    assert rows == {
        datetime.date(2026, 11, 20): (0, Decimal("3.00")),
        datetime.date(2026, 11, 19): (1, Decimal("4.10")),
    }
    assert "du 19/11/2026 au 20/11/2026" in out


def test_import_skip_invalid_leaves_no_login_for_a_rejected_team(exports):
    write(exports, "equipes.csv", [*FILES["equipes.csv"], "EQ2,,intrus@akig.local"])

    _, err, error = run_import(exports, "--ignorer-invalides", "--rejets", str(exports / "r.csv"))

    assert error is None
    assert "equipes.csv, ligne 3, colonne « nom » : valeur obligatoire manquante" in err
    assert not get_user_model().objects.filter(username="intrus@akig.local").exists()
    assert get_user_model().objects.filter(username="chef.nord@akig.local").exists()


def test_import_existing_login_named_team_lead_gets_the_role(exports):
    get_user_model().objects.create_user(username="chef.nord@akig.local")

    run_import(exports)

    chef = get_user_model().objects.get(username="chef.nord@akig.local")
    assert chef.groups.filter(name="Chef d'équipe").exists()


def test_import_teams_file_not_in_utf8_far_down_is_a_french_error(exports):
    lines = [FILES["equipes.csv"][0]] + [f"EQ{i},Équipe {i},chef{i}@akig.local" for i in range(2000)]
    write(exports, "equipes.csv", [*lines, "EQX,Équipe Noël,noel@akig.local"])
    with (exports / "equipes.csv").open("ab") as f:
        f.write("EQY,Hélène,h@akig.local\n".encode("latin-1"))

    _, err, error = run_import(exports)

    assert error is not None
    assert "equipes.csv, ligne 2003 : le fichier n'est pas en UTF-8 (enregistrez-le en UTF-8)" in err
    assert Equipe.objects.count() == 0


def test_import_positions_merge_bounded_by_the_file_days_finds_rows_at_both_ends(exports):
    # Given the 20/11 positions, and one of 31/10 (another month: another partition on PostgreSQL).
    write(exports, "positions.csv", FILES["positions.csv"] + ["AG1,2026-10-31T23:30:00+01:00,48.80,2.30,9"])
    run_import(exports)
    # When a file changes the earliest and the latest of them (the merge's bounds, inclusive)
    # and adds one between, in a third month.
    write(exports, "positions.csv", [
        "agent_code,timestamp,latitude,longitude,precision_m",
        "AG1,2026-10-31T23:30:00+01:00,48.81,2.30,9",
        "AG1,2026-11-01T12:00:00+01:00,48.82,2.31,4",
        "AG1,2026-11-20T09:00:00,48.85,2.35,5",
        "AG1,2026-11-20T09:00:30Z,48.8511,2.3501,",
    ])

    out, _, error = run_import(exports)

    # Then both ends are updated, the new one created, the unchanged one counted as such.
    assert error is None
    assert "positions.csv : importé — 1 créé, 2 modifiés, 1 inchangé, 0 rejeté" in out
    assert dict(AgentGeolocalisation.objects.values_list("timestamp", "latitude")) == {
        datetime.datetime(2026, 10, 31, 22, 30, tzinfo=datetime.UTC): 48.81,
        datetime.datetime(2026, 11, 1, 11, 0, tzinfo=datetime.UTC): 48.82,
        datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.UTC): 48.85,
        datetime.datetime(2026, 11, 20, 9, 0, 30, tzinfo=datetime.UTC): 48.8511,
    }


def test_import_actions_look_up_only_the_debts_they_name(exports):
    # Given the debts I1 (outstanding), I2 (settled), I3, and an action on each of the first two.
    run_import(exports)
    write(exports, "actions.csv", FILES["actions.csv"][:1] + [
        "A3,AG1,L1,I2,visite,realisee,,0,2026-11-20T11:00:00+01:00,,",
        "A4,AG1,L1,I9,visite,realisee,,0,2026-11-20T11:30:00+01:00,,",
        "A5,AG1,L2,I1,visite,realisee,,0,2026-11-20T11:45:00+01:00,,",
    ])
    from recovery.selectors import impayes_locataires

    # The lookup reads the named references only, outstanding and settled alike.
    l1 = Locataire.objects.get(code="L1").pk
    assert impayes_locataires({"I1", "I2", "I9"}) == {"I1": l1, "I2": l1}

    _, err, error = run_import(exports)

    # A settled debt is known, an unknown one and another tenant's are refused on their line.
    assert "actions.csv, ligne 3, colonne « impaye_reference » : impayé inconnu « I9 »" in err
    assert "actions.csv, ligne 4, colonne « impaye_reference » : l'impayé « I1 » n'est pas du locataire « L2 »" in err
    assert "ligne 2" not in err
    assert error is not None and not RecouvrementAction.objects.filter(reference__in=["A3", "A4", "A5"]).exists()


def test_import_positions_leaves_the_planner_as_it_found_it(exports):
    # The bounded merge hashes instead of looping (a day imported twice: the partition's
    # statistics do not know its rows yet); the rest of the run's transaction plans as usual.
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner setting")
    with transaction.atomic():
        run_import(exports)
        out, _, error = run_import(exports)
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_nestloop")
            assert cursor.fetchone()[0] == "on"
    assert error is None and "positions.csv : importé — 0 créé, 0 modifié, 2 inchangés, 0 rejeté" in out
