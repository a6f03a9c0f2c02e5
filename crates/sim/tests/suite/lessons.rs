//! Every lesson under lessons/ runs here as the page runs it: its scenario, each step's
//! commands, the learner's task done by the step's `solution`, and the step's `done` condition
//! must come true within its bound. A step with a task must not already be done before the
//! task, so a lesson cannot pass by accident or silently drift from the engine. New files are
//! picked up by listing the directory.

use crate::lesson_format;

use kafka_sim::{ClusterConfig, Command, SimDuration, SimTime, World};
use lesson_format::{DEFAULT_WITHIN_MS, Lesson};
use std::path::{Path, PathBuf};

fn lesson_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lessons");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("lessons/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The world the page builds for a lesson (`SimHandle`: three brokers, invariants checked).
fn start(lesson: &Lesson) -> World {
    let scenario = &lesson.scenario;
    let config = ClusterConfig {
        controllers: scenario.cluster.controllers.unwrap_or(1),
        ..ClusterConfig::default()
    };
    let mut world = World::new(&config, scenario.seed);
    world.check_invariants();
    for (index, step) in scenario.steps.iter().enumerate() {
        world.run_until(SimTime::from_millis(step.at_ms));
        if let Err(error) = world.apply(step.command.clone()) {
            panic!("{}: scenario.steps[{index}] refused: {error}", lesson.id);
        }
    }
    let last = scenario.steps.last().map_or(0, |s| s.at_ms);
    world.run_until(SimTime::from_millis(scenario.run_until_ms.max(last)));
    world
}

fn apply_all(world: &mut World, commands: &[Command], what: &str) {
    for (index, command) in commands.iter().enumerate() {
        if let Err(error) = world.apply(command.clone()) {
            panic!("{what}[{index}] refused: {error}");
        }
    }
}

/// Runs one lesson to its end; panics naming the lesson, the step and what failed. `reading`
/// is how long the reader reads once a step is done before pressing Next, while time runs.
fn walk(lesson: &Lesson, reading: SimDuration) {
    let mut world = start(lesson);
    for (index, step) in lesson.steps.iter().enumerate() {
        let at = format!("{}: steps[{index}]", lesson.id);
        apply_all(&mut world, &step.commands, &format!("{at}.commands"));
        let Some(done) = &step.done else {
            // A Next step: the reader reads for a moment while time runs.
            world.run_for(SimDuration::from_millis(1_000));
            continue;
        };
        if reading > SimDuration::ZERO && done.holds(&world) {
            // A slow reader may find the cluster did the task itself (the controller's
            // preferred-leader rebalance runs every five minutes): the page shows it done.
            continue;
        }
        if !step.solution.is_empty() {
            assert!(
                !done.holds(&world),
                "{at}: `{}` already holds before the learner acts",
                done.describe()
            );
            apply_all(&mut world, &step.solution, &format!("{at}.solution"));
        }
        let deadline =
            world.now() + SimDuration::from_millis(step.within_ms.unwrap_or(DEFAULT_WITHIN_MS));
        while !done.holds(&world) {
            assert!(
                world.now() < deadline,
                "{at}: `{}` did not hold within {} ms (t = {}); partitions: {}",
                done.describe(),
                step.within_ms.unwrap_or(DEFAULT_WITHIN_MS),
                world.now(),
                partitions(&world)
            );
            // The slow reader looks less often: the checker's conditions read the whole
            // history, which a long read has grown.
            world.run_for(SimDuration::from_millis(if reading > SimDuration::ZERO {
                5_000
            } else {
                100
            }));
        }
        // Once met, a step stays done in the page however long the reader takes.
        world.run_for(reading);
    }
    let violations = world.invariant_violations();
    assert!(
        violations.is_empty() || lesson.id.contains("unclean") || lesson.id.contains("acks"),
        "{}: invariant violations: {violations:?}",
        lesson.id
    );
}

/// Leaders and ISRs of the lesson's topics, for a failure message.
fn partitions(world: &World) -> String {
    world
        .metadata()
        .partitions()
        .filter(|(tp, _)| !tp.topic.starts_with("__"))
        .map(|(tp, s)| format!("{tp} leader {:?} isr {:?}", s.leader, s.isr))
        .collect::<Vec<_>>()
        .join(", ")
}

fn load(path: &Path) -> Lesson {
    let text = std::fs::read_to_string(path).expect("readable");
    let lesson = Lesson::parse(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("a file name");
    assert_eq!(
        lesson.id,
        stem,
        "{}: id must be the file's name",
        path.display()
    );
    lesson
}

#[test]
fn every_lesson_walks_to_its_end() {
    let files = lesson_files();
    assert!(
        files.len() >= 8,
        "expected at least eight lessons, found {}",
        files.len()
    );
    for path in files {
        walk(&load(&path), SimDuration::ZERO);
    }
}

/// A reader who reads each step's outcome for over two minutes at 1x before pressing Next (or
/// a second and a quarter at 100x) must still reach the end: no step may depend on the next one
/// starting before a client gives up (as `delivery.timeout.ms`, two minutes, expires a retried
/// send).
#[test]
fn every_lesson_waits_for_a_slow_reader() {
    for path in lesson_files() {
        walk(&load(&path), SimDuration::from_millis(125_000));
    }
}

#[test]
fn every_lesson_is_registered_in_the_page() {
    let registry =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/lessons.rs"))
            .expect("src/lessons.rs");
    for path in lesson_files() {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
        assert!(
            registry.contains(&format!("lessons/{name}\"")),
            "{name} is not in src/lessons.rs"
        );
    }
}

#[test]
fn a_broken_lesson_names_the_field() {
    let error = Lesson::parse(
        r#"{"id": "x", "title": {"en": "x", "ko": "x"}, "summary": {"en": "x", "ko": "x"},
            "scenario": {}, "steps": [{"text": {"en": "x", "ko": "x"}, "done": {"when": "has_leader"}}]}"#,
    )
    .expect_err("no topic");
    assert!(error.starts_with("steps[0].done"), "{error}");
}
