//! `kafka-sim workload`: one timed run of `kafka_sim::workload`. The wall clock is read here,
//! in the command line's shell around the simulation, never inside it: the run itself is the
//! same run, byte for byte, as the benches' (its trace hash says so).

use crate::Failure;
use crate::cli::WorkloadArgs;
use kafka_sim::workload::{self, Workload};
use std::io::Write;
use std::time::Instant;

pub fn workload(args: &WorkloadArgs, out: &mut impl Write) -> Result<(), Failure> {
    let workload = Workload {
        brokers: args.brokers,
        partitions: args.partitions,
        records: args.records,
    };
    let refused = |e: kafka_sim::CommandError| Failure::Input(e.to_string());
    let started = Instant::now();
    let world = workload.produce().map_err(refused)?;
    let produced = started.elapsed();
    let world = workload.consume(world).map_err(refused)?;
    let finished = started.elapsed();
    let violations: Vec<String> = kafka_sim::check::check(&world)
        .iter()
        .map(|v| format!("{:?}: {}", v.anomaly, v.detail))
        .collect();
    let clean = violations.is_empty();
    let records = f64::from(args.records);
    let per_second = |seconds: f64| records / seconds;
    let report = serde_json::json!({
        "brokers": args.brokers,
        "partitions": args.partitions,
        "records": args.records,
        "records_read": workload::records_read(&world),
        "produce_ms": produced.as_secs_f64() * 1e3,
        "consume_ms": (finished - produced).as_secs_f64() * 1e3,
        "end_to_end_ms": finished.as_secs_f64() * 1e3,
        "produce_per_s": per_second(produced.as_secs_f64()),
        "consume_per_s": per_second((finished - produced).as_secs_f64()),
        "end_to_end_per_s": per_second(finished.as_secs_f64()),
        "virtual_ms": workload::virtual_duration(&world).as_millis(),
        "events": world.stats().steps,
        "trace_hash": format!("{:016x}", world.trace().hash()),
        "violations": violations,
    });
    writeln!(out, "{report}")?;
    if clean { Ok(()) } else { Err(Failure::Found) }
}
