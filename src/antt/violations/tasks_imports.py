"""Background task of the violation imports: a thin wrapper over `imports.import_run`.

`imports.import_start` enqueues it once the upload is committed. With the database backend
(`django_tasks_db`, `manage.py db_worker`) a worker runs it and the page polls the batch's
`processed_rows`; with the immediate backend (tests, `ANTT_TASKS_BACKEND`) it runs inline.
"""

from django.tasks import task

from antt.violations import imports


@task()
def run_violation_import(import_id: int) -> str:
    """Import one uploaded file (see `imports.import_run`); returns the batch's final state."""
    return imports.import_run(import_id).state
