//! Goal: `kafka-sim export` turns a scenario into files a user can run against a real Apache
//! Kafka 4.x cluster: a compose file of the same shape, a POSIX sh script of the same steps,
//! client properties and records. Method: nothing can run Docker here, so the tests check
//! content and syntax only. The export of docs/examples/acks1-loss.json is compared with the
//! files checked in under tests/testdata/export/acks1-loss/ (a golden test; run it with
//! `UPDATE_EXPORT=1` to rewrite them, then review the diff like code); every generated run.sh
//! must pass `sh -n`; one scenario uses every command, another three controllers and racks.

use kafka_sim::Scenario;
use kafka_sim::export::files;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples")
        .join(name)
}

/// A JSON example (the TOML ones are exported through the binary, which parses them).
fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).expect("example");
    serde_json::from_str(&text).expect("JSON scenario")
}

fn export(scenario: &Scenario) -> BTreeMap<String, String> {
    files(scenario).expect("a valid scenario exports")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kafka-sim-export-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `sh -n` on the script; `None` when there is no /bin/sh to ask.
fn sh_syntax(name: &str, script: &str) -> Option<Result<(), String>> {
    if !Path::new("/bin/sh").exists() {
        println!("note: /bin/sh is missing, so {name} was not checked with sh -n");
        return None;
    }
    let dir = temp_dir(name);
    let path = dir.join("run.sh");
    std::fs::write(&path, script).expect("write run.sh");
    let output = Command::new("/bin/sh")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("sh runs");
    std::fs::remove_dir_all(&dir).ok();
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

fn assert_valid_script(name: &str, script: &str) {
    if let Some(result) = sh_syntax(name, script) {
        assert_eq!(result, Ok(()), "{name}: sh -n\n{script}");
    }
    for (number, line) in script.lines().enumerate() {
        assert!(
            !line.trim_start().starts_with('#') || line.starts_with('#'),
            "{name}:{}: comments start at column 0: {line}",
            number + 1
        );
    }
}

fn scenario(json: &str) -> Scenario {
    serde_json::from_str(json).expect("test scenario")
}

#[test]
fn the_acks1_loss_export_matches_the_checked_in_files() {
    let exported = export(&load(&example("acks1-loss.json")));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/export/acks1-loss");
    if std::env::var_os("UPDATE_EXPORT").is_some() {
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).expect("testdata dir");
        for (name, text) in &exported {
            std::fs::write(dir.join(name), text).expect("write expected file");
        }
    }
    let mut expected = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("expected files (UPDATE_EXPORT=1 writes them)") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        expected.insert(name, std::fs::read_to_string(&path).expect("expected file"));
    }
    assert_eq!(
        exported.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the same files (UPDATE_EXPORT=1 rewrites them)"
    );
    for (name, text) in &exported {
        assert_eq!(
            text, &expected[name],
            "{name} differs (UPDATE_EXPORT=1 rewrites it)"
        );
    }
    let script = &exported["run.sh"];
    for expected in [
        "docker compose up -d",
        "kafka_tool kafka-topics.sh --create --topic orders --replica-assignment 1:2:3",
        "docker compose kill -s KILL broker1",
        "docker compose start broker1",
        "docker network disconnect kafka-playground \"$(docker compose ps -q broker2)\"",
        "--producer-property acks=1 < records-producer-orders.txt",
        "sleep 19",
    ] {
        assert!(
            script.contains(expected),
            "run.sh should contain {expected}:\n{script}"
        );
    }
    assert!(
        script.contains("cuts broker2 off from everyone"),
        "{script}"
    );
    assert_eq!(exported["records-producer-orders.txt"], "order-1\n");
}

#[test]
fn every_example_exports_a_script_that_sh_accepts() {
    for entry in std::fs::read_dir(example("")).expect("examples") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let output = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
            .args(["export", path.to_str().expect("UTF-8 path")])
            .output()
            .expect("the binary runs");
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).expect("UTF-8");
        let script = stdout
            .split("==> run.sh <==\n")
            .nth(1)
            .and_then(|rest| rest.split("\n==> ").next())
            .expect("run.sh is printed");
        assert!(script.starts_with("#!/bin/sh\n"), "{name}");
        assert_valid_script(&name, script);
    }
}

