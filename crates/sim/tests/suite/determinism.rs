//! Goal: a run is a pure function of (seed, commands). Method: run the same scripted faults
//! twice and compare every trace line; run with another seed and expect a different trace.

use kafka_sim::{ClusterConfig, Command, CrashKind, Endpoint, SimDuration, SimTime, World};

/// Seeds are printed so a failure can be reproduced with `SIM_SEED=<n>`.
fn seed() -> u64 {
    std::env::var("SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_125)
}

/// A scripted run with a crash, a network cut and repairs, recording every trace line.
fn scripted_run(seed: u64) -> World {
    let mut world = World::new(&ClusterConfig::default(), seed);
    world.record_trace_lines();
    let script = [
        (
            1_000,
            Command::CrashBroker {
                broker: 2,
                kind: CrashKind::Process,
            },
        ),
        (
            3_000,
            Command::CutLink {
                a: Endpoint::Broker(3),
                b: Endpoint::Controller,
            },
        ),
        (15_000, Command::RestartBroker { broker: 2 }),
        (20_000, Command::HealNetwork),
    ];
    for (at_ms, command) in script {
        world.run_until(SimTime::from_millis(at_ms));
        world.apply(command).expect("the script is valid");
    }
    world.run_for(SimDuration::from_millis(10_000));
    world
}

#[test]
fn same_seed_and_commands_give_an_identical_trace() {
    let seed = seed();
    println!(
        "seed {seed}; reproduce with: SIM_SEED={seed} cargo test -p kafka-sim --test suite determinism::"
    );
    let first = scripted_run(seed);
    let second = scripted_run(seed);
    let lines = first.trace().lines().expect("recording");
    assert!(
        lines.len() > 50,
        "the run did something: {} lines",
        lines.len()
    );
    assert_eq!(lines, second.trace().lines().expect("recording"));
    assert_eq!(first.trace().hash(), second.trace().hash());
    assert_eq!(first.events(), second.events());
    assert_eq!(first.view(), second.view());
}

#[test]
fn a_different_seed_gives_a_different_trace() {
    let seed = seed();
    println!("seeds {seed} and {}", seed + 1);
    let first = scripted_run(seed);
    let other = scripted_run(seed + 1);
    assert_ne!(first.trace().lines(), other.trace().lines());
    assert_ne!(first.trace().hash(), other.trace().hash());
}

#[test]
fn a_clone_is_a_checkpoint_that_continues_identically() {
    let mut world = World::new(&ClusterConfig::default(), seed());
    world.run_for(SimDuration::from_millis(5_000));
    let mut copy = world.clone();
    for w in [&mut world, &mut copy] {
        w.apply(Command::CrashBroker {
            broker: 1,
            kind: CrashKind::PowerLoss,
        })
        .expect("valid");
        w.run_for(SimDuration::from_millis(20_000));
    }
    assert_eq!(world.trace().hash(), copy.trace().hash());
    assert_eq!(world.view(), copy.view());
}
