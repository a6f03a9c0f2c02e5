//! Goal: a link carries a session exactly, stays short for a typical session, and every bad
//! link is refused with an error that names what is wrong. Method: round trips of realistic
//! sessions, hand-damaged links, and a checked-in format 1 link that must keep decoding.

use super::*;
use kafka_sim::CreateTopic;
use kafka_sim::Endpoint;
use kafka_sim::producer::ProducerRecord;

fn at(millis: u64) -> SimTime {
    SimTime::from_micros(millis * 1_000 + 317)
}

fn send(key: usize) -> Command {
    Command::Send {
        producer: "producer-1".into(),
        record: ProducerRecord {
            topic: "orders".into(),
            partition: None,
            key: Some(format!("customer-{}", key % 7).into()),
            value: Some(format!("order {key}: 3 items, total {}.99", 10 + key).into()),
            headers: Vec::new(),
            timestamp: None,
        },
    }
}

/// Fifty commands as a reader makes them: a topic, clients, sends, faults and repairs.
fn fifty_commands() -> Session {
    let mut log = vec![
        (
            at(1_200),
            Command::CreateTopic(CreateTopic {
                name: "orders".to_owned(),
                partitions: 3,
                replication_factor: 3,
                configs: [("min.insync.replicas".to_owned(), "2".to_owned())].into(),
                replica_assignment: None,
            }),
        ),
        (
            at(2_500),
            Command::AddProducer {
                name: "producer-1".to_owned(),
                config: [
                    ("acks".to_owned(), "all".to_owned()),
                    ("linger.ms".to_owned(), "5".to_owned()),
                ]
                .into(),
            },
        ),
        (
            at(2_900),
            Command::AddConsumer {
                name: "consumer-1".to_owned(),
                config: [("group.id".to_owned(), "billing".to_owned())].into(),
                topics: vec!["orders".to_owned()],
                partitions: Vec::new(),
            },
        ),
    ];
    let mut moment = 3_000;
    for key in 0..40 {
        moment += 137 + (key as u64 * 7919) % 900;
        log.push((at(moment), send(key)));
        if key == 20 {
            let crash = Command::CrashBroker {
                broker: 2,
                kind: Default::default(),
            };
            log.push((at(moment + 10), crash));
        }
    }
    let tail = [
        Command::CutLink {
            a: Endpoint::Broker(1),
            b: Endpoint::Broker(3),
        },
        Command::StallConsumer {
            consumer: "consumer-1".to_owned(),
        },
        Command::HealNetwork,
        Command::ResumeConsumer {
            consumer: "consumer-1".to_owned(),
        },
        Command::RestartBroker { broker: 2 },
        Command::CommitSync {
            consumer: "consumer-1".to_owned(),
        },
    ];
    for command in tail {
        moment += 2_345;
        log.push((at(moment), command));
    }
    assert_eq!(log.len(), 50);
    Session {
        seed: 7,
        now: at(moment + 4_000),
        log,
        controllers: 3,
        brokers: 3,
        racks: Vec::new(),
        furthest: SimTime::ZERO,
        applied: None,
    }
}

#[test]
fn a_session_of_fifty_commands_fits_well_under_two_thousand_characters() {
    let session = fifty_commands();
    let encoded = encode(&session);
    println!("50 commands: {} characters", encoded.len());
    assert!(encoded.len() < 1_500, "{} characters", encoded.len());
    assert_eq!(decode(&encoded), Ok(session));
}

#[test]
fn a_link_round_trips_the_exact_session() {
    let session = Session {
        seed: u64::MAX,
        ..fifty_commands()
    };
    let link = link("https://example.org/play/?seed=3", &session);
    let fragment = link.split_once('#').map(|(_, f)| f).unwrap_or_default();
    let encoded = from_fragment(fragment).expect("a session fragment");
    assert_eq!(
        decode(encoded),
        Ok(session),
        "u64 seed and microsecond times kept"
    );
    assert_eq!(from_fragment("#x=1&s=abc"), Some("abc"));
    assert_eq!(from_fragment("#top"), None);
}

/// A format 1 link made by the first version of the page. It must keep opening, to this very
/// session, whatever formats come later.
const FORMAT_1_LINK: &str = include_str!("testdata/link-format-1.txt");

