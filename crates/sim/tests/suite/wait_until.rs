//! Goal: a scenario waits on the cluster instead of on timings read from a first run: a
//! `wait_until` step holds the steps after it until its condition (the lessons' conditions)
//! holds, and fails the run naming the condition when its timeout passes first. Also: a
//! `seek` issued the moment an assign() consumer is added applies before its first poll.
//! Method: scenarios as files would write them, run by the scenario runner.

use kafka_sim::Condition;
use kafka_sim::{Command, Scenario, ScenarioError, Step, TopicPartition};

fn scenario(json: &str) -> Scenario {
    serde_json::from_str(json).expect("a valid scenario")
}

/// Broker 2 leads t-0 in this seed; it dies, and the controller fences it after
/// `broker.session.timeout.ms` (9 s) and elects another leader.
const FAILOVER: &str = r#"{
  "seed": 3,
  "steps": [
    { "at_ms": 500, "command": "create_topic", "name": "t", "partitions": 1, "replication_factor": 3 },
    { "at_ms": 1000, "command": "crash_broker", "broker": 2 },
    { "at_ms": 1000, "command": "wait_until", "timeout_ms": 30000,
      "condition": { "when": "leader_other_than", "topic": "t", "partition": 0, "broker": 2 } },
    { "at_ms": 1000, "command": "restart_broker", "broker": 2 }
  ],
  "run_until_ms": 1000
}"#;

#[test]
fn a_wait_holds_the_next_steps_until_its_condition_holds() {
    let (world, results) = scenario(FAILOVER).run().expect("the wait ends in time");
    assert!(results.iter().all(|r| r.applied()), "{results:?}");
    // The restart of broker 2 comes once another broker leads, not at the 1000 ms the file
    // says.
    let waited = results[2].at_ms;
    // Its last heartbeat was just after the start (every 2 s): fenced 9 s after it.
    assert!(waited >= 9_000, "fenced after its session: {results:?}");
    assert_eq!(
        results[3].at_ms, waited,
        "the step after runs when the wait ends"
    );
    let led = world
        .metadata()
        .partition(&TopicPartition::new("t", 0))
        .and_then(|p| p.leader);
    assert!(led.is_some_and(|b| b != 2), "{led:?}");
}

#[test]
fn a_wait_that_times_out_fails_the_run_naming_its_condition() {
    let mut bad = scenario(FAILOVER);
    // Shorter than broker.session.timeout.ms: the controller has not fenced broker 2 yet.
    let Command::WaitUntil { timeout_ms, .. } = &mut bad.steps[2].command else {
        panic!("step 2 waits");
    };
    *timeout_ms = 5_000;
    let error = bad.run().expect_err("the wait times out");
    assert!(
        matches!(
            error,
            ScenarioError::WaitTimedOut {
                index: 2,
                timeout_ms: 5_000,
                at_ms: 6_000,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("steps[2]: wait_until timed out after 5000 ms"),
        "{message}"
    );
    assert!(message.contains("LeaderOtherThan"), "{message}");
}

#[test]
fn a_wait_reuses_the_lessons_conditions() {
    let json = r#"{
      "seed": 4,
      "steps": [
        { "at_ms": 500, "command": "create_topic", "name": "t", "partitions": 2, "replication_factor": 3 },
        { "at_ms": 500, "command": "add_consumer", "name": "c1", "topics": ["t"],
          "config": { "group.id": "g" } },
        { "at_ms": 500, "command": "wait_until", "timeout_ms": 20000,
          "condition": { "when": "group_stable", "group": "g", "members": 1 } },
        { "at_ms": 500, "command": "wait_until", "timeout_ms": 20000,
          "condition": { "when": "consumer_caught_up", "consumer": "c1" } },
        { "at_ms": 500, "command": "pause_broker", "broker": 2 },
        { "at_ms": 500, "command": "wait_until", "timeout_ms": 20000,
          "condition": { "when": "broker_fenced", "broker": 2 } },
        { "at_ms": 500, "command": "wait_until", "timeout_ms": 20000,
          "condition": { "when": "isr_exactly", "topic": "t", "partition": 0, "members": 2 } },
        { "at_ms": 500, "command": "wait_until", "timeout_ms": 20000,
          "condition": { "when": "leader_other_than", "topic": "t", "partition": 0, "broker": 2 } }
      ]
    }"#;
    let (world, results) = scenario(json).run().expect("every wait ends in time");
    assert!(results.iter().all(|r| r.applied()), "{results:?}");
    // Fenced after broker.session.timeout.ms (9 s) of silence, not before.
    assert!(results[5].at_ms >= 9_000, "{results:?}");
    assert!(Condition::BrokerFenced { broker: 2 }.holds(&world));
}

#[test]
fn the_world_refuses_a_wait_it_cannot_apply() {
    let (mut world, _) = scenario(r#"{ "steps": [] }"#).run().expect("empty");
    let wait = Command::WaitUntil {
        condition: Condition::HasLeader {
            topic: "t".to_owned(),
            partition: 0,
        },
        timeout_ms: 1,
    };
    let refused = world.apply(wait).expect_err("not a cluster command");
    assert!(refused.to_string().contains("scenario runner"), "{refused}");
}

#[test]
fn a_seek_at_the_moment_an_assigned_consumer_is_added_applies_before_its_first_poll() {
    let mut steps: Vec<Step> = serde_json::from_str(
        r#"[
        { "at_ms": 500, "command": "create_topic", "name": "t", "partitions": 1, "replication_factor": 3 },
        { "at_ms": 600, "command": "add_producer", "name": "p" }
      ]"#,
    )
    .expect("steps");
    for n in 0..10 {
        steps.push(
            serde_json::from_str(&format!(
                r#"{{ "at_ms": 700, "command": "send", "producer": "p", "topic": "t", "value": "v{n}" }}"#
            ))
            .expect("send"),
        );
    }
    steps.extend(
        serde_json::from_str::<Vec<Step>>(
            r#"[
        { "at_ms": 3000, "command": "add_consumer", "name": "c", "partitions": [{ "topic": "t", "partition": 0 }],
          "config": { "auto.offset.reset": "earliest" } },
        { "at_ms": 3000, "command": "seek", "consumer": "c", "tp": { "topic": "t", "partition": 0 }, "offset": 7 }
      ]"#,
        )
        .expect("steps"),
    );
    let run = Scenario {
        steps,
        run_until_ms: 10_000,
        ..scenario("{}")
    };
    let (world, results) = run.run().expect("runs");
    assert!(results.iter().all(|r| r.applied()), "{results:?}");
    let (c, _) = world.consumers().next().expect("c");
    let first = c
        .history()
        .iter()
        .flat_map(|op| op.outcome.processed_records())
        .map(|r| r.offset)
        .next();
    assert_eq!(
        first,
        Some(7),
        "the first poll starts at the seek, not at earliest"
    );
}
