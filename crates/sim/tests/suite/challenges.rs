//! Every challenge under challenges/ is judged here against its two recorded attempts: the
//! solution must meet the goal and the near miss (nearly the same commands) must not, and the
//! setup alone must not either, so a goal cannot be met by doing nothing or by any run at all.
//! The verdict must also say how and with what configuration, as the page shows it.

use crate::lesson_format;

use kafka_sim::challenge::{Verdict, evaluate};
use kafka_sim::{ClusterConfig, SimTime, Step, World};
use lesson_format::{Attempt, Challenge};
use std::path::{Path, PathBuf};

fn challenge_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../challenges");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("challenges/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Challenge {
    let text = std::fs::read_to_string(path).expect("readable");
    let challenge =
        Challenge::parse(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let stem = path.file_stem().and_then(|s| s.to_str()).expect("a name");
    assert_eq!(
        challenge.id,
        stem,
        "{}: id must be the file's name",
        path.display()
    );
    challenge
}

fn apply_steps(world: &mut World, steps: &[Step], what: &str) {
    for (index, step) in steps.iter().enumerate() {
        world.run_until(SimTime::from_millis(step.at_ms));
        if let Err(error) = world.apply(step.command.clone()) {
            panic!("{what}[{index}] refused: {error}");
        }
    }
}

/// The page's world for the challenge's setup (three brokers, invariants checked).
fn setup(challenge: &Challenge) -> World {
    let config = ClusterConfig {
        controllers: challenge.setup.cluster.controllers.unwrap_or(1),
        ..ClusterConfig::default()
    };
    let mut world = World::new(&config, challenge.setup.seed);
    world.check_invariants();
    apply_steps(
        &mut world,
        &challenge.setup.steps,
        &format!("{}: setup.steps", challenge.id),
    );
    world.run_until(SimTime::from_millis(challenge.setup.run_until_ms));
    world
}

fn attempt(challenge: &Challenge, attempt: &Attempt, name: &str) -> Verdict {
    let mut world = setup(challenge);
    apply_steps(
        &mut world,
        &attempt.steps,
        &format!("{}: {name}.steps", challenge.id),
    );
    world.run_until(SimTime::from_millis(attempt.run_until_ms));
    evaluate(&challenge.goal, &world)
}

#[test]
fn every_challenge_is_met_by_its_solution_and_not_by_its_near_miss() {
    let files = challenge_files();
    assert!(
        files.len() >= 7,
        "expected seven challenges, found {}",
        files.len()
    );
    for path in files {
        let challenge = load(&path);
        let id = &challenge.id;
        let idle = evaluate(&challenge.goal, &setup(&challenge));
        assert!(!idle.met, "{id}: met by the setup alone: {idle:?}");
        let met = attempt(&challenge, &challenge.solution, "solution");
        assert!(
            met.met,
            "{id}: the solution does not meet `{}`",
            challenge.goal.describe()
        );
        assert!(!met.how.is_empty(), "{id}: a met challenge says how");
        assert!(
            !met.configuration.is_empty(),
            "{id}: a met challenge names the configuration"
        );
        // Shown with --nocapture: what the page would say.
        println!(
            "{id}: how {:#?}\nconfiguration {:#?}",
            met.how, met.configuration
        );
        let missed = attempt(&challenge, &challenge.near_miss, "near_miss");
        assert!(!missed.met, "{id}: the near miss meets it too: {missed:?}");
    }
}

#[test]
fn every_challenge_is_registered_in_the_page() {
    let registry = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/challenges.rs"),
    )
    .expect("src/challenges.rs");
    for path in challenge_files() {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
        assert!(
            registry.contains(&format!("challenges/{name}\"")),
            "{name} is not in src/challenges.rs"
        );
    }
}

/// What each verdict says, for the one challenge whose evidence a reader checks by eye most:
/// the lost record is named with the producer and the settings that let it go.
#[test]
fn a_lost_write_names_the_record_the_producer_and_acks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../challenges/lose-an-acknowledged-write.json");
    let challenge = load(&path);
    let verdict = attempt(&challenge, &challenge.solution, "solution");
    assert!(
        verdict
            .how
            .iter()
            .any(|l| l.contains("\"order-1\" from hasty")),
        "{:?}",
        verdict.how
    );
    assert!(
        verdict.how.iter().any(|l| l.contains("broker 1 crashed")),
        "{:?}",
        verdict.how
    );
    assert!(
        verdict
            .configuration
            .iter()
            .any(|l| l.starts_with("producer hasty: acks=1")),
        "{:?}",
        verdict.configuration
    );
}

#[test]
fn a_broken_challenge_names_the_field() {
    let error = Challenge::parse(
        r#"{"id": "x", "title": {"en": "x", "ko": "x"}, "summary": {"en": "x", "ko": "x"},
            "hint": {"en": "x", "ko": "x"}, "goal": "lose_everything", "setup": {},
            "solution": {"steps": [], "run_until_ms": 1}, "near_miss": {"steps": [], "run_until_ms": 1}}"#,
    )
    .expect_err("no such goal");
    assert!(error.starts_with("goal"), "{error}");
    let error = Challenge::parse(
        r#"{"id": "x", "title": {"en": "x", "ko": "x"}, "summary": {"en": "x", "ko": "x"},
            "hint": {"en": "x", "ko": "x"}, "goal": "consumer_idle", "setup": {"run_until_ms": 5000},
            "solution": {"steps": [{"at_ms": 10, "command": "heal_network"}], "run_until_ms": 6000},
            "near_miss": {"steps": [], "run_until_ms": 6000}}"#,
    )
    .expect_err("a step before the setup's end");
    assert!(error.starts_with("solution.steps[0].at_ms"), "{error}");
}
