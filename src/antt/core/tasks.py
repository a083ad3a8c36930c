"""Background tasks of the shared kernel: thin wrappers over services (STYLE.md habit 7)."""

from django.tasks import task

from antt.core import notify


@task()
def send_notification(notification_id: int) -> str:
    """Send one queued notification (enqueued by `notify.queue` after the commit)."""
    notification = notify.send(notification_id)
    return notification.state if notification is not None else "skipped"
