//! `kafka-sim fuzz`: seeds run on every core. Each seed is its own World, so seeds are
//! independent; the threads live here, never in the deterministic core, and the report is
//! put together in seed order afterwards, so it is the same whatever `--jobs` says.

use crate::Failure;
use crate::cli::FuzzArgs;
use kafka_sim::check::Anomaly;
use kafka_sim::fuzz::{self, Profile};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// What one seed contributes to the report.
struct SeedResult {
    faults: usize,
    operations: usize,
    coverage: BTreeMap<&'static str, usize>,
    /// Every anomaly found, in the checker's order.
    anomalies: Vec<Anomaly>,
    /// The `FAILED` paragraphs, each with its shrunk scenario (the costly part, so it is done
    /// on the worker too).
    failures: Vec<String>,
}

fn run_seed(seed: u64, profile: Profile) -> Result<SeedResult, String> {
    let generated = fuzz::scenario(seed, profile);
    let outcome = fuzz::run(&generated);
    let mut reported = BTreeSet::new();
    let mut failures = Vec::new();
    for violation in &outcome.violations {
        if profile.allowed().contains(&violation.anomaly) || !reported.insert(violation.anomaly) {
            continue;
        }
        let minimal = fuzz::shrink(&generated, violation.anomaly);
        let json = serde_json::to_string_pretty(&minimal).map_err(|e| e.to_string())?;
        failures.push(format!(
            "FAILED {} seed {seed}: {}: {}\nminimal scenario (save as a .json file and `kafka-sim run` it):\n{json}\n",
            profile.name(),
            violation.anomaly,
            violation.detail
        ));
    }
    Ok(SeedResult {
        faults: outcome.faults,
        operations: outcome.operations,
        coverage: outcome.coverage,
        anomalies: outcome.violations.iter().map(|v| v.anomaly).collect(),
        failures,
    })
}

/// Runs `seeds` on `jobs` threads; the results come back in seed order.
fn run_seeds(
    first: u64,
    seeds: u64,
    profile: Profile,
    jobs: usize,
) -> Result<Vec<SeedResult>, String> {
    if jobs <= 1 {
        return (first..first + seeds)
            .map(|seed| run_seed(seed, profile))
            .collect();
    }
    let next = AtomicU64::new(0);
    let mut done: Vec<(u64, Result<SeedResult, String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= seeds {
                            return mine;
                        }
                        mine.push((index, run_seed(first + index, profile)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            })
            .collect()
    });
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Seeds per worker between two merges: large enough to keep every core busy, small enough
/// that a long campaign holds little and prints its failures as it goes.
const CHUNK_PER_JOB: u64 = 32;

pub fn fuzz(args: &FuzzArgs, out: &mut impl Write) -> Result<(), Failure> {
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |n| n as usize,
    );
    let end = args
        .first_seed
        .checked_add(args.seeds)
        .ok_or_else(|| Failure::Input("--first-seed plus --seeds is past the last seed".into()))?;
    let mut failed = false;
    for &profile in &args.profile.0 {
        let mut tally = Tally::default();
        let mut first = args.first_seed;
        while first < end {
            let count = (end - first).min(CHUNK_PER_JOB * jobs as u64);
            let results = run_seeds(first, count, profile, jobs).map_err(Failure::Input)?;
            for (seed, result) in (first..).zip(&results) {
                tally.add(seed, result, out)?;
            }
            first += count;
        }
        failed |= tally.finish(profile, args.seeds, out)?;
    }
    if failed { Err(Failure::Found) } else { Ok(()) }
}

/// One profile's campaign so far, fed in seed order.
#[derive(Default)]
struct Tally {
    failed: bool,
    faults: usize,
    operations: usize,
    coverage: BTreeMap<&'static str, (usize, usize)>,
    seen: BTreeMap<String, Vec<u64>>,
}

impl Tally {
    fn add(&mut self, seed: u64, result: &SeedResult, out: &mut impl Write) -> std::io::Result<()> {
        self.faults += result.faults;
        self.operations += result.operations;
        for (what, count) in &result.coverage {
            let entry = self.coverage.entry(what).or_default();
            entry.0 += count;
            entry.1 += 1;
        }
        for anomaly in &result.anomalies {
            self.seen.entry(anomaly.to_string()).or_default().push(seed);
        }
        for failure in &result.failures {
            self.failed = true;
            write!(out, "{failure}")?;
        }
        Ok(())
    }

    /// Writes the profile's report; true when it failed.
    fn finish(self, profile: Profile, seeds: u64, out: &mut impl Write) -> std::io::Result<bool> {
        let Tally {
            mut failed,
            faults,
            operations,
            coverage,
            seen,
        } = self;
        writeln!(
            out,
            "profile {}: {seeds} seeds, {faults} faults injected, {operations} operations checked",
            profile.name()
        )?;
        let exercised: Vec<String> = coverage
            .iter()
            .map(|(what, (count, seeds))| format!("{what} {count}× in {seeds} seeds"))
            .collect();
        writeln!(out, "  exercised: {}", exercised.join(", "))?;
        let is_allowed = |anomaly: &str| profile.allowed().iter().any(|a| a.to_string() == anomaly);
        for (anomaly, on) in &seen {
            let mut distinct = on.clone();
            distinct.dedup();
            let allowed = if is_allowed(anomaly) {
                "allowed"
            } else {
                "NOT ALLOWED"
            };
            writeln!(
                out,
                "  {anomaly} ({allowed}): {} seed(s), first seed {}",
                distinct.len(),
                distinct[0]
            )?;
        }
        if let Some(expected) = profile.expected()
            && !seen.contains_key(&expected.to_string())
        {
            failed = true;
            writeln!(
                out,
                "  FAILED: {expected} was expected on some seed and never showed"
            )?;
        }
        let unexpected = seen.keys().any(|a| !is_allowed(a));
        if !unexpected && profile.expected().is_none() {
            writeln!(out, "  no anomaly beyond what the configuration allows")?;
        }
        Ok(failed)
    }
}