#[test]
fn a_format_1_link_keeps_opening() {
    let expected = Session {
        seed: 7,
        now: SimTime::from_micros(9_512_345),
        log: vec![
            (
                SimTime::from_micros(1_250_001),
                Command::CreateTopic(CreateTopic {
                    name: "orders".to_owned(),
                    partitions: 3,
                    replication_factor: 3,
                    configs: Default::default(),
                    replica_assignment: None,
                }),
            ),
            (
                SimTime::from_micros(2_000_000),
                Command::AddProducer {
                    name: "producer-1".to_owned(),
                    config: [("acks".to_owned(), "1".to_owned())].into(),
                },
            ),
            (SimTime::from_micros(3_400_017), send(1)),
            (
                SimTime::from_micros(5_000_500),
                Command::CrashBroker {
                    broker: 1,
                    kind: Default::default(),
                },
            ),
        ],
        controllers: 1,
        brokers: 3,
        racks: Vec::new(),
        furthest: SimTime::ZERO,
        applied: None,
    };
    let session = decode(FORMAT_1_LINK).expect("format 1 stays readable");
    assert_eq!(session, expected);
}

#[test]
fn a_cluster_of_another_shape_travels_in_format_2_and_the_first_shape_stays_in_format_1() {
    let grown = Session {
        brokers: 6,
        racks: (1..=6).map(|b| format!("rack-{b}")).collect(),
        furthest: SimTime::ZERO,
        applied: None,
        log: vec![(
            SimTime::from_millis(1_000),
            Command::AddBroker {
                rack: Some("rack-7".into()),
            },
        )],
        ..Session::fresh(4, 3)
    };
    let encoded = encode(&grown);
    assert_eq!(decode(&encoded), Ok(grown.clone()));
    let unpacked = miniz_oxide::inflate::decompress_to_vec_zlib(
        &URL_SAFE_NO_PAD.decode(&encoded).expect("base64"),
    )
    .expect("zlib");
    assert!(String::from_utf8_lossy(&unpacked).starts_with(r#"{"v":2,"#));
    let first = encode(&Session::fresh(4, 3));
    let unpacked = miniz_oxide::inflate::decompress_to_vec_zlib(
        &URL_SAFE_NO_PAD.decode(&first).expect("base64"),
    )
    .expect("zlib");
    assert!(String::from_utf8_lossy(&unpacked).starts_with(r#"{"v":1,"#));
    assert_eq!(
        message(&pack(
            r#"{"v":2,"seed":"1","controllers":1,"brokers":12,"now":0,"log":[]}"#
        )),
        "field brokers: 1 to 9 brokers, not 12"
    );
    assert_eq!(
        message(&pack(
            r#"{"v":2,"seed":"1","controllers":1,"brokers":2,"racks":["a"],"now":0,"log":[]}"#
        )),
        "field racks: one rack per broker (2) or none, not 1"
    );
}

fn pack(json: &str) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec_zlib(
        json.as_bytes(),
        6,
    ))
}

fn message(text: &str) -> String {
    decode(text).expect_err("refused").to_string()
}

#[test]
fn a_truncated_or_tampered_link_is_called_damaged() {
    let encoded = encode(&fifty_commands());
    let truncated = &encoded[..encoded.len() / 2];
    assert_eq!(message(truncated), "the link is truncated or damaged");
    let mut tampered = encoded.clone().into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    assert_eq!(message(&tampered), "the link is truncated or damaged");
    assert_eq!(message("not base64!"), "the link is truncated or damaged");
    assert_eq!(message(""), "the link is truncated or damaged");
    assert_eq!(message(&pack("[1, 2")), "the link is truncated or damaged");
}

#[test]
fn a_link_from_a_newer_page_says_so() {
    let newer = pack(r#"{"v":7,"whatever":"comes next"}"#);
    assert_eq!(
        message(&newer),
        "the link was made by a newer version of the playground (format 7, this page reads up \
         to 2)"
    );
}

#[test]
fn a_bad_field_is_named() {
    let cases = [
        (r#"{"seed":"1"}"#, "field v: missing"),
        (r#"{"v":0}"#, "field v: no format 0"),
        (
            r#"{"v":1,"seed":"x","controllers":1,"now":0,"log":[]}"#,
            "field seed: a seed is a whole number",
        ),
        (
            r#"{"v":1,"seed":"1","controllers":5,"now":0,"log":[]}"#,
            "field controllers: 1 or 3 KRaft controllers, not 5",
        ),
        (
            r#"{"v":1,"seed":"1","controllers":1,"now":0,"log":[[5,{"command":"explode"}]]}"#,
            "field log[0][1].command: unknown variant `explode`",
        ),
        (
            r#"{"v":1,"seed":"1","controllers":1,"now":0,"log":[[9,{"command":"heal_network"}],[5,{"command":"heal_network"}]]}"#,
            "field log[1]: applied at",
        ),
        (
            r#"{"v":1,"seed":"1","controllers":1,"now":99999999999999,"log":[]}"#,
            "field now: ",
        ),
        (
            r#"{"v":1,"seed":"1","controllers":1,"now":0,"log":[],"extra":1}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"v":1,"seed":"1","controllers":1,"log":[]}"#,
            "missing field `now`",
        ),
    ];
    for (json, expected) in cases {
        let got = message(&pack(json));
        assert!(got.contains(expected), "{json}: {got}");
    }
}

#[test]
fn sizes_are_checked_before_and_while_unpacking() {
    let long = "A".repeat(MAX_LINK_CHARS + 1);
    assert!(message(&long).starts_with("the link is too long"));
    // A small link that would inflate to megabytes of zeros.
    let bomb = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec_zlib(
        &vec![b'0'; MAX_JSON_BYTES + 1],
        9,
    ));
    assert!(bomb.len() < MAX_LINK_CHARS);
    assert!(message(&bomb).starts_with("the link unpacks to more than"));
    let too_many = Session {
        log: vec![(SimTime::ZERO, Command::HealNetwork); MAX_COMMANDS + 1],
        ..Session::fresh(1, 1)
    };
    assert_eq!(
        message(&encode(&too_many)),
        format!(
            "field log: {} commands, at most {MAX_COMMANDS}",
            MAX_COMMANDS + 1
        )
    );
}

/// The consumer's offset calls travel in links: every one of them round-trips, and a seek's
/// offset (signed since negative ones can be written, to be refused) is the same JSON number
/// an older page wrote.
#[test]
fn a_link_carries_offsets_given_by_hand() {
    use kafka_sim::{CommitOffset, TopicPartition};
    let consumer = || "consumer-1".to_owned();
    let tp = TopicPartition::new("orders", 1);
    let commands = vec![
        Command::Seek {
            consumer: consumer(),
            tp: tp.clone(),
            offset: 5,
        },
        Command::SeekToBeginning {
            consumer: consumer(),
            partitions: vec![tp.clone()],
        },
        Command::SeekToEnd {
            consumer: consumer(),
            partitions: Vec::new(),
        },
        Command::CommitSyncOffsets {
            consumer: consumer(),
            offsets: vec![CommitOffset {
                tp: tp.clone(),
                offset: 3,
                metadata: "batch 17".to_owned(),
            }],
        },
        Command::CommitAsyncOffsets {
            consumer: consumer(),
            offsets: vec![CommitOffset {
                tp: tp.clone(),
                offset: 4,
                metadata: String::new(),
            }],
        },
        Command::Position {
            consumer: consumer(),
            tp: tp.clone(),
        },
        Command::Committed {
            consumer: consumer(),
            partitions: vec![tp.clone()],
        },
        Command::OffsetsForTimes {
            consumer: consumer(),
            tp: tp.clone(),
            timestamp_ms: 1_500,
        },
        Command::PausePartitions {
            consumer: consumer(),
            partitions: vec![tp.clone()],
        },
        Command::ResumePartitions {
            consumer: consumer(),
            partitions: vec![tp],
        },
    ];
    let session = Session {
        seed: 9,
        now: at(20_000),
        log: commands
            .into_iter()
            .enumerate()
            .map(|(i, c)| (at(1_000 * (i as u64 + 1)), c))
            .collect(),
        controllers: 1,
        brokers: 3,
        racks: Vec::new(),
        furthest: SimTime::ZERO,
        applied: None,
    };
    assert_eq!(decode(&encode(&session)), Ok(session.clone()));
    let seek = serde_json::to_string(&session.log[0].1).expect("json");
    assert_eq!(
        seek,
        r#"{"command":"seek","consumer":"consumer-1","tp":{"topic":"orders","partition":1},"offset":5}"#
    );
}

#[test]
fn a_link_carries_paused_processes_and_their_resumes() {
    let mut session = fifty_commands();
    let tail = [
        Command::PauseBroker { broker: 2 },
        Command::PauseClient {
            name: "consumer-1".to_owned(),
        },
        Command::ResumeClient {
            name: "consumer-1".to_owned(),
        },
        Command::ResumeBroker { broker: 2 },
    ];
    for (n, command) in tail.into_iter().enumerate() {
        session.log.push((at(300_000 + n as u64 * 1_000), command));
    }
    let encoded = encode(&session);
    assert_eq!(decode(&encoded), Ok(session));
}
