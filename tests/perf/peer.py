#!/usr/bin/env python3
"""The peer comparison of issue 17: our workload on librdkafka's in-memory mock cluster.

The same records as crates/sim/src/workload.rs (key: the record's number as text; value: the
number zero-padded to 100 bytes), produced with acks=all, idempotence and linger.ms=5 (the
default batch.size) to a topic of 4 partitions with RF=3 (the only topic shape the mock creates) on a
mock cluster of BROKERS brokers, flushed, then read by one consumer of one group from the beginning. Prints one JSON
object: records, produce_s, consume_s (from subscribe() to the last record, so the group's
join is in it, as it is in ours), consume_after_first_record_s, and the records per second of
each phase and of both; and the CPU seconds of each phase (every thread of the process: the
application, librdkafka's and the mock brokers'), which a loaded machine disturbs less than
the wall clock, since the peer's work hops between threads.

The mock cluster is librdkafka's test broker (`test.mock.num.brokers`): it keeps each
partition's log in memory and answers the protocol, but it does not replicate between brokers
nor enforce min.insync.replicas, so acks=all costs it nothing extra. It is run through the
`confluent-kafka` package, whose wheel carries librdkafka; the bench command installs it into
a virtual environment of its own.

Usage: peer.py [--brokers 3] [--records 50000]
"""

import argparse
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, Producer, libversion

TOPIC = "workload"
GROUP = "workload"
VALUE_BYTES = 100


def mock_cluster(brokers):
    """A client that owns a mock cluster, and the cluster's bootstrap address for the others.

    The cluster lives as long as the client that created it.
    """
    owner = Producer({"test.mock.num.brokers": brokers})
    metadata = owner.list_topics(timeout=10)
    bootstrap = ",".join(f"{b.host}:{b.port}" for b in metadata.brokers.values())
    return owner, bootstrap


def create_topic(owner):
    """Creates the topic by asking for its metadata, and returns its partition count and RF.

    The mock answers no admin requests (it names no controller), so the topic is created as
    the mock auto-creates one: 4 partitions with RF=3 on 3 or more brokers.
    """
    topic = owner.list_topics(TOPIC, timeout=10).topics[TOPIC]
    if topic.error is not None:
        sys.exit(f"peer: the mock did not create {TOPIC}: {topic.error}")
    replicas = {len(p.replicas) for p in topic.partitions.values()}
    return len(topic.partitions), max(replicas)


def produce(bootstrap, records):
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
        }
    )
    failures = []

    def delivered(error, _message):
        if error is not None:
            failures.append(error)

    started, cpu = time.perf_counter(), time.process_time()
    for number in range(records):
        key = str(number)
        value = str(number).zfill(VALUE_BYTES)
        while True:
            try:
                producer.produce(TOPIC, value=value, key=key, on_delivery=delivered)
                break
            except BufferError:
                # The local queue is full (queue.buffering.max.messages): let deliveries drain.
                producer.poll(0.001)
        if number % 1000 == 999:
            # Serve the delivery reports that came meanwhile, as an application must.
            producer.poll(0)
    left = producer.flush(60)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if left or failures:
        sys.exit(f"peer: {left} records undelivered, {len(failures)} failed: {failures[:3]}")
    return elapsed, cpu


def consume(bootstrap, records):
    started, cpu = time.perf_counter(), time.process_time()
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": GROUP,
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([TOPIC])
    read = 0
    first = None
    deadline = time.monotonic() + 120
    while read < records:
        if time.monotonic() > deadline:
            sys.exit(f"peer: read {read} of {records} records in 120 s")
        for message in consumer.consume(num_messages=10_000, timeout=0.1):
            if message.error() is not None:
                raise KafkaException(message.error())
            if first is None:
                first = time.perf_counter()
            read += 1
    finished, cpu = time.perf_counter(), time.process_time() - cpu
    consumer.close()
    if read != records:
        sys.exit(f"peer: read {read} records, {records} were produced")
    return finished - started, finished - first, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", type=int, default=3)
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    if args.brokers < 3 or args.records < 1:
        parser.error("needs --brokers >= 3 (RF=3) and --records >= 1")
    owner, bootstrap = mock_cluster(args.brokers)
    partitions, replication_factor = create_topic(owner)
    produce_s, produce_cpu_s = produce(bootstrap, args.records)
    consume_s, after_first_s, consume_cpu_s = consume(bootstrap, args.records)
    del owner
    n = args.records
    print(
        json.dumps(
            {
                "peer": f"librdkafka {libversion()[0]} mock cluster (confluent-kafka {confluent_kafka.__version__})",
                "brokers": args.brokers,
                "partitions": partitions,
                "replication_factor": replication_factor,
                "records": n,
                "produce_s": produce_s,
                "consume_s": consume_s,
                "consume_after_first_record_s": after_first_s,
                "produce_cpu_s": produce_cpu_s,
                "consume_cpu_s": consume_cpu_s,
                "produce_per_s": n / produce_s,
                "consume_per_s": n / consume_s,
                "end_to_end_per_s": n / (produce_s + consume_s),
            }
        )
    )


if __name__ == "__main__":
    main()