/// Every command the scenario format has, so that each translation is checked by `sh -n`.
const EVERY_COMMAND: &str = r#"{
  "seed": 5,
  "cluster": { "brokers": 3 },
  "steps": [
    { "at_ms": 500, "command": "create_topic", "name": "orders", "partitions": 3, "replication_factor": 3, "configs": { "min.insync.replicas": "2" } },
    { "at_ms": 500, "command": "create_topic", "name": "audit", "replica_assignment": [[2, 3, 1]] },
    { "at_ms": 600, "command": "add_producer", "name": "checkout", "config": { "acks": "all", "linger.ms": "0", "key.serializer": "StringSerializer" } },
    { "at_ms": 600, "command": "add_producer", "name": "txn", "config": { "transactional.id": "txn-1" } },
    { "at_ms": 700, "command": "send", "producer": "checkout", "topic": "orders", "key": "a:b", "value": "first" },
    { "at_ms": 700, "command": "send", "producer": "checkout", "topic": "orders", "value": "keyless" },
    { "at_ms": 700, "command": "send", "producer": "checkout", "topic": "orders", "partition": 2, "key": "k", "headers": [["h", "v"]] },
    { "at_ms": 700, "command": "transaction", "producer": "txn", "action": "init" },
    { "at_ms": 700, "command": "flush", "producer": "checkout" },
    { "at_ms": 800, "command": "send", "producer": "checkout", "topic": "orders", "key": "later", "value": "it's late" },
    { "at_ms": 800, "command": "stream_records", "producer": "checkout", "topic": "audit", "per_second": 5 },
    { "at_ms": 900, "command": "add_consumer", "name": "reader", "topics": ["orders", "audit"], "config": { "group.id": "team's group", "auto.offset.reset": "earliest", "partition.assignment.strategy": "cooperative-sticky", "app.commit": "after-processing" } },
    { "at_ms": 900, "command": "add_consumer", "name": "pinned", "partitions": [{ "topic": "orders", "partition": 0 }, { "topic": "orders", "partition": 1 }], "config": { "group.id": "pinned" } },
    { "at_ms": 900, "command": "add_client", "name": "raw" },
    { "at_ms": 950, "command": "client", "client": "raw", "op": "produce", "topic": "audit", "value": "v", "acks": 0 },
    { "at_ms": 950, "command": "client", "client": "raw", "op": "fetch", "topic": "audit", "partition": 0, "offset": 0 },
    { "at_ms": 1000, "command": "set_link", "a": { "broker": 1 }, "b": { "broker": 2 }, "latency_ms": 50, "jitter_ms": 5, "drop_per_million": 1500 },
    { "at_ms": 1000, "command": "slow_follower", "broker": 3, "delay_ms": 2000 },
    { "at_ms": 1000, "command": "cut_one_way", "from": { "broker": 1 }, "to": { "client": "checkout" } },
    { "at_ms": 1000, "command": "push_errors", "broker": 1, "api": "Produce", "errors": ["NotLeaderOrFollower"] },
    { "at_ms": 1200, "command": "cut_link", "a": "controller", "b": { "broker": 2 } },
    { "at_ms": 1200, "command": "cut_link", "a": { "client": "checkout" }, "b": { "client": "reader" } },
    { "at_ms": 1300, "command": "heal_link", "a": "controller", "b": { "broker": 2 } },
    { "at_ms": 1400, "command": "stall_consumer", "consumer": "reader" },
    { "at_ms": 1500, "command": "resume_consumer", "consumer": "reader" },
    { "at_ms": 1600, "command": "commit_sync", "consumer": "reader" },
    { "at_ms": 1600, "command": "commit_async", "consumer": "reader" },
    { "at_ms": 1700, "command": "seek", "consumer": "pinned", "tp": { "topic": "orders", "partition": 0 }, "offset": 1 },
    { "at_ms": 2000, "command": "crash_broker", "broker": 1, "kind": "power_loss" },
    { "at_ms": 3000, "command": "restart_broker", "broker": 1 },
    { "at_ms": 3000, "command": "shutdown_broker", "broker": 2 },
    { "at_ms": 3500, "command": "restart_broker", "broker": 2 },
    { "at_ms": 4000, "command": "crash_controller", "controller": 1 },
    { "at_ms": 5000, "command": "restart_controller", "controller": 1 },
    { "at_ms": 6000, "command": "elect_leaders", "election": "preferred" },
    { "at_ms": 6000, "command": "elect_leaders", "election": "unclean", "partitions": [{ "topic": "orders", "partition": 1 }] },
    { "at_ms": 6500, "command": "stream_records", "producer": "checkout", "topic": "audit", "per_second": 0 },
    { "at_ms": 7000, "command": "crash_client", "name": "reader" },
    { "at_ms": 7000, "command": "crash_client", "name": "checkout" },
    { "at_ms": 7500, "command": "restart_client", "name": "reader" },
    { "at_ms": 8000, "command": "close_consumer", "consumer": "reader" },
    { "at_ms": 8000, "command": "close_consumer", "consumer": "pinned" },
    { "at_ms": 9000, "command": "reset_offsets", "group": "team's group", "topic": "orders", "to": { "offset": 1 } },
    { "at_ms": 9000, "command": "reset_offsets", "group": "team's group", "topic": "audit", "to": "earliest" },
    { "at_ms": 9500, "command": "delete_group", "group": "pinned" },
    { "at_ms": 10000, "command": "create_partitions", "topic": "orders", "total": 6 },
    { "at_ms": 10000, "command": "heal_network" },
    { "at_ms": 11000, "command": "delete_topic", "name": "audit" }
  ],
  "run_until_ms": 15000
}"#;

