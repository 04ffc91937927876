from django.apps import AppConfig


class AkigOpsConfig(AppConfig):
    name = "akig_ops"
    verbose_name = "AKIG Ops"
