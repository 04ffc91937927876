"""The WSGI entry point gunicorn loads: its start-up objects are out of the collector's way."""
import os
import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def test_wsgi_module_freezes_what_it_loaded():
    # In a fresh interpreter, as a gunicorn worker imports it: Django and the apps (tens of
    # thousands of objects) end up in the permanent generation, none in the collected ones.
    code = (
        "import gc, akig_ops.wsgi as w; "
        "print(callable(w.application), gc.get_freeze_count(), sum(gc.get_count()))"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code], cwd=RACINE, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "akig_ops.settings"},
    )
    assert sortie.returncode == 0, sortie.stderr
    appelable, geles, en_attente = sortie.stdout.split()
    assert appelable == "True" and int(geles) > 50_000 and int(en_attente) < 1_000