#[test]
fn every_command_becomes_a_command_or_a_comment_that_sh_accepts() {
    let exported = export(&scenario(EVERY_COMMAND));
    let script = &exported["run.sh"];
    assert_valid_script("every-command", script);
    for expected in [
        "kafka_tool kafka-leader-election.sh --election-type PREFERRED --all-topic-partitions",
        "kafka_tool kafka-leader-election.sh --election-type UNCLEAN --topic orders --partition 1",
        "kafka_tool kafka-consumer-groups.sh --reset-offsets --group 'team'\\''s group' --topic orders --to-offset 1 --execute",
        "--to-earliest --execute",
        "kafka_tool kafka-consumer-groups.sh --delete --group pinned",
        "kafka_tool kafka-topics.sh --alter --topic orders --partitions 6",
        "kafka_tool kafka-topics.sh --delete --topic audit",
        "kafka_tool kafka-topics.sh --create --topic audit --replica-assignment 2:3:1",
        "--config min.insync.replicas=2",
        "docker compose stop broker2",
        "docker compose kill -s KILL controller1",
        "docker compose start controller1",
        "docker network disconnect kafka-playground \"$(docker compose ps -q broker2)\"",
        "docker network connect --alias broker2 kafka-playground \"$(docker compose ps -q broker2)\"",
        "pkill -KILL -f '/scenario/consumer-reader\\.properties' || true",
        "pkill -TERM -f '/scenario/consumer-pinned\\.properties' || true",
        "--include '^(orders|audit)$' --group 'team'\\''s group'",
        "--topic orders --partition 0 --consumer.config /scenario/consumer-pinned.properties",
        "--topic orders --partition 1 --consumer.config /scenario/consumer-pinned.properties",
        "--property parse.key=true --property 'key.separator=|' --property 'null.marker=<null>'",
        "sed -n '1,3p' records-checkout-orders.txt | kafka_tool kafka-console-producer.sh",
        "sed -n '4,4p' records-checkout-orders.txt | kafka_tool kafka-console-producer.sh",
        "stream_records checkout audit 5 5 producer-checkout.properties &",
        "--producer-property acks=0",
        "kafka_tool kafka-console-consumer.sh --topic audit --partition 0 --offset 0",
        "netem delay 50ms 5ms loss 0.1500%",
        "netem delay 2000ms",
        "iptables -A OUTPUT",
        "rd_kafka_mock_push_request_errors",
        "Not reproduced: broker 1 loses power",
        "Not reproduced: txn's initTransactions()",
        "Not reproduced: reader's application stops polling",
        "Differs: the scenario sends to partition 2",
        "Differs: the record's headers are left out",
    ] {
        assert!(
            script.contains(expected),
            "run.sh should contain {expected}:\n{script}"
        );
    }
    assert_eq!(
        exported["records-checkout-orders.txt"],
        "a:b|first\n<null>|keyless\nk|<null>\nlater|it's late\n"
    );
    assert_eq!(exported["records-raw-audit.txt"], "v\n");
    let readme = &exported["README.md"];
    assert!(
        readme.contains("## Steps the script cannot cause"),
        "{readme}"
    );
    assert!(readme.contains("loses power"), "{readme}");
}

