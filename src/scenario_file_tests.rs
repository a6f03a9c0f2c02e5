//! Goal: a run exported as a scenario file is the same run when `kafka-sim run` or the page
//! reads it back (to the microsecond and the trace hash), and every bad or foreign file is
//! refused with the field, the line where the parser knows it, or the bound it passes.

use super::*;
use crate::sim_handle::SimHandle;
use kafka_sim::{Command, SimDuration};

/// A run as a reader makes it: a topic, a crash and a single step, all between milliseconds.
fn a_run() -> SimHandle {
    let sim = SimHandle::new(11, 3);
    sim.advance(SimDuration::from_micros(3_234_567));
    for (command, after) in [
        (
            r#"{"command": "create_topic", "name": "orders", "partitions": 3,
                "replication_factor": 3, "configs": {"min.insync.replicas": "2"}}"#,
            3_000_001,
        ),
        (r#"{"command": "crash_broker", "broker": 2}"#, 0),
    ] {
        let command: Command = serde_json::from_str(command).expect("a command");
        sim.apply(command).expect("applied");
        sim.advance(SimDuration::from_micros(after));
    }
    sim.advance(SimDuration::from_micros(1_500_003));
    sim.step();
    sim
}

#[test]
fn an_exported_run_is_the_same_run_in_the_command_line_and_the_page() {
    let sim = a_run();
    for format in [Format::Json, Format::Toml] {
        let text = export(&sim.saved(), format).expect("exports");
        let name = file_name(&sim.saved(), format);
        // kafka-sim run: the same parser and Scenario::run.
        let scenario = file::parse(&text, format).expect("the command line reads it");
        let (world, results) = scenario.run().expect("runs");
        assert!(results.iter().all(|r| r.applied()), "{results:?}");
        assert_eq!(
            world.now(),
            sim.now(),
            "{format:?}: ends at the page's clock"
        );
        assert_eq!(world.trace().hash(), sim.trace_hash(), "{format:?}\n{text}");

        // The page: imported as a session and replayed behind the progress bar.
        let session = import(&name, text.as_bytes()).expect("the page reads it");
        assert_eq!(session, sim.saved(), "{format:?}");
        let opened = SimHandle::restore(session);
        opened.finish_seek();
        assert_eq!(opened.trace_hash(), sim.trace_hash());
        assert_eq!(opened.view(), sim.view());
    }
}

#[test]
fn a_file_keeps_whole_milliseconds_plain_and_leaves_out_a_rewound_future() {
    let sim = SimHandle::new(4, 1);
    sim.advance(SimDuration::from_millis(1_000));
    sim.apply(Command::HealNetwork).expect("applied");
    sim.advance(SimDuration::from_millis(1_000));
    sim.apply(Command::HealNetwork).expect("applied");
    sim.seek(SimTime::from_millis(1_500));
    let text = export(&sim.saved(), Format::Json).expect("exports");
    let scenario = file::parse(&text, Format::Json).expect("parses");
    assert_eq!(scenario.steps.len(), 1, "only what happened by the clock");
    assert_eq!(
        (scenario.steps[0].at_ms, scenario.steps[0].at_us),
        (1_000, None)
    );
    assert_eq!(
        (scenario.run_until_ms, scenario.run_until_us),
        (1_500, None)
    );
    assert_eq!(
        scenario.cluster.controllers, None,
        "one controller is the default"
    );
    assert!(!text.contains("at_us"), "{text}");
}

fn refused(name: &str, text: &str) -> String {
    import(name, text.as_bytes()).expect_err("refused")
}

#[test]
fn an_unknown_command_is_named_with_its_step_and_line() {
    let text = "{\n  \"seed\": 3,\n  \"steps\": [\n    {\"at_ms\": 500, \"command\": \"explode\"}\n  ]\n}\n";
    let error = refused("bad.json", text);
    assert!(error.starts_with("steps[0]"), "{error}");
    assert!(error.contains("unknown variant `explode`"), "{error}");
    assert!(error.contains("line 4"), "{error}");
    let toml = "seed = 3\n\n[[steps]]\nat_ms = 500\ncommand = \"explode\"\n";
    let error = refused("bad.toml", toml);
    assert!(error.contains("explode"), "{error}");
    assert!(error.contains("line 3") || error.contains('3'), "{error}");
}

#[test]
fn a_field_out_of_range_is_named() {
    let text = r#"{"steps": [{"at_ms": 500, "command": "create_topic", "name": "t",
        "partitions": 99999999999, "replication_factor": 3}]}"#;
    let error = refused("range.json", text);
    assert!(error.contains("99999999999"), "{error}");
    assert!(error.contains("line 2"), "{error}");
    let error = refused("shape.json", r#"{"cluster": {"brokers": 12}}"#);
    assert_eq!(error, "cluster.brokers: 1 to 9");
    let error = refused("quorum.json", r#"{"cluster": {"controllers": 2}}"#);
    assert_eq!(error, "cluster.controllers: 1 or 3");
    let error = refused(
        "precise.json",
        r#"{"steps": [{"at_ms": 5, "at_us": 7000, "command": "heal_network"}]}"#,
    );
    assert!(error.starts_with("steps[0].at_us: 7000 µs"), "{error}");
}

#[test]
fn junk_binary_and_foreign_files_are_refused_before_parsing() {
    let error = import("photo.png", &[0x89, b'P', b'N', b'G', 0, 0xff]).expect_err("refused");
    assert!(
        error.contains("\"photo.png\" is not a scenario file"),
        "{error}"
    );
    let error = import("junk.json", &[b'{', 0xff, 0xfe, 0]).expect_err("refused");
    assert!(error.starts_with("the file is not text"), "{error}");
    let error = refused("junk.json", "this is not JSON");
    assert!(error.contains("line 1"), "{error}");
    let fifty_megabytes = 50 * 1024 * 1024;
    let error = too_large(fifty_megabytes).expect("refused by its size alone");
    assert!(error.contains("at most 1048576 bytes"), "{error}");
    let big = vec![b' '; MAX_FILE_BYTES as usize + 1];
    assert!(
        import("big.json", &big)
            .expect_err("refused")
            .contains("at most")
    );
    assert_eq!(too_large(MAX_FILE_BYTES), None);
}

#[test]
fn a_file_past_the_bounds_is_refused_with_the_bound_named() {
    let step = r#"{"at_ms": 1, "command": "heal_network"}"#;
    let steps = vec![step; MAX_COMMANDS + 1].join(",");
    let error = refused("long.json", &format!(r#"{{"steps": [{steps}]}}"#));
    assert_eq!(error, "steps: 20001 steps; the page replays at most 20000");
    let error = refused("late.json", r#"{"run_until_ms": 86400001}"#);
    assert!(
        error.starts_with("run_until_ms: the run ends at"),
        "{error}"
    );
    assert!(error.contains("at most"), "{error}");
    let error = refused(
        "order.json",
        r#"{"steps": [{"at_ms": 9, "command": "heal_network"}, {"at_ms": 2, "command": "heal_network"}]}"#,
    );
    assert!(error.starts_with("steps[1].at_ms"), "{error}");
}

#[test]
fn a_seed_toml_cannot_hold_is_an_error_not_a_wrong_file() {
    let session = Session::fresh(u64::MAX, 1);
    let toml = export(&session, Format::Toml);
    assert!(toml.is_err(), "{toml:?}");
    let json = export(&session, Format::Json).expect("JSON holds any seed");
    assert_eq!(import("big-seed.json", json.as_bytes()), Ok(session));
}
