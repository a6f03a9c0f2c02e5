//! Goal: the simulator loses only what Kafka would lose. Method: seeded fuzzing. The safe
//! configuration (acks=all, min.insync.replicas=2 of RF=3, idempotence, no unclean election,
//! a transactional producer read with read_committed, consumers committing only what they
//! processed) must show no anomaly but at-least-once redelivery on any seed under broker,
//! consumer and producer crashes, stalled consumers, partitions, lossy and slow links, lost
//! responses, slow followers and scripted errors; each unsafe configuration must reproduce its anomaly on some seed, and
//! nothing outside what Kafka allows for it. `SIM_SEEDS=n` sets how many seeds are swept;
//! every failure names its seed and prints the shrunk scenario to reproduce it.

use kafka_sim::check::Anomaly;
use kafka_sim::fuzz::{Profile, run, scenario, shrink};

fn seed_count(default: u64) -> u64 {
    std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn assert_safe(seed: u64) {
    assert_allowed_only(seed, Profile::Safe);
}

/// Runs `seed` of `profile` and fails, with the shrunk scenario, on any anomaly the profile's
/// configuration does not allow.
fn assert_allowed_only(seed: u64, profile: Profile) -> kafka_sim::fuzz::SeedOutcome {
    let generated = scenario(seed, profile);
    let outcome = run(&generated);
    // Redelivery is at-least-once working as designed, not a loss of safety.
    let allowed = profile.allowed();
    if let Some(first) = outcome
        .violations
        .iter()
        .find(|v| !allowed.contains(&v.anomaly))
    {
        let minimal = shrink(&generated, first.anomaly);
        panic!(
            "seed {seed}: {} violation(s), first {}: {}\nreproduce with: kafka-sim run <this scenario>\n{}",
            outcome.violations.len(),
            first.anomaly,
            first.detail,
            serde_json::to_string_pretty(&minimal).unwrap_or_default()
        );
    }
    outcome
}

/// Regression: seed 8 duplicated records under idempotence because followers did not keep the
/// producers' state, so a new leader took a retried batch for a new one.
/// Runs seeds 1..=`seeds` of `profile` as [`assert_allowed_only`] does, `each` asked of every
/// seed's outcome, and sums what the seeds covered (each profile's test then checks its faults
/// and protocol paths happened at all).
fn coverage_of(
    profile: Profile,
    seeds: u64,
    each: impl Fn(u64, &kafka_sim::fuzz::SeedOutcome),
) -> std::collections::BTreeMap<&'static str, usize> {
    let mut total = std::collections::BTreeMap::new();
    for seed in 1..=seeds {
        let outcome = assert_allowed_only(seed, profile);
        each(seed, &outcome);
        for (what, count) in outcome.coverage {
            *total.entry(what).or_default() += count;
        }
    }
    total
}

#[test]
fn regression_seed_8_new_leader_recognises_retried_batches() {
    assert_safe(8);
}

/// Regression: with the KIP-360 epoch bump, seeds 18 and 87 duplicated and reordered records:
/// batches whose earlier attempt was written (and evicted from the broker's 5-batch window)
/// were stamped again under the new epoch.
#[test]
fn regression_seeds_18_and_87_epoch_bump_rewrites_nothing_already_written() {
    assert_safe(18);
    assert_safe(87);
}

/// Regression: seed 74 tore a committed transaction: a retried EndTxn was answered "done" from
/// a PrepareCommit whose write then timed out, so the coordinator fell back to Ongoing and
/// later aborted the transaction for its timeout.
#[test]
fn regression_seed_74_a_commit_is_answered_only_once_persisted() {
    assert_safe(74);
}

/// Regression: seeds 600848 and 601573 wrote an exactly-once forwarder's output twice: a
/// forwarder its group had removed kept its partitions after its generation was reset and sent
/// its transaction's offsets with generation -1, which the coordinator accepts.
#[test]
fn regression_seeds_600848_and_601573_a_removed_forwarder_commits_nothing() {
    assert_safe(600_848);
    assert_safe(601_573);
}

