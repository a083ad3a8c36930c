"""Signals other domains listen to, so that the one-stop shop needs no knowledge of them.

`dossier_returned` is sent inside the transaction that returns a dossier's result: a
receiver that raises (a `TransitionError` or `DossierInputError`) refuses the return and
nothing is written. The establishments app uses it to issue a security certificate when a
"Cấp mới Giấy chứng nhận đủ điều kiện về ANTT" dossier is returned.
"""

from django.dispatch import Signal

# kwargs: dossier (locked, status already RETURNED), officer
dossier_returned = Signal()