#[test]
fn properties_files_carry_the_scenarios_configs() {
    let exported = export(&scenario(EVERY_COMMAND));
    let checkout = &exported["producer-checkout.properties"];
    for line in [
        "bootstrap.servers=broker1:19092,broker2:19092,broker3:19092",
        "client.id=checkout",
        "acks=all",
        "linger.ms=0",
        "key.serializer=org.apache.kafka.common.serialization.StringSerializer",
    ] {
        assert!(checkout.lines().any(|l| l == line), "{line} in\n{checkout}");
    }
    let txn = &exported["producer-txn.properties"];
    assert!(txn.contains("# transactional.id=txn-1: left out"), "{txn}");
    let reader = &exported["consumer-reader.properties"];
    for line in [
        "group.id=team's group",
        "auto.offset.reset=earliest",
        "partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    ] {
        assert!(reader.lines().any(|l| l == line), "{line} in\n{reader}");
    }
    assert!(
        reader.contains("# app.commit=after-processing: playground only"),
        "{reader}"
    );
    assert!(!reader.lines().any(|l| l.starts_with("app.")), "{reader}");
    let pinned = &exported["consumer-pinned.properties"];
    assert!(pinned.contains("# group.id=pinned: left out"), "{pinned}");
    let raw = &exported["producer-raw.properties"];
    assert!(raw.lines().any(|l| l == "retries=0"), "{raw}");

    let idempotence = export(&load(&example("duplicate-without-idempotence.json")));
    let producer = &idempotence["producer-checkout.properties"];
    for line in [
        "enable.idempotence=false",
        "request.timeout.ms=1000",
        "linger.ms=0",
    ] {
        assert!(producer.lines().any(|l| l == line), "{line} in\n{producer}");
    }
    assert_eq!(
        idempotence["records-checkout-payments.txt"],
        "order-17:warm-up\norder-42:charge 42 EUR\n"
    );
    assert!(idempotence["run.sh"].contains("Not reproduced: a one-way cut from broker 1"));
}