/// Regression: seed 1175 of read-uncommitted broke the quorum's leader-completeness
/// invariant without any fault in Raft: a controller leader cut off from the quorum stayed
/// active in its old epoch while the others elected a leader that committed more; when that
/// leader crashed, the stale one was the only active controller up and was taken for the
/// newest. The invariant now asks it of the leader of the newest epoch any controller knows.
#[test]
fn regression_read_uncommitted_seed_1175_a_stale_leader_is_not_the_newest() {
    assert_allowed_only(1175, Profile::ReadUncommitted);
}

/// Regression: seed 1099 of consumer-protocol committed an offset backwards. A member's
/// `commitSync()` met STALE_MEMBER_EPOCH and was sent again until the member, fenced and back
/// with a new epoch, was given the same partition and had already fetched the older committed
/// offset; the retry then committed what it read before it was fenced, and its next commit
/// went back to the fetched position. Kafka 4's consumer throws CommitFailedException instead.
#[test]
fn regression_consumer_protocol_seed_1099_a_stale_commit_sync_fails() {
    assert_allowed_only(1099, Profile::ConsumerProtocol);
}

/// Fifty seeds here; `./playground bench` sweeps a thousand of every profile, and the trace
/// guard's ignored test runs two hundred.
#[test]
fn the_safe_configuration_shows_no_anomaly() {
    let seeds = seed_count(50);
    for seed in 1..=seeds {
        assert_safe(seed);
    }
    println!("{seeds} seeds, no anomaly");
}

/// At-least-once forwarding under the safe profile's faults: each seed's scenario with its
/// forwarders committing after their output is acknowledged instead of in a transaction (the
/// fuzzer's forwarders are exactly-once). Their output twice is what at-least-once allows;
/// an input committed without its output is not. A forwarder that committed before its sends
/// were acknowledged fails here at seed 7. The safe faults never outlast the forwarders'
/// `delivery.timeout.ms` (120 s), so a send that fails for good is exactly_once.rs's
/// (`at_least_once_forwarding_does_not_commit_past_a_failed_send`).
#[test]
fn at_least_once_forwarders_commit_nothing_without_its_output() {
    let seeds = seed_count(50);
    for seed in 1..=seeds {
        let mut generated = scenario(seed, Profile::Safe);
        for step in &mut generated.steps {
            if let kafka_sim::Command::AddConsumer { config, .. } = &mut step.command
                && let Some(commit) = config.get_mut("app.commit")
                && commit == "transactional"
            {
                *commit = "after-processing".to_owned();
            }
        }
        let outcome = run(&generated);
        let output_twice = |v: &kafka_sim::check::Violation| {
            v.anomaly == Anomaly::Duplicate && v.detail.starts_with("fuzz-out-")
        };
        let allowed = Profile::Safe.allowed();
        if let Some(first) = outcome
            .violations
            .iter()
            .find(|v| !allowed.contains(&v.anomaly) && !output_twice(v))
        {
            let minimal = shrink(&generated, first.anomaly);
            panic!(
                "seed {seed}: {}: {}\nreproduce with: kafka-sim run <this scenario>\n{}",
                first.anomaly,
                first.detail,
                serde_json::to_string_pretty(&minimal).unwrap_or_default()
            );
        }
    }
    println!("{seeds} seeds, no output lost");
}

#[test]
fn each_unsafe_configuration_reproduces_its_anomaly_and_only_what_kafka_allows() {
    for profile in Profile::ALL.into_iter().filter(|p| p.expected().is_some()) {
        let expected = profile
            .expected()
            .expect("unsafe profiles expect an anomaly");
        let mut reproduced = None;
        for seed in 1..=40 {
            let outcome = run(&scenario(seed, profile));
            for violation in &outcome.violations {
                assert!(
                    profile.allowed().contains(&violation.anomaly),
                    "{} seed {seed}: {} is not allowed under this configuration: {}",
                    profile.name(),
                    violation.anomaly,
                    violation.detail
                );
            }
            if outcome.violations.iter().any(|v| v.anomaly == expected) {
                reproduced = Some(seed);
                break;
            }
        }
        println!(
            "{}: {expected} first reproduced on seed {reproduced:?}",
            profile.name()
        );
        assert!(
            reproduced.is_some(),
            "{} never produced {expected} in 40 seeds",
            profile.name()
        );
    }
}

