"""Celery application. Beat's schedule lives in settings.CELERY_BEAT_SCHEDULE."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akig_ops.settings")

app = Celery("akig_ops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
