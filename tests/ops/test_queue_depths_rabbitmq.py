"""The portal's queue depths on a real RabbitMQ (a vhost of our own on this machine's server)."""

import uuid

import pytest
from kombu import Connection, Exchange, Producer, Queue

from ops.selectors.tasks import queue_depths
from portal.celery import app as celery_app
from tests.drills.brokers import RABBITMQ, rabbitmq_vhost


@pytest.fixture
def rabbitmq_broker():
    """The Celery app pointed at RabbitMQ for the test, then back to the suite's broker."""
    url = f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}/{rabbitmq_vhost()}"
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    try:
        yield url
    finally:
        celery_app.conf.broker_url = original


def test_it_counts_messages_waiting_on_rabbitmq_and_zero_for_a_queue_never_declared(rabbitmq_broker):
    name, missing = f"depth-{uuid.uuid4().hex[:8]}", f"missing-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name), routing_key=name, durable=False, auto_delete=False)
    with Connection(rabbitmq_broker) as conn:
        producer = Producer(conn.default_channel)
        try:
            for n in range(3):
                producer.publish({"n": n}, exchange=queue.exchange, routing_key=name, declare=[queue])
            assert queue_depths([name, missing]) == {name: 3, missing: 0}
            queue(conn.default_channel).purge()
            assert queue_depths([name]) == {name: 0}
        finally:
            queue(conn.default_channel).delete()
            queue.exchange(conn.default_channel).delete()
