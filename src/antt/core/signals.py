"""Sign-in, sign-out and failed sign-in attempts go to the audit trail.

These are the only audit entries written from signals: they come from
django.contrib.auth, which has no service of ours to call `record()`. The
attempted username is kept, never the password.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from antt.core.audit import Action, record
from antt.core.context import get_current_user
from antt.core.middleware import client_ip


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="antt_audit_login")
def audit_login(sender, request, user, **kwargs):
    record(Action.LOGIN, user, actor=user, ip=_ip(request))


@receiver(user_logged_out, dispatch_uid="antt_audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is None:  # logging out an anonymous session: nothing to attribute
        return
    record(Action.LOGOUT, user, actor=user, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="antt_audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")[:150]
    record(
        Action.LOGIN_FAILED,
        object_type="org.user",
        changes={"username": username},
        actor_name="" if get_current_user() is not None else "ẩn danh",
        ip=_ip(request),
    )