#[test]
fn a_failing_seed_shrinks_to_the_faults_that_matter() {
    let loses = |seed: &u64| {
        let outcome = run(&scenario(*seed, Profile::Acks1));
        outcome
            .violations
            .iter()
            .any(|v| v.anomaly == Anomaly::LostWrite)
    };
    let seed = (1..=20)
        .find(loses)
        .expect("acks=1 loses a write within 20 seeds");
    let generated = scenario(seed, Profile::Acks1);
    let minimal = shrink(&generated, Anomaly::LostWrite);
    assert!(minimal.steps.len() < generated.steps.len());
    assert!(
        run(&minimal)
            .violations
            .iter()
            .any(|v| v.anomaly == Anomaly::LostWrite)
    );
}

/// On a compacted topic under the safe producers, with tombstones among the sends and every
/// fault: what each replica's cleaner removes is superseded by a later record of its key (or is
/// an expired tombstone), so nothing reads as lost, and a reader from the start sees every
/// key's latest value last. Not vacuous: the cleaners really clean, tombstones too.
#[test]
fn a_compacted_topic_under_faults_shows_no_anomaly() {
    let seeds = seed_count(20);
    let (mut cleaned, mut tombstones) = (0, 0);
    for seed in 1..=seeds {
        let outcome = assert_allowed_only(seed, Profile::Compacted);
        let count = |what| outcome.coverage.get(what).copied().unwrap_or(0);
        cleaned += count("log-compaction") + count("tombstones-removed");
        tombstones += count("tombstones-removed");
    }
    assert!(
        cleaned >= seeds as usize,
        "{cleaned} cleaner passes in {seeds} seeds"
    );
    assert!(tombstones > 0, "no pass removed an expired tombstone");
    println!(
        "{seeds} seeds, no anomaly, {cleaned} cleaner passes, {tombstones} removing tombstones"
    );
}

/// Regression: the compacted profile's seed 10 read as a phantom read, and seed 27 as a lost
/// write and a phantom read: the checker took a record as superseded only by a later
/// acknowledged send of its key, but the cleaner keeps what the log holds last, and a later send
/// that timed out after it was written (or whose answer was lost) supersedes too.
#[test]
fn regression_compacted_seeds_10_and_27_a_later_unacknowledged_value_supersedes() {
    assert_allowed_only(10, Profile::Compacted);
    assert_allowed_only(27, Profile::Compacted);
}

/// Regression: the compacted profile's seed 7003 read as a phantom read: a record read, then
/// superseded by a tombstone of its key that the cleaner removed in turn after
/// `delete.retention.ms`, so no record of the key was left to show it superseded.
#[test]
fn regression_compacted_seed_7003_a_removed_tombstone_superseded() {
    assert_allowed_only(7003, Profile::Compacted);
}

/// Regression: unclean seed 7201 failed on the invariant committed-prefix-immutable on
/// `__consumer_offsets-2`. Broker 3, the last of the partition's ISR (min.insync.replicas=1,
/// the others crashed), took an offset commit, lost it in a power loss, and was elected again
/// on restart: KIP-966's last replica standing, which Kafka does too. It is a lost write of
/// the faults (the profile allows it, as it allows the commit regressing), not a simulator's
/// mistake, and the invariant now names it so: a leader that lacks a committed record its
/// log never lost to a power loss still fails the run.
#[test]
fn regression_unclean_seed_7201_an_offset_commit_lost_with_the_last_replica_standing() {
    let outcome = assert_allowed_only(7201, Profile::Unclean);
    assert!(
        outcome
            .violations
            .iter()
            .any(|v| v.anomaly == Anomaly::LostWrite
                && v.detail
                    .contains("committed-prefix-lost-in-power-loss on __consumer_offsets")),
        "{:?}",
        outcome.violations
    );
}

