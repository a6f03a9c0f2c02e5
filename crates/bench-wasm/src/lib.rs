//! Issue 17's workload (`kafka_sim::workload`) for the browser: the bench command
//! (`tests/perf/wasm.mjs`) builds this crate for `wasm32-unknown-unknown`, loads it in headless
//! Chromium and times each phase with `performance.now()` around these calls, so the wasm
//! figures are of the very function the native bench times. The clock stays in JavaScript:
//! nothing here reads time.
//!
//! [`Busy`] is the page's busy cluster (`docs/examples/busy-cluster.toml`, passed in as text),
//! so the profiler (`tests/perf/wasm-profile.mjs`) can see what a simulated second of the
//! page's own load costs, beside the workload's bulk produce and consume.

use kafka_sim::scenario::file::{self, Format};
use kafka_sim::workload::{self, Workload};
use kafka_sim::{SimTime, World};
use wasm_bindgen::prelude::*;

/// One run of the workload, phase by phase.
#[wasm_bindgen]
pub struct Run {
    workload: Workload,
    world: Option<World>,
}

#[wasm_bindgen]
impl Run {
    /// A run of `records` records on `brokers` brokers and a topic of `partitions`.
    #[wasm_bindgen(constructor)]
    pub fn new(brokers: u32, partitions: u32, records: u32) -> Run {
        Run {
            workload: Workload {
                brokers,
                partitions,
                records,
            },
            world: None,
        }
    }

    /// Builds the cluster and produces every record until it is acknowledged.
    pub fn produce(&mut self) -> Result<(), JsError> {
        let world = self
            .workload
            .produce()
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.world = Some(world);
        Ok(())
    }

    /// The group reads every record `produce` wrote.
    pub fn consume(&mut self) -> Result<(), JsError> {
        let world = self
            .world
            .take()
            .ok_or_else(|| JsError::new("consume() before produce()"))?;
        let world = self
            .workload
            .consume(world)
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.world = Some(world);
        Ok(())
    }

    /// Records the group read (all of them after `consume`).
    pub fn records_read(&self) -> usize {
        self.world.as_ref().map_or(0, workload::records_read)
    }

    /// The run's trace fingerprint (hex), to compare with the native run's: the same function
    /// must make the same trace whatever the target, profile or allocator.
    pub fn trace_hash(&self) -> String {
        self.world.as_ref().map_or_else(String::new, |world| {
            format!("{:016x}", world.trace().hash())
        })
    }

    /// What the checker finds wrong with the run, one line each (none for a healthy run).
    pub fn violations(&self) -> Vec<String> {
        self.world.as_ref().map_or_else(Vec::new, |world| {
            kafka_sim::check::check(world)
                .iter()
                .map(|v| format!("{v:?}"))
                .collect()
        })
    }
}

/// A scenario file's world, run on past its end as the page plays it.
#[wasm_bindgen]
pub struct Busy {
    world: World,
}

#[wasm_bindgen]
impl Busy {
    /// Runs the TOML scenario `text` (the busy cluster) to its end.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<Busy, JsError> {
        let scenario = file::parse(text, Format::Toml).map_err(|e| JsError::new(&e))?;
        let (world, results) = scenario.run().map_err(|e| JsError::new(&e.to_string()))?;
        let refused = scenario.refused(&results);
        if !refused.is_empty() {
            return Err(JsError::new(&format!("steps refused: {refused:?}")));
        }
        Ok(Busy { world })
    }

    /// Simulates until `ms` of virtual time.
    pub fn run_until_ms(&mut self, ms: u32) {
        self.world.run_until(SimTime::from_millis(u64::from(ms)));
    }

    /// The virtual time reached, in milliseconds.
    pub fn now_ms(&self) -> f64 {
        // Exact: virtual milliseconds stay far below 2^53.
        self.world.now().as_millis() as f64
    }

    /// The run's trace fingerprint (hex), as [`Run::trace_hash`].
    pub fn trace_hash(&self) -> String {
        format!("{:016x}", self.world.trace().hash())
    }
}
