//! The wasm profiler's loads run natively, for `perf record` to compare with
//! (`tests/perf/wasm-profile.mjs` says how): the same calls as `tests/perf/wasm.mjs` and
//! `wasm-profile.mjs` make into this crate, without the checker that `kafka-sim workload` adds.
//!
//!   native workload BROKERS PARTITIONS RECORDS REPEATS
//!   native busy SCENARIO.toml UNTIL_MS [checked]
//!
//! `checked` checks the invariants after every step, as the page does.

use kafka_sim::SimTime;
use kafka_sim::scenario::file::{self, Format};
use kafka_sim::workload::{self, Workload};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> u32 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("argument {i} must be a number: {args:?}"))
    };
    match args.first().map(String::as_str) {
        Some("workload") => {
            let shape = Workload {
                brokers: number(1),
                partitions: number(2),
                records: number(3),
            };
            for _ in 0..number(4) {
                let world = shape.run().expect("the workload runs");
                assert_eq!(workload::records_read(&world), shape.records as usize);
                println!("{:016x}", world.trace().hash());
            }
        }
        Some("busy") => {
            let text = std::fs::read_to_string(&args[1]).expect("the scenario file");
            let scenario = file::parse(&text, Format::Toml).expect("a scenario");
            let (mut world, _) = scenario.run().expect("the scenario runs");
            if args.get(3).is_some_and(|a| a == "checked") {
                world.check_invariants();
            }
            world.run_until(SimTime::from_millis(u64::from(number(2))));
            println!("{:016x}", world.trace().hash());
        }
        _ => panic!("usage: native workload B P R N | native busy FILE UNTIL_MS [checked]"),
    }
}
