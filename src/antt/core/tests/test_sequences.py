import threading
from datetime import date

import pytest
from django.db import connection, transaction

from antt.core.models import Counter
from antt.core.sequences import format_dossier_code, next_value


@pytest.mark.django_db
def test_numbers_follow_each_other_per_key_and_period():
    with transaction.atomic():
        assert [next_value("dossier:H56.14", period="260423") for _ in range(3)] == [1, 2, 3]
        assert next_value("dossier:H56.14", period="260424") == 1  # a new day starts again
        assert next_value("dossier:000.00.06.H56", period="260423") == 1  # another agency


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_gives_its_number_back():
    # given a first number taken and committed
    with transaction.atomic():
        assert next_value("decision", period="2026") == 1
    # when the next transaction takes one and fails
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        next_value("decision", period="2026")
        1 / 0  # noqa: B018
    # then the number is not lost: no gap
    with transaction.atomic():
        assert next_value("decision", period="2026") == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_outside_a_transaction_is_refused():
    # given autocommit (no transaction): the lock would be released at once
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_value("dossier", period="x")


def test_dossier_codes_have_the_official_shape():
    assert format_dossier_code("H56.14", date(2026, 4, 23), 7) == "H56.14-260423-0007"
    assert format_dossier_code("000.00.06.H56", date(2023, 10, 27), 361) == "000.00.06.H56-231027-0361"


@pytest.mark.django_db(transaction=True)
def test_counters_receiving_at_the_same_moment_get_distinct_consecutive_numbers():
    # given several counter desks (threads, each with its own database connection)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write transaction; the row lock is PostgreSQL's")
    desks, per_desk = 6, 15
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(desks)

    def desk():
        try:
            start.wait()
            for _ in range(per_desk):
                with transaction.atomic():
                    value = next_value("dossier:H56.14", period="260423")
                with lock:
                    taken.append(value)
        finally:
            connection.close()

    # when they all take numbers at once, the first one racing to create the counter
    threads = [threading.Thread(target=desk) for _ in range(desks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then every number from 1 to N was given exactly once
    assert sorted(taken) == list(range(1, desks * per_desk + 1))
    assert Counter.objects.get(key="dossier:H56.14", period="260423").value == desks * per_desk
