"""The embedded broker never hands a worker a message that is still being written."""

from __future__ import annotations

import threading

from kombu import Connection

TRANSPORT = "tasks.filebroker:Transport"


def test_a_consumer_polling_while_a_producer_publishes_gets_every_message_whole(tmp_path):
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.001,
    }
    (tmp_path / "control").mkdir()
    payloads = [{"n": n, "text": "x" * 20_000} for n in range(300)]
    received: list[dict] = []

    def produce() -> None:
        with Connection("filesystem://", transport=TRANSPORT, transport_options=options) as conn:
            queue = conn.SimpleQueue("work")
            for payload in payloads:
                queue.put(payload)
            queue.close()

    with Connection("filesystem://", transport=TRANSPORT, transport_options=options) as conn:
        queue = conn.SimpleQueue("work")
        producer = threading.Thread(target=produce)
        producer.start()
        while len(received) < len(payloads):
            message = queue.get(timeout=10)
            received.append(message.payload)
            message.ack()
        producer.join()
        queue.close()

    assert sorted(p["n"] for p in received) == list(range(300))
    assert all(len(p["text"]) == 20_000 for p in received)