/// Regression: consumer-protocol seed 13155 forwarded a batch twice, both transactions
/// committed. The forwarder x0, removed for not revoking in time, learned it was fenced while
/// processing a batch and rejoined at once under a new epoch; its transaction's offsets for
/// that batch went with the new epoch and were accepted, though the partition's new owner
/// had already read the same records from the old committed offset. In Kafka the member
/// rejoins only after onPartitionsLost has run in the application's next poll(), so those
/// offsets carry the fenced epoch and the transaction aborts.
#[test]
fn regression_consumer_protocol_seed_13155_a_fenced_forwarder_rejoins_after_its_lost_callback() {
    assert_allowed_only(13155, Profile::ConsumerProtocol);
}

/// KIP-848's consumer protocol under the safe profile's producers, forwarders and faults:
/// revocation before assignment and member epochs keep what the classic protocol keeps, only
/// redelivery. Not vacuous: across the seeds the coordinator asks members to revoke, holds
/// partitions back until their owner lets go, fences silent members when their session
/// expires, and members learn they were fenced and rejoin.
#[test]
fn the_consumer_protocol_under_faults_shows_no_anomaly() {
    let seeds = seed_count(20);
    let total = coverage_of(Profile::ConsumerProtocol, seeds, |_, _| {});
    let count = |what| total.get(what).copied().unwrap_or(0);
    for needed in [
        "target-assignment",
        "member-revoking",
        "member-awaiting-release",
        "member-session-expired",
    ] {
        assert!(count(needed) > 0, "{needed} never happened: {total:?}");
    }
    assert!(
        count("member-fenced-epoch") + count("member-unknown") > 0,
        "no member learnt it was fenced (FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID): {total:?}"
    );
    println!("{seeds} seeds, no anomaly, {total:?}");
}

#[test]
fn share_groups_under_faults_lose_nothing_and_finish_the_work() {
    let seeds = seed_count(20);
    let total = coverage_of(Profile::Share, seeds, |seed, outcome| {
        assert!(
            outcome.coverage.contains_key("share-caught-up"),
            "seed {seed}: a share partition's start offset never reached its high watermark after the faults healed: {:?}",
            outcome.coverage
        );
    });
    let count = |what| total.get(what).copied().unwrap_or(0);
    for needed in [
        "share-lock-expired",
        "share-released",
        "share-archived",
        "share-partition-restarted",
    ] {
        assert!(count(needed) > 0, "{needed} never happened: {total:?}");
    }
    println!("{seeds} seeds, no anomaly, {total:?}");
}

/// Regression: consumer-protocol seed 47 (and 15 more of 300) kept a fenced member out of its
/// group for 45 s: the coordinator refused its rejoin (epoch 0) with FENCED_MEMBER_EPOCH
/// because it still held the member at a later epoch, thousands of times, until the session
/// expired. Kafka accepts epoch 0 from a known member (KAFKA-19233); the member now rejoins at
/// once. Since brokers open their listeners only once caught up with the metadata log, seed 47
/// fences no member; since a restarted broker waits out its old session before it registers,
/// seeds 70, 117 and 120 are the first three that do.
#[test]
fn regression_consumer_protocol_a_fenced_member_rejoins_at_once() {
    for seed in [70, 117, 120] {
        let outcome = assert_allowed_only(seed, Profile::ConsumerProtocol);
        let fenced = outcome
            .coverage
            .get("member-fenced-epoch")
            .copied()
            .unwrap_or(0);
        assert!(
            (1..=2).contains(&fenced),
            "seed {seed}: {fenced} FENCED_MEMBER_EPOCH answers (one fence, one rejoin expected)"
        );
    }
}

