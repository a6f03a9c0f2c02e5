//! Goal: `kafka-sim` behaves as people expect a command line to (issue #20): help and version,
//! suggestions for typos, documented exit codes, the three output modes of `run`, `check` with
//! cause chains, the export's `--to real-kafka DIR`, shell completions, and `fuzz --jobs N`
//! printing what one thread prints. Method: run the real binary. The summaries of two examples
//! are compared with files under tests/testdata/cli/ (run with `UPDATE_CLI=1` to rewrite them,
//! then review the diff like code).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kafka_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Stdout of a run that must succeed.
fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

fn example(name: &str) -> String {
    format!("{}/../../docs/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testdata/cli")
        .join(name)
}

#[test]
fn help_explains_commands_options_and_exit_codes() {
    let help = stdout(&kafka_sim(&["--help"]));
    for wanted in [
        "run",
        "check",
        "export",
        "fuzz",
        "completions",
        "Exit status:",
        "2  bad input",
    ] {
        assert!(help.contains(wanted), "--help lacks {wanted:?}:\n{help}");
    }
    let run_help = stdout(&kafka_sim(&["run", "--help"]));
    assert_eq!(
        run_help,
        stdout(&kafka_sim(&["help", "run"])),
        "`help run` is `run --help`"
    );
    for wanted in [
        "--format",
        "summary",
        "jsonl",
        "--check",
        "not allow",
        "json` otherwise",
        "1  an anomaly",
    ] {
        assert!(
            run_help.contains(wanted),
            "run --help lacks {wanted:?}:\n{run_help}"
        );
    }
    let fuzz_help = stdout(&kafka_sim(&["fuzz", "--help"]));
    assert!(
        fuzz_help.contains("--jobs") && fuzz_help.contains("seed order"),
        "{fuzz_help}"
    );
    let version = stdout(&kafka_sim(&["--version"]));
    assert_eq!(
        version,
        format!("kafka-sim {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn typos_get_a_suggestion_and_exit_2() {
    let output = kafka_sim(&["chek", &example("acks1-loss.json")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("similar subcommand exists: 'check'"),
        "{stderr}"
    );
    let output = kafka_sim(&["run", "--fromat", "json", &example("acks1-loss.json")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("'--format'"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn bad_input_exits_2_with_a_message_and_no_panic() {
    let cases: [&[&str]; 6] = [
        &["run", "no-such-file.json"],
        &["run", "--format", "yaml", "x.json"],
        &["fuzz", "--jobs", "0"],
        &["fuzz", "--profile", "yolo"],
        &["partition", "--partitions", "0", "k"],
        &["completions", "tcsh"],
    ];
    for args in cases {
        let output = kafka_sim(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(
            !stderr.is_empty() && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
    let missing = text(&kafka_sim(&["run", "no-such-file.json"]).stderr);
    assert!(missing.contains("no-such-file.json"), "{missing}");
    let partitions = text(&kafka_sim(&["partition", "--partitions", "0", "k"]).stderr);
    assert!(partitions.contains("INVALID_PARTITIONS"), "{partitions}");
    let empty = std::env::temp_dir().join(format!("kafka-sim-empty-{}.json", std::process::id()));
    std::fs::write(&empty, "").expect("a temporary file");
    let output = kafka_sim(&["run", empty.to_str().expect("UTF-8")]);
    let _ = std::fs::remove_file(&empty);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(".json: EOF while parsing"),
        "no `.` for a field when the error is about the whole file: {stderr}"
    );
}

/// Compares with the checked-in text, or rewrites it under `UPDATE_CLI=1`.
fn golden(name: &str, actual: &str) {
    let path = testdata(name);
    if std::env::var_os("UPDATE_CLI").is_some() {
        std::fs::write(&path, actual).expect("write the expected text");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("run with UPDATE_CLI=1 to create it");
    assert_eq!(
        actual,
        expected,
        "{} differs (UPDATE_CLI=1 rewrites it)",
        path.display()
    );
}

#[test]
fn the_summary_matches_the_checked_in_text() {
    for (scenario, expected) in [
        ("unclean-election.toml", "unclean-election.summary.txt"),
        ("at-most-once.toml", "at-most-once.summary.txt"),
    ] {
        // Run from the repository root so the summary names the file as a user would.
        let output = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .args([
                "run",
                "--format",
                "summary",
                &format!("docs/examples/{scenario}"),
            ])
            .output()
            .expect("runs");
        golden(expected, &stdout(&output));
    }
}

#[test]
fn the_summary_shows_kafkas_tables_the_verdict_and_refused_steps() {
    let summary = stdout(&kafka_sim(&[
        "run",
        "--format",
        "summary",
        &example("at-most-once.toml"),
    ]));
    assert!(
        summary.contains("\tTopic: payments\tPartition: 0\tLeader: "),
        "{summary}"
    );
    assert!(
        !summary.contains("__consumer_offsets"),
        "internal topics are left out"
    );
    assert!(
        summary.contains("GROUP") && summary.contains("LOG-END-OFFSET"),
        "{summary}"
    );
    assert!(
        summary.contains("consumer-loss (allowed by app.commit=before-processing"),
        "{summary}"
    );
    let refused = stdout(&kafka_sim(&[
        "run",
        "--format",
        "summary",
        testdata("refused.toml").to_str().expect("UTF-8"),
    ]));
    assert!(
        refused.contains(
            "Refused steps: 1\n  steps[0] at 3000 ms (create_topic): INVALID_REPLICATION_FACTOR"
        ),
        "{refused}"
    );
}

#[test]
fn json_is_the_default_off_a_terminal_and_the_full_report() {
    let default = stdout(&kafka_sim(&["run", &example("acks1-loss.json")]));
    let json = stdout(&kafka_sim(&[
        "run",
        "--format",
        "json",
        &example("acks1-loss.json"),
    ]));
    assert_eq!(default, json);
    let report: Value = serde_json::from_str(&json).expect("JSON");
    assert!(report["view"]["topics"].is_array() && report["events"].is_array());
}

#[test]
fn jsonl_streams_the_same_run_one_object_per_line() {
    for scenario in ["exactly-once.toml", "unclean-election.toml"] {
        let lines = stdout(&kafka_sim(&[
            "run",
            "--format",
            "jsonl",
            &example(scenario),
        ]));
        let report: Value = serde_json::from_str(&stdout(&kafka_sim(&["run", &example(scenario)])))
            .expect("JSON report");
        let parsed: Vec<Value> = lines
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect();
        let count = |kind: &str| parsed.iter().filter(|l| l["type"] == kind).count();
        let len = |field: &str| report[field].as_array().expect("array").len();
        assert_eq!(count("event"), len("events"), "{scenario}");
        assert_eq!(count("operation"), len("operations"), "{scenario}");
        assert_eq!(
            count("consumer_operation"),
            len("consumer_operations"),
            "{scenario}"
        );
        let end = parsed.last().expect("an end line");
        assert_eq!(end["type"], "end");
        assert_eq!(
            end["trace_hash"], report["trace_hash"],
            "{scenario}: streaming runs the same run"
        );
        let times: Vec<u64> = parsed
            .iter()
            .filter(|l| l["type"] == "event")
            .map(|l| l["at_ms"].as_u64().expect("at_ms"))
            .collect();
        assert!(times.is_sorted(), "{scenario}: events in time order");
    }
    let unclean = stdout(&kafka_sim(&[
        "run",
        "--format",
        "jsonl",
        &example("unclean-election.toml"),
    ]));
    let anomaly: Value = unclean
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .find(|l| l["type"] == "anomaly")
        .expect("the lost write");
    assert_eq!(anomaly["anomaly"], "lost-write");
    assert!(
        anomaly["allowed_by"]
            .as_str()
            .is_some_and(|a| a.contains("unclean.leader.election.enable=true")),
        "{anomaly}"
    );
}

#[test]
fn check_exits_1_only_for_an_anomaly_the_configuration_does_not_allow() {
    let unclean = example("unclean-election.toml");
    let allowed = kafka_sim(&["run", "--check", "--format", "json", &unclean]);
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "unclean election and acks=1 allow the loss"
    );
    let strict = kafka_sim(&["run", "--check", "--strict", "--format", "json", &unclean]);
    assert_eq!(strict.status.code(), Some(1), "--strict counts it");
    assert!(
        text(&strict.stderr).contains("lost-write (allowed by"),
        "the JSON report has no verdict, so stderr says why: {}",
        text(&strict.stderr)
    );
    let power_loss = testdata("power-loss.toml");
    let power_loss = power_loss.to_str().expect("UTF-8");
    let output = kafka_sim(&["run", "--check", "--format", "summary", power_loss]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).contains("lost-write (NOT ALLOWED)"));
    let unchecked = kafka_sim(&["run", "--format", "summary", power_loss]);
    assert_eq!(
        unchecked.status.code(),
        Some(0),
        "without --check the run succeeds"
    );
}

#[test]
fn check_prints_the_verdict_and_each_anomalys_cause_chain() {
    let output = kafka_sim(&["check", &example("acks1-loss.json")]);
    assert_eq!(output.status.code(), Some(0));
    let verdict = text(&output.stdout);
    assert!(
        verdict.contains("1 anomaly, all allowed by the configuration"),
        "{verdict}"
    );
    assert!(
        verdict.contains("lost-write (allowed by acks=1"),
        "{verdict}"
    );
    let why: Vec<&str> = verdict
        .lines()
        .skip_while(|l| !l.contains("why:"))
        .collect();
    assert!(why[0].contains("truncated orders-0"), "{verdict}");
    assert!(why.iter().any(|l| l.contains("fenced")), "{verdict}");
    assert!(
        why.last().is_some_and(|l| l.contains("broker 1 crashed")),
        "{verdict}"
    );
    let failed = kafka_sim(&[
        "check",
        testdata("power-loss.toml").to_str().expect("UTF-8"),
    ]);
    assert_eq!(failed.status.code(), Some(1));
    let failed = text(&failed.stdout);
    assert!(
        failed.contains("in the power loss") && failed.contains("lost power"),
        "the loss, then the crash: {failed}"
    );
    let clean = stdout(&kafka_sim(&[
        "check",
        testdata("refused.toml").to_str().expect("UTF-8"),
    ]));
    assert!(clean.ends_with(": no anomaly\n"), "{clean}");
}

#[test]
fn export_to_real_kafka_writes_the_same_files_as_out() {
    let base = std::env::temp_dir().join(format!("kafka-sim-cli-export-{}", std::process::id()));
    let (to, out) = (base.join("to"), base.join("out"));
    let scenario = example("acks1-loss.json");
    let listed = stdout(&kafka_sim(&[
        "export",
        &scenario,
        "--to",
        "real-kafka",
        to.to_str().expect("UTF-8"),
    ]));
    stdout(&kafka_sim(&[
        "export",
        &scenario,
        "--out",
        out.to_str().expect("UTF-8"),
    ]));
    assert!(listed.contains("compose.yaml") && listed.contains("run.sh"));
    for line in listed.lines() {
        let name = Path::new(line).file_name().expect("a file");
        assert_eq!(
            std::fs::read(Path::new(line)).expect("written"),
            std::fs::read(out.join(name)).expect("written by --out"),
            "{line}"
        );
    }
    let printed = stdout(&kafka_sim(&["export", &scenario]));
    assert!(printed.starts_with("==> "), "{printed}");
    let both = kafka_sim(&[
        "export",
        &scenario,
        to.to_str().expect("UTF-8"),
        "--out",
        "x",
    ]);
    assert_eq!(both.status.code(), Some(2), "DIR or --out, not both");
    std::fs::remove_dir_all(&base).ok();
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&kafka_sim(&["completions", shell]));
        assert!(
            script.contains("kafka-sim") && script.contains("jsonl"),
            "{shell}"
        );
    }
}

#[test]
fn fuzz_prints_the_same_with_any_number_of_jobs() {
    let args = |jobs: &'static str| ["fuzz", "--seeds", "2", "--profile", "all", "--jobs", jobs];
    let one = kafka_sim(&args("1"));
    let three = kafka_sim(&args("3"));
    assert!(!one.stdout.is_empty());
    assert_eq!(text(&one.stdout), text(&three.stdout));
    assert_eq!(one.status.code(), three.status.code());
    let default = kafka_sim(&["fuzz", "--seeds", "2", "--profile", "all"]);
    assert_eq!(text(&one.stdout), text(&default.stdout));
}

/// On a terminal the summary is the default. `script` gives the binary a terminal; where it
/// is missing the test says so and passes.
#[test]
fn the_summary_is_the_default_on_a_terminal() {
    if !Path::new("/usr/bin/script").exists() {
        println!("note: no /usr/bin/script, so the terminal default was not checked");
        return;
    }
    let command = format!(
        "{} run {}",
        env!("CARGO_BIN_EXE_kafka-sim"),
        example("acks1-loss.json")
    );
    let output = Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    let shown = text(&output.stdout);
    assert!(
        shown.contains("$ kafka-topics.sh") && shown.contains("Verdict: "),
        "{shown}"
    );
}
