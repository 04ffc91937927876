"""Logins and refused logins go to the audit log (connected in AkigOpsConfig.ready)."""
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from akig_ops.models import TypeAudit
from akig_ops.services import audit_enregistrer


@receiver(user_logged_in, dispatch_uid="audit_connexion")
def _connexion(sender, request, user, **kwargs):
    audit_enregistrer(type=TypeAudit.CONNEXION, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_connexion_echec")
def _connexion_refusee(sender, credentials, request=None, **kwargs):
    # django-axes sends this signal for a locked-out login too; its flag says so.
    audit_enregistrer(type=TypeAudit.CONNEXION_ECHEC, request=request, identifiant=credentials.get("username", ""),
                      details={"verrouille": bool(getattr(request, "axes_locked_out", False))})