/// Regression: consumer-protocol seeds 156 (an exactly-once forwarder's output written twice)
/// and 175 (a committed offset moved back): the background heartbeat revoked a partition while
/// the application still processed records it had polled from it, and the application then
/// sent their offsets (with its transaction, or `commitSync(Map)`) at its new member epoch,
/// which the coordinator accepts, after the partition's next owner had started from the old
/// offset. That is Java's behaviour without a `ConsumerRebalanceListener`; these applications
/// register one (`app.rebalance.listener`), so the revocation waits for their next `poll()`.
#[test]
fn regression_consumer_protocol_seeds_156_and_175_revocation_waits_for_the_listener() {
    assert_allowed_only(156, Profile::ConsumerProtocol);
    assert_allowed_only(175, Profile::ConsumerProtocol);
}

/// The safe sweep is not vacuous: across its seeds the faults really shrink ISRs, elect new
/// leaders, truncate followers and refuse acks=all writes, and applications commit their
/// processed offsets, some refused (from a generation the group left, or while it syncs).
#[test]
fn the_safe_sweep_exercises_failovers() {
    let mut total: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for seed in 1..=20 {
        for (what, count) in run(&scenario(seed, Profile::Safe)).coverage {
            *total.entry(what).or_default() += count;
        }
    }
    for needed in [
        "isr-shrink",
        "isr-expand",
        "leader-election",
        "broker-fenced",
        // The application's own commits of processed offsets.
        "explicit-commit",
    ] {
        assert!(
            total.get(needed).copied().unwrap_or(0) > 0,
            "{needed} never happened: {total:?}"
        );
    }
    let refused = ["commit-fenced", "commit-during-rebalance"]
        .iter()
        .map(|k| total.get(k).copied().unwrap_or(0))
        .sum::<usize>();
    assert!(refused > 0, "no commit was ever refused: {total:?}");
    println!("{total:?}");
}

/// Regression: seed 17 of at-most-once hung the simulation: a member waiting in JoinGroup with
/// an expired session re-armed its session check with zero delay, forever.
#[test]
fn regression_at_most_once_seed_17_runs_to_the_end() {
    let outcome = run(&scenario(17, Profile::AtMostOnce));
    for violation in &outcome.violations {
        assert!(
            Profile::AtMostOnce.allowed().contains(&violation.anomaly),
            "{}: {}",
            violation.anomaly,
            violation.detail
        );
    }
}

/// Regression: seed 20 of at-least-once lost records under auto commit: stalling the
/// application mid-processing and resuming it started a new poll, whose auto commit covered
/// the batch never processed.
#[test]
fn regression_at_least_once_seed_20_auto_commit_loses_nothing() {
    let outcome = run(&scenario(20, Profile::AtLeastOnce));
    let lost: Vec<_> = outcome
        .violations
        .iter()
        .filter(|v| v.anomaly == Anomaly::ConsumerLoss)
        .collect();
    assert!(lost.is_empty(), "{lost:?}");
}

/// A topic deleted mid-run under the safe profile's producers, group, exactly-once forwarders
/// and faults (the input topic, or the forwarders' output), in some seeds created again under
/// its name: what was written to or read from the deleted topic went with it, the groups'
/// offsets of it go too (so a group starts the new topic from `auto.offset.reset`), and
/// nothing else Kafka forbids appears. Not vacuous: topics are deleted and created again.
/// Twelve seeds keep the suite short; `kafka-sim fuzz --profile deleted-topic` sweeps more.
#[test]
fn a_topic_deleted_under_load_shows_no_anomaly() {
    let seeds = seed_count(12);
    let total = coverage_of(Profile::DeletedTopic, seeds, |_, _| {});
    let count = |what| total.get(what).copied().unwrap_or(0);
    for needed in ["topic-deleted", "topic-recreated"] {
        assert!(count(needed) > 0, "{needed} never happened: {total:?}");
    }
    println!("{seeds} seeds, no anomaly, {total:?}");
}

