//! The core's integration tests, one module per Kafka concept or tool, built as one test
//! binary: 35 binaries each linked the whole core again, which made building them most of
//! `cargo test`'s time. Run one module with `cargo test -p kafka-sim --test suite <module>::`.

mod common;
// The page's lesson format, read here as the page reads it (challenges and lessons).
#[path = "../../../../src/lesson_format.rs"]
#[allow(dead_code)]
mod lesson_format;

mod assignors;
mod challenges;
mod cli;
mod cli_modes;
mod cluster_shape;
mod compaction;
mod console;
mod consumer_backoff;
mod consumer_protocol;
mod control_plane;
mod determinism;
mod exactly_once;
mod explicit_commits;
mod export;
mod fetch_limits;
mod fuzz;
mod groups;
mod kafka_texts;
mod lag;
mod lessons;
mod limits;
mod live_marks;
mod live_marks_partition;
mod offset_resets;
mod offsets_by_hand;
mod page_reads;
mod paused_processes;
mod producer;
mod quorum;
mod replication;
mod retention;
mod seeds;
mod share_groups;
mod timers;
mod topics;
mod trace_guard;
mod transactions;
mod wait_until;
