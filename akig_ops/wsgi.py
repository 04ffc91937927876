import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akig_ops.settings")
application = get_wsgi_application()

# Loaded once per worker: out of the collector's full passes (see the function).
from akig_ops.lib.processus import geler_le_demarrage  # noqa: E402

geler_le_demarrage()