/// Regression: deleted-topic seeds 5 and 11 showed aborted reads and torn transactions, and
/// seed 6 lost output: the transaction rules judged reads and acknowledged sends of the deleted
/// topic against the final log (the new topic's, or none), and the forwarding rule looked for
/// output that went with a deleted output topic. What was done with a deleted topic went
/// with it.
#[test]
fn regression_deleted_topic_seeds_5_6_and_11_what_went_with_the_topic_is_not_judged() {
    for seed in [5, 6, 11] {
        assert_allowed_only(seed, Profile::DeletedTopic);
    }
}

/// Regression: deleted-topic seeds 58 and 70 lost output. A forwarder's TxnOffsetCommit for
/// the input topic, deleted since its records were read, was stored as the transaction's
/// offsets and waited in the group for the topic created again under the name, whose first
/// records the group then skipped. Kafka answers UNKNOWN_TOPIC_OR_PARTITION for a topic its
/// metadata does not have, and the producer retries.
#[test]
fn regression_deleted_topic_seeds_58_and_70_no_transactional_offsets_for_a_deleted_topic() {
    for seed in [58, 70] {
        assert_allowed_only(seed, Profile::DeletedTopic);
    }
}

/// Regression: deleted-topic seeds 15 and 300 lost output. A forwarder's TxnOffsetCommit (seed
/// 300) or a consumer's OffsetCommit (seed 15) for the input topic was appended just before
/// its coordinator learnt of the deletion and was still replicating then: the deletion's
/// tombstones missed it, and its completion stored the deleted topic's offset, from which the
/// group started the topic created again under the name. Kafka's coordinator replays a write
/// into its state when it appends it, so `onPartitionsDeleted` tombstones those offsets too.
#[test]
fn regression_deleted_topic_seeds_15_and_300_a_deletion_tombstones_offsets_still_replicating() {
    for seed in [15, 300] {
        assert_allowed_only(seed, Profile::DeletedTopic);
    }
}

/// Regression: deleted-topic seeds 75, 122 and 330 forwarded output twice. A forwarder's batch
/// for the output topic waited in its buffer while the coordinator aborted the transaction;
/// after the topic was created again it went out with the old epoch to a partition with no
/// state of its producer, which appended it, and a later COMMIT there made it visible. The
/// leader now verifies a transaction's first batch on a partition with the coordinator
/// (KIP-890 part 1), which answers PRODUCER_FENCED.
#[test]
fn regression_deleted_topic_seeds_75_122_and_330_a_stale_batch_is_refused_by_verification() {
    for seed in [75, 122, 330] {
        assert_allowed_only(seed, Profile::DeletedTopic);
    }
}

/// Regression: deleted-topic seed 83 lost output. The input topic was deleted while the
/// forwarders' group coordinator (broker 3) was frozen, so no tombstone was written; broker 2,
/// elected for `__consumer_offsets` once broker 3 was fenced, replayed the deleted topic's
/// offsets, and the group started the topic created again under the name at them. Kafka does
/// the same (`GroupCoordinatorService.onPartitionsDeleted` writes only through the coordinators
/// loaded when the deletion is published; loading replays every offset record, and offsets are
/// kept by topic name): the checker names it `deleted-topic-offset`, which the profile allows.
/// Since a restarted broker waits out its old session before it registers, seed 1094 is the
/// first of the profile (none of seeds 1-400) where a group starts the new topic at the
/// deleted one's offsets.
#[test]
fn regression_deleted_topic_a_coordinator_that_missed_the_deletion_keeps_its_offsets() {
    let outcome = assert_allowed_only(1094, Profile::DeletedTopic);
    assert!(
        outcome
            .violations
            .iter()
            .any(|v| v.anomaly == Anomaly::DeletedTopicOffset),
        "the group skipped no record of the new topic: {:?}",
        outcome.violations
    );
}
