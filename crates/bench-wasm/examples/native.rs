//! The wasm profiler's loads run natively, for `perf record` to compare with
//! (`tests/perf/wasm-profile.mjs` says how): the same calls as `tests/perf/wasm.mjs` and
//! `wasm-profile.mjs` make into this crate, without the checker that `kafka-sim workload` adds.
//!
//!   native workload BROKERS PARTITIONS RECORDS REPEATS
//!   native busy SCENARIO.toml UNTIL_MS [checked] [marks]
//!
//! `checked` checks the invariants after every step, as the page does; `marks` also brings
//! the checker's live marks up to date after each simulated second, as the page's renders do.

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
            let flag = |name: &str| args[3..].iter().any(|a| a == name);
            if flag("checked") {
                world.check_invariants();
            }
            let until = SimTime::from_millis(u64::from(number(2)));
            if flag("marks") {
                let mut marks = kafka_sim::check::LiveMarks::default();
                while world.now() < until {
                    world.run_until(
                        (world.now() + kafka_sim::SimDuration::from_millis(1_000)).min(until),
                    );
                    marks.update(&world);
                }
            }
            world.run_until(until);
            println!("{:016x}", world.trace().hash());
        }
        _ => panic!("usage: native workload B P R N | native busy FILE UNTIL_MS [checked] [marks]"),
    }
}
