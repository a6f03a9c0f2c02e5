//! Input a simulation in a browser tab cannot hold is refused with a clear error, never a
//! panic or an out-of-memory abort (a documentation page's host can send any command).

use kafka_sim::{
    ClusterConfig, Command, CommandError, CreateTopic, ErrorCode, Scenario, SimDuration, World,
};

fn running() -> World {
    let mut world = World::new(&ClusterConfig::default(), 1);
    world.run_for(SimDuration::from_millis(1_000));
    world
}

#[test]
fn a_topic_of_two_billion_partitions_is_refused_as_invalid_partitions() {
    let mut world = running();
    let topic = CreateTopic {
        name: "huge".to_owned(),
        partitions: i32::MAX,
        replication_factor: 1,
        configs: Default::default(),
        replica_assignment: None,
    };
    let error = world
        .apply(Command::CreateTopic(topic))
        .expect_err("refused");
    assert!(
        matches!(&error, CommandError::Kafka(e) if e.code == ErrorCode::InvalidPartitions),
        "{error}"
    );
    let topic = CreateTopic {
        name: "small".to_owned(),
        partitions: 2,
        replication_factor: 1,
        configs: Default::default(),
        replica_assignment: None,
    };
    world.apply(Command::CreateTopic(topic)).expect("created");
    world.run_for(SimDuration::from_millis(1_000));
    let error = world
        .apply(Command::CreatePartitions {
            topic: "small".to_owned(),
            total: i32::MAX,
        })
        .expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("more than this simulation holds"),
        "{error}"
    );
}

#[test]
fn a_stream_faster_than_the_clock_is_refused() {
    let mut world = running();
    world
        .apply(Command::AddProducer {
            name: "p".to_owned(),
            config: Default::default(),
        })
        .expect("added");
    let stream = |per_second| Command::StreamRecords {
        producer: "p".to_owned(),
        topic: "t".to_owned(),
        per_second,
    };
    let error = world.apply(stream(2_000_000)).expect_err("refused");
    assert!(error.to_string().contains("at most 1000000"), "{error}");
    world
        .apply(stream(1_000_000))
        .expect("the clock's resolution is allowed");
}

#[test]
fn a_scenario_of_four_billion_brokers_is_refused() {
    let scenario: Scenario =
        serde_json::from_str(r#"{"seed": 1, "cluster": {"brokers": 4000000000}, "steps": []}"#)
            .expect("parses");
    let Err(error) = scenario.run() else {
        panic!("a cluster of four billion brokers ran");
    };
    assert!(error.to_string().starts_with("cluster.brokers:"), "{error}");
}
