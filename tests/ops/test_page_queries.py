"""The portal's pages cost a fixed number of queries however many processes report (no per-row queries).

The database page reads heartbeats once more (to mark dead holders), the lock graph and its chart.
"""

import pytest
from django.urls import reverse

from tests.ops.conftest import client_for, heartbeat

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "most"), [("admin:index", 18), ("admin:ops_dynos", 6), ("admin:ops_database", 18)])
def test_it_reads_a_big_formation_in_a_fixed_number_of_queries(root, django_assert_max_num_queries, name, most):
    for n in range(1, 41):
        heartbeat(f"web.{n}", "web")
    heartbeat("worker.1", "worker")
    heartbeat("beat.1", "beat")
    client = client_for(root)
    client.get(reverse(name))  # session and permission caches warm, as for a person clicking around
    with django_assert_max_num_queries(most):
        assert client.get(reverse(name)).status_code == 200
