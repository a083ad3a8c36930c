"""Receivers: a returned one-stop dossier acts on the registry (see certificates.apply_returned_dossier)."""

from django.dispatch import receiver

from antt.dossiers.signals import dossier_returned


@receiver(dossier_returned, dispatch_uid="establishments.apply_returned_dossier")
def _on_dossier_returned(sender, dossier, officer, **kwargs):
    from antt.establishments import certificates

    certificates.apply_returned_dossier(dossier=dossier, officer=officer)
