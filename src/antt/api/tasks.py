"""Background tasks of the api app: thin wrappers over `antt.api.webhooks` (STYLE.md habit 7)."""

from django.tasks import task

from antt.api import webhooks


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Send one webhook delivery (enqueued after the commit that created it, or for its retry).

    Returns the delivery's state after the attempt, or "skipped" when there was nothing to do
    (already delivered or dead, not yet due, held by another worker, or waiting behind an
    earlier delivery of the same subscription)."""
    delivery = webhooks.deliver(delivery_id)
    return delivery.state if delivery is not None else "skipped"
