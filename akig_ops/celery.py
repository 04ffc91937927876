"""Celery application. Beat's schedule lives in settings.CELERY_BEAT_SCHEDULE."""
import os

from celery import Celery

# Connects the Celery signals that count task runs and failures (/metrics), in the web
# (eager tasks) as in the workers.
from akig_ops.lib import metriques_celery  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akig_ops.settings")

app = Celery("akig_ops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
