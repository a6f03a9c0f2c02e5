//! Goal: `kafka-sim` does what docs/scenarios.md says. Method: run the real binary on the
//! documented examples, on Kafka's partitioner vectors, and on broken scenario files.

use serde_json::Value;
use std::process::{Command, Output};

fn kafka_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn example(name: &str) -> String {
    format!("{}/../../docs/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn run_reports_the_lost_acknowledged_record() {
    let report: Value =
        serde_json::from_str(&stdout(&kafka_sim(&["run", &example("acks1-loss.json")])))
            .expect("JSON report");
    let operation = &report["operations"][0];
    assert_eq!(operation["outcome"]["result"], "acked");
    let partition = &report["view"]["topics"][0]["partitions"][0];
    for replica in partition["replica_logs"].as_array().expect("replicas") {
        assert_eq!(
            replica["records"].as_array().expect("records").len(),
            0,
            "{replica}"
        );
    }
    let events: Vec<&str> = report["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["text"].as_str().expect("text"))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("broker 1 truncated orders-0 from offset 1 to 0")),
        "{events:#?}"
    );
}

#[test]
fn the_at_most_once_example_commits_a_batch_it_never_processes() {
    let report: Value =
        serde_json::from_str(&stdout(&kafka_sim(&["run", &example("at-most-once.toml")])))
            .expect("JSON report");
    let operations = report["consumer_operations"]
        .as_array()
        .expect("operations");
    let polled: Vec<&Value> = operations
        .iter()
        .filter(|o| o["outcome"]["result"] == "polled")
        .collect();
    assert!(!polled.is_empty());
    assert!(
        polled.iter().all(|o| o["outcome"]["processed"] == false),
        "{polled:#?}"
    );
    let row = &report["view"]["groups"][0]["rows"][0];
    assert_eq!(row["current_offset"], 4, "{row}");
    assert_eq!(row["lag"], 0, "the group believes it is done");
}

#[test]
fn the_exactly_once_example_aborts_the_crashed_attempt_and_audit_reads_each_receipt_once() {
    let report: Value =
        serde_json::from_str(&stdout(&kafka_sim(&["run", &example("exactly-once.toml")])))
            .expect("JSON report");
    let read: Vec<&str> = report["consumer_operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter(|o| o["client"] == "audit" && o["outcome"]["result"] == "polled")
        .flat_map(|o| o["outcome"]["records"].as_array().expect("records"))
        .map(|r| r["value"].as_str().expect("value"))
        .collect();
    assert_eq!(read, ["pay-1", "pay-2", "pay-3", "pay-4"]);
    let receipts = &report["view"]["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["name"] == "receipts")
        .expect("receipts")["partitions"][0]["replica_logs"][0]["records"];
    let log: Vec<&str> = receipts
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["value"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        log,
        [
            "pay-1", "pay-2", "ABORT", "pay-1", "pay-2", "pay-3", "pay-4", "COMMIT"
        ],
        "the crashed attempt is in the log, aborted"
    );
}

#[test]
fn describe_prints_kafka_topics_format() {
    let text = stdout(&kafka_sim(&["describe", &example("unclean-election.toml")]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let topic: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(topic[0], "Topic: clicks");
    assert!(topic[1].starts_with("TopicId: ") && topic[1].len() == "TopicId: ".len() + 22);
    assert_eq!(
        &topic[2..],
        [
            "PartitionCount: 1",
            "ReplicationFactor: 2",
            "Configs: unclean.leader.election.enable=true"
        ]
    );
    assert_eq!(
        lines[1],
        "\tTopic: clicks\tPartition: 0\tLeader: 2\tReplicas: 1,2\tIsr: 2\tElr: \tLastKnownElr: "
    );
}

#[test]
fn partition_matches_the_java_client_on_every_published_vector() {
    let vectors: Value =
        serde_json::from_str(include_str!("../testdata/kafka-vectors.json")).expect("JSON");
    for vector in vectors["partition"].as_array().expect("vectors") {
        let hex = vector["key_hex"].as_str().expect("hex");
        let partitions = vector["num_partitions"].to_string();
        let args = [
            "partition",
            "--partitions",
            partitions.as_str(),
            "--hex",
            hex,
        ];
        let text = stdout(&kafka_sim(&args));
        assert_eq!(
            text,
            format!("{hex}\t{}\n", vector["partition"]),
            "{vector}"
        );
    }
    assert_eq!(
        stdout(&kafka_sim(&["partition", "--partitions", "1000", "abc"])),
        "abc\t107\n"
    );
}

#[test]
fn bad_scenarios_name_the_field_and_line() {
    let dir = std::env::temp_dir().join(format!("kafka-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        (
            "wrong-type.json",
            "{\n  \"steps\": [\n    { \"at_ms\": 5, \"command\": \"crash_broker\", \"broker\": \"one\" }\n  ]\n}\n",
            &["steps[0]", "line 3"][..],
        ),
        (
            "unknown-field.json",
            "{ \"seed\": 1, \"brokres\": 3 }",
            &["brokres"][..],
        ),
        (
            "out-of-order.toml",
            "[[steps]]\nat_ms = 10\ncommand = \"heal_network\"\n\n[[steps]]\nat_ms = 5\ncommand = \"heal_network\"\n",
            &["steps[1].at_ms"][..],
        ),
        ("syntax.toml", "seed = \n", &["line 1"][..]),
    ];
    for (name, text, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let output = kafka_sim(&["run", path.to_str().expect("UTF-8 path")]);
        assert_eq!(output.status.code(), Some(2), "{name} is rejected");
        let stderr = String::from_utf8_lossy(&output.stderr);
        for fragment in expected {
            assert!(
                stderr.contains(fragment),
                "{name}: {stderr:?} should mention {fragment}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_duplicate_example_writes_the_payment_twice() {
    let report: Value = serde_json::from_str(&stdout(&kafka_sim(&[
        "run",
        &example("duplicate-without-idempotence.json"),
    ])))
    .expect("JSON report");
    let records = report["view"]["topics"][0]["partitions"][0]["replica_logs"][0]["records"]
        .as_array()
        .expect("records")
        .clone();
    let values: Vec<&str> = records
        .iter()
        .map(|r| r["value"].as_str().expect("value"))
        .collect();
    assert_eq!(values, ["warm-up", "charge 42 EUR", "charge 42 EUR"]);
}

#[test]
fn fuzz_reports_seeds_faults_and_operations() {
    let text = stdout(&kafka_sim(&["fuzz", "--seeds", "3", "--profile", "safe"]));
    assert!(text.starts_with("profile safe: 3 seeds, "), "{text}");
    assert!(
        text.contains("operations checked") && text.contains("no anomaly"),
        "{text}"
    );
    let unsafe_run = stdout(&kafka_sim(&[
        "fuzz",
        "--seeds",
        "5",
        "--profile",
        "no-idempotence",
    ]));
    assert!(unsafe_run.contains("duplicate (allowed)"), "{unsafe_run}");
    let bad = kafka_sim(&["fuzz", "--profile", "yolo"]);
    assert_eq!(bad.status.code(), Some(2));
}

fn assign(input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .arg("assign")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("output")
}

#[test]
fn assign_prints_each_members_sorted_partitions() {
    let range = r#"{"assignor": "range", "members": {"C0": ["t0", "t1"], "C1": ["t0", "t1"]}, "partitions_per_topic": {"t0": 3, "t1": 3}}"#;
    assert_eq!(
        stdout(&assign(range)),
        "{\"C0\":[[\"t0\",0],[\"t0\",1],[\"t1\",0],[\"t1\",1]],\"C1\":[[\"t0\",2],[\"t1\",2]]}\n"
    );
    let cooperative = r#"{"assignor": "cooperative-sticky", "members": {"c1": ["t"], "c2": ["t"]}, "partitions_per_topic": {"t": 3}, "owned": {"c1": [["t", 0], ["t", 1], ["t", 2]]}}"#;
    assert_eq!(
        stdout(&assign(cooperative)),
        "{\"c1\":[[\"t\",0],[\"t\",1]],\"c2\":[]}\n",
        "t-2 waits for c1 to revoke it"
    );
    let bad = assign(r#"{"assignor": "fair", "members": {}, "partitions_per_topic": {}}"#);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("assignor"));
}

/// A refused step is part of what happened: the report lists it with Kafka's error, not only
/// stderr.
#[test]
fn refused_steps_are_in_the_report() {
    let dir = std::env::temp_dir().join(format!("kafka-sim-refused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("refused.toml");
    let text = "[[steps]]\nat_ms = 3000\ncommand = \"create_topic\"\nname = \"t\"\npartitions = 1\nreplication_factor = 4\n\n[[steps]]\nat_ms = 3000\ncommand = \"create_topic\"\nname = \"ok\"\npartitions = 1\nreplication_factor = 3\n";
    std::fs::write(&path, text).expect("write");
    let output = kafka_sim(&["run", path.to_str().expect("UTF-8 path")]);
    let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON report");
    let refused = report["refused"].as_array().expect("refused steps");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["step"], 0);
    assert_eq!(refused[0]["at_ms"], 3000);
    assert_eq!(refused[0]["command"]["command"], "create_topic");
    assert!(
        refused[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("INVALID_REPLICATION_FACTOR")),
        "{refused:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The unclean-election example shows what its comment promises: an acknowledged record the
/// new, out-of-sync leader never fetched is gone from the partition.
#[test]
fn the_unclean_election_example_loses_an_acknowledged_record() {
    let report: Value = serde_json::from_str(&stdout(&kafka_sim(&[
        "run",
        &example("unclean-election.toml"),
    ])))
    .expect("JSON report");
    let partition = &report["view"]["topics"][0]["partitions"][0];
    let leader = partition["leader"].as_u64().expect("a leader");
    let log = partition["replica_logs"]
        .as_array()
        .expect("logs")
        .iter()
        .find(|l| l["broker"].as_u64() == Some(leader))
        .expect("the leader's log");
    let kept: Vec<&str> = log["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["value"].as_str().expect("value"))
        .collect();
    let acked: Vec<&str> = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter(|op| op["outcome"]["result"] == "acked")
        .map(|op| op["request"]["value"].as_str().expect("value"))
        .collect();
    assert!(
        acked.iter().any(|v| !kept.contains(v)),
        "acknowledged {acked:?}, the leader keeps {kept:?}"
    );
}

/// The benchmark workload's run is clean, reads every record, and is the same run every time.
#[test]
fn workload_runs_clean_reads_every_record_and_replays() {
    let run = || -> Value {
        serde_json::from_str(&stdout(&kafka_sim(&["workload", "--records", "300"])))
            .expect("JSON report")
    };
    let (first, second) = (run(), run());
    assert_eq!(first["records_read"], 300, "{first}");
    assert_eq!(first["violations"], serde_json::json!([]), "{first}");
    assert_eq!(first["records_acked"], 300, "{first}");
    assert_eq!(first["trace_hash"], second["trace_hash"]);
}

#[test]
fn workload_on_two_brokers_is_refused_as_kafka_refuses_rf3() {
    let output = kafka_sim(&["workload", "--brokers", "2", "--records", "10"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INVALID_REPLICATION_FACTOR"), "{stderr}");
}