#[test]
fn three_controllers_and_racks_become_three_controller_services_and_broker_rack() {
    let exported = export(&scenario(
        r#"{ "seed": 9, "cluster": { "brokers": 3, "controllers": 3, "racks": ["us-east-1a", "us-east-1b", "us-east-1c"],
             "rack_aware_replica_selector": true, "offsets_topic_partitions": 3, "message_max_bytes": 2000000 } }"#,
    ));
    let compose = &exported["compose.yaml"];
    for n in 1..=3 {
        assert!(
            compose.contains(&format!("\n  controller{n}:\n")),
            "{compose}"
        );
        assert!(compose.contains(&format!("\n  broker{n}:\n")), "{compose}");
        assert!(
            compose.contains(&format!("KAFKA_NODE_ID: '{}'", 100 + n)),
            "{compose}"
        );
    }
    assert!(!compose.contains("controller4"));
    let voters = "KAFKA_CONTROLLER_QUORUM_VOTERS: '101@controller1:9093,102@controller2:9093,103@controller3:9093'";
    assert_eq!(
        compose.matches(voters).count(),
        6,
        "every node knows the quorum\n{compose}"
    );
    assert_eq!(
        compose.matches("KAFKA_PROCESS_ROLES: 'controller'").count(),
        3
    );
    assert_eq!(compose.matches("KAFKA_PROCESS_ROLES: 'broker'").count(), 3);
    for rack in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        assert!(
            compose.contains(&format!("KAFKA_BROKER_RACK: '{rack}'")),
            "{compose}"
        );
    }
    for line in [
        "KAFKA_REPLICA_SELECTOR_CLASS: 'org.apache.kafka.common.replica.RackAwareReplicaSelector'",
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '3'",
        "KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '3'",
        "KAFKA_MESSAGE_MAX_BYTES: '2000000'",
        "KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker2:19092,PLAINTEXT_HOST://localhost:9093'",
        "image: apache/kafka:4.1.0",
        "CLUSTER_ID: '",
    ] {
        assert!(compose.contains(line), "{line} in\n{compose}");
    }
    assert_valid_script("three-controllers", &exported["run.sh"]);

    let small = export(&scenario(r#"{ "cluster": { "brokers": 1 } }"#));
    assert!(small["compose.yaml"].contains("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1'"));
}

#[test]
fn a_value_with_a_quote_and_a_space_survives_the_shell() {
    let exported = export(&scenario(EVERY_COMMAND));
    let quoted = "'team'\\''s group'";
    assert!(exported["run.sh"].contains(&format!("--group {quoted}")));
    if !Path::new("/bin/sh").exists() {
        println!("note: /bin/sh is missing, so the quoting was not run");
        return;
    }
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("printf '%s' {quoted}"))
        .output()
        .expect("sh runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "team's group");
}

#[test]
fn the_command_line_prints_or_writes_the_files() {
    let path = example("acks1-loss.json");
    let path = path.to_str().expect("UTF-8 path");
    let output = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(["export", path])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let exported = export(&load(&example("acks1-loss.json")));
    for (name, text) in &exported {
        assert!(
            stdout.contains(&format!("==> {name} <==\n{text}")),
            "{name} in\n{stdout}"
        );
    }

    let dir = temp_dir("out");
    let out = dir.join("acks1-loss");
    let output = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(["export", path, "--out", out.to_str().expect("UTF-8 path")])
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(listed.lines().count(), exported.len(), "{listed}");
    for (name, text) in &exported {
        let written = std::fs::read_to_string(out.join(name)).expect("written file");
        assert_eq!(&written, text, "{name}");
        assert!(listed.contains(name), "{listed}");
    }

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"steps\": [\n    { \"at_ms\": 5, \"command\": \"crash_broker\", \"broker\": \"one\" }\n  ]\n}\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(["export", bad.to_str().expect("UTF-8 path")])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("steps[0]") && stderr.contains("line 3"),
        "{stderr}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_kafka-sim"))
        .args(["export"])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_one_script_bundle_writes_exactly_the_exported_files() {
    let mut exported = export(&load(&example("acks1-loss.json")));
    // A file holding the delimiter as a line, and one without a final newline's worth of
    // trouble: the bundle must still write every byte.
    exported.insert(
        "tricky.txt".to_owned(),
        "KAFKA_PLAYGROUND_EOF\n$HOME `date` 'quoted'\n".to_owned(),
    );
    let script = kafka_sim::export::bundle::script(&exported, "acks1 loss");
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    assert!(script.contains("<<'KAFKA_PLAYGROUND_EOF_'"), "{script}");
    if !Path::new("/bin/sh").exists() {
        println!("note: /bin/sh is missing, so the bundle was not run");
        return;
    }
    let dir = temp_dir("bundle");
    std::fs::write(dir.join("bundle.sh"), &script).expect("write bundle");
    let output = Command::new("/bin/sh")
        .arg("bundle.sh")
        .current_dir(&dir)
        .output()
        .expect("sh runs");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Wrote acks1 loss/"));
    let written = dir.join("acks1 loss");
    let names: Vec<String> = std::fs::read_dir(&written)
        .expect("the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, exported.keys().cloned().collect::<Vec<_>>());
    for (name, text) in &exported {
        let read = std::fs::read_to_string(written.join(name)).expect("written file");
        assert_eq!(&read, text, "{name}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
