//! `kafka-sim workload`: one run of `kafka_sim::workload`, reported as JSON: what it did (the
//! records read, the events, the virtual time, the trace hash) and what the checker found.
//! It reads no clock, like the rest of the simulation; `./playground bench` times the process
//! from outside (wall and CPU time), as the benches time the same function.

use crate::Failure;
use crate::cli::WorkloadArgs;
use kafka_sim::workload::{self, Workload};
use std::io::Write;

pub fn workload(args: &WorkloadArgs, out: &mut impl Write) -> Result<(), Failure> {
    let workload = Workload {
        brokers: args.brokers,
        partitions: args.partitions,
        records: args.records,
    };
    let world = workload.run().map_err(|e| Failure::Input(e.to_string()))?;
    let violations: Vec<String> = kafka_sim::check::check(&world)
        .iter()
        .map(|v| format!("{:?}: {}", v.anomaly, v.detail))
        .collect();
    let clean = violations.is_empty();
    let report = serde_json::json!({
        "brokers": args.brokers,
        "partitions": args.partitions,
        "records": args.records,
        "records_acked": workload::records_acked(&world),
        "records_read": workload::records_read(&world),
        "virtual_ms": workload::virtual_duration(&world).as_millis(),
        "events": world.stats().steps,
        "messages": world.stats().messages_sent,
        "trace_hash": format!("{:016x}", world.trace().hash()),
        "violations": violations,
    });
    writeln!(out, "{report}")?;
    if clean { Ok(()) } else { Err(Failure::Found) }
}
