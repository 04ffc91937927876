"""The French catalogue (locale/fr): French plurals (n ≤ 1 singular, « 0 escalade »), a
compiled .mo that is the .po's, and no plural string of the code missing from it.

The source strings are French, so only the plural entries are filled (README, « Traductions »).
The last two tests need GNU gettext (Debian's `gettext`, installed by .ci/run); skipped with
that reason when it is absent.
"""
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
GETTEXT_ABSENT = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext absent (apt-get install gettext ; .ci/run l'installe)",
)
# What makemessages reads: the apps, the templates, and the catalogue it merges into.
SOURCES = ["agents", "akig_ops", "dashboard", "donnees", "escalations", "recovery", "relances", "templates", "locale",
           "manage.py"]


@pytest.mark.parametrize(("singulier", "pluriel"), [
    ("et %(n)s autre site", "et %(n)s autres sites"),  # escalations/notifications.py
    ("%(n)s action sans position", "%(n)s actions sans position"),  # agents/views.py
    ("%(nb)s mission réassignée à %(agent)s.", "%(nb)s missions réassignées à %(agent)s."),  # checklists.py
])
def test_ngettext_uses_the_french_rule_zero_and_one_singular(singulier, pluriel):
    with translation.override("fr"):
        formes = [ngettext(singulier, pluriel, n) for n in (0, 1, 2, 10)]

    assert formes == [singulier, singulier, pluriel, pluriel]


def test_catalogue_header_has_the_french_plural_forms():
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")

    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in po


def _champ(lignes: list[str], cle: str) -> str | None:
    """A .po entry's field (`msgid`, `msgstr[0]`…), its continuation lines joined."""
    for i, ligne in enumerate(lignes):
        if ligne.startswith(f'{cle} "'):
            j = i + 1
            morceaux = [ligne[len(cle) + 2:-1]]
            while j < len(lignes) and lignes[j].startswith('"'):
                morceaux.append(lignes[j][1:-1])
                j += 1
            return "".join(morceaux)
    return None


def test_every_entry_keeps_the_french_source():
    # The source strings are French: a plural entry's forms are its own msgid and msgid_plural,
    # and a singular entry stays empty (it falls back to its msgid). makemessages' fuzzy
    # matching once filled « %(pa)s paiement » with « %(n)s page »: this catches that.
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po and "\n#| " not in po
    pluriels = 0
    for entree in po.split("\n\n")[1:]:  # after the header
        lignes = entree.strip().splitlines()
        msgid, pluriel = _champ(lignes, "msgid"), _champ(lignes, "msgid_plural")
        if msgid is None:
            continue
        if pluriel is None:
            assert _champ(lignes, "msgstr") == "", msgid
        else:
            pluriels += 1
            assert (_champ(lignes, "msgstr[0]"), _champ(lignes, "msgstr[1]")) == (msgid, pluriel), msgid
    assert pluriels >= 40


@GETTEXT_ABSENT
def test_committed_mo_is_the_po_compiled(tmp_path):
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE / "django.po")],
                   check=True, capture_output=True)

    with open(CATALOGUE / "django.mo", "rb") as commis, open(tmp_path / "django.mo", "rb") as frais:
        assert gettext.GNUTranslations(commis)._catalog == gettext.GNUTranslations(frais)._catalog, (
            "locale/fr/LC_MESSAGES/django.mo is older than its .po: python manage.py compilemessages -l fr"
        )


@GETTEXT_ABSENT
def test_every_plural_string_of_the_code_is_in_the_catalogue(tmp_path):
    # makemessages writes next to the sources it reads: run it on a copy.
    for nom in SOURCES:
        source = Path(settings.BASE_DIR) / nom
        if source.is_dir():
            shutil.copytree(source, tmp_path / nom, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / nom)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "fr", "--add-location=file"],
                   cwd=tmp_path, env={**os.environ, "SECRET_KEY": "x"}, check=True, capture_output=True)

    # A plural entry (not obsolete: "#~ msgid_plural") that is fuzzy or has an empty form.
    entrees = (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").split("\n\n")
    manquantes = [
        entree for entree in entrees
        if re.search(r"^msgid_plural ", entree, re.M)
        and ("#, fuzzy" in entree or re.search(r'^msgstr\[\d+\] ""\n(?!")', entree + "\n", re.M))
    ]

    assert manquantes == [], (
        "plural strings without their French forms: makemessages, fill msgstr[0] (singular, n ≤ 1) "
        "and msgstr[1], compilemessages (README, « Traductions »)\n\n" + "\n\n".join(manquantes)
    )
