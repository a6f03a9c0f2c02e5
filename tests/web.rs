//! Browser tests: mount the real app in headless Chromium and read the DOM it renders.
//! Run with `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

use kafka_playground::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn mount() -> Element {
    // Every test starts from a new cluster, not from what an earlier test saved.
    kafka_playground::persistence::clear_all();
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    root
}

fn text_of(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
}

fn input(root: &Element, selector: &str) -> web_sys::HtmlInputElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap()
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap()
}

/// Sets an input's text as typing would, and lets the page redraw.
async fn type_into(root: &Element, selector: &str, text: &str) {
    let field = input(root, selector);
    field.set_value(text);
    field
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
}

/// Presses Step `times` times: the world processes that many events.
async fn step(root: &Element, times: usize) {
    for _ in 0..times {
        click(root, "[data-testid=step]");
    }
    yew::scheduler::flush().await;
}

fn click(root: &Element, selector: &str) {
    let element = root.query_selector(selector).unwrap().expect(selector);
    element.dyn_into::<HtmlElement>().unwrap().click();
}

#[wasm_bindgen_test]
async fn the_default_cluster_has_three_brokers_and_a_controller() {
    let root = mount();
    yew::scheduler::flush().await;
    let brokers = root.query_selector_all("[data-testid=broker]").unwrap();
    assert_eq!(brokers.length(), 3);
    assert!(
        root.query_selector("[data-testid=controller]")
            .unwrap()
            .is_some()
    );
    // It opens started: the clock ran until every broker registered and was unfenced.
    assert_ne!(text_of(&root, "[data-testid=clock]"), "t = 0.000 s");
    let statuses = root
        .query_selector_all("[data-testid=broker-status]")
        .unwrap();
    for i in 0..statuses.length() {
        let status = statuses.item(i).unwrap().text_content().unwrap_or_default();
        assert_eq!(status, "online");
    }
}

#[wasm_bindgen_test]
async fn stepping_processes_events_and_moves_the_clock() {
    let root = mount();
    yew::scheduler::flush().await;
    let started = text_of(&root, "[data-testid=clock]");
    step(&root, 12).await;
    assert_ne!(text_of(&root, "[data-testid=clock]"), started);
    let log = text_of(&root, ".event-log");
    assert!(
        log.contains("broker 1 registered with the controller"),
        "registrations appear in the event log: {log}"
    );
}

#[wasm_bindgen_test]
async fn crashing_a_broker_shows_it_as_crashed() {
    let root = mount();
    yew::scheduler::flush().await;
    click(&root, "[data-broker-id='2'] [data-testid=crash]");
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[data-broker-id='2'] [data-testid=broker-status]"),
        "crashed"
    );
    assert!(text_of(&root, "[data-testid=event]").contains("broker 2 crashed"));
}

#[wasm_bindgen_test]
async fn creating_a_topic_draws_its_partitions_and_replica_logs() {
    let root = mount();
    yew::scheduler::flush().await;
    // Let the brokers register and be unfenced.
    step(&root, 60).await;
    click(&root, "[data-testid=topic-create]");
    yew::scheduler::flush().await;
    assert!(
        root.query_selector("[data-testid=topic-error]")
            .unwrap()
            .is_none()
    );
    let partitions = root.query_selector_all("[data-testid=partition]").unwrap();
    assert_eq!(partitions.length(), 3, "the form's default: 3 partitions");
    let replicas = root.query_selector_all("[data-testid=replica]").unwrap();
    assert_eq!(replicas.length(), 9, "replication factor 3");
    // Empty, the name field now offers a name no topic has.
    assert_eq!(
        input(&root, "[data-testid=topic-name]").placeholder(),
        "payments"
    );
    // A name taken is Kafka's to refuse.
    type_into(&root, "[data-testid=topic-name]", "orders").await;
    click(&root, "[data-testid=topic-create]");
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[data-testid=topic-error]"),
        "TOPIC_ALREADY_EXISTS: Topic 'orders' already exists."
    );
}

#[wasm_bindgen_test]
async fn rewinding_replays_the_run_and_acting_in_the_past_branches() {
    let root = mount();
    yew::scheduler::flush().await;
    step(&root, 60).await;
    click(&root, "[data-broker-id='2'] [data-testid=crash]");
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[data-broker-id='2'] [data-testid=broker-status]"),
        "crashed"
    );
    let timeline: web_sys::HtmlInputElement = root
        .query_selector("[data-testid=timeline]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    timeline.set_value("0");
    timeline
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    assert_eq!(text_of(&root, "[data-testid=clock]"), "t = 0.000 s");
    assert_ne!(
        text_of(&root, "[data-broker-id='2'] [data-testid=broker-status]"),
        "crashed",
        "before the crash"
    );
    // Acting in the past starts a new branch: broker 3 crashes instead, broker 2 never does.
    click(&root, "[data-broker-id='3'] [data-testid=crash]");
    step(&root, 80).await;
    assert_eq!(
        text_of(&root, "[data-broker-id='3'] [data-testid=broker-status]"),
        "crashed"
    );
    assert_ne!(
        text_of(&root, "[data-broker-id='2'] [data-testid=broker-status]"),
        "crashed"
    );
    let id = kafka_playground::persistence::current().expect("saved");
    let saved = kafka_playground::persistence::load(id).unwrap();
    assert_eq!(
        saved.log.len(),
        1,
        "one command in this branch: the crash of broker 3"
    );
}

#[wasm_bindgen_test]
fn a_saved_run_round_trips_with_topic_configs_and_a_large_seed() {
    use kafka_playground::persistence::{clear_all, load, runs, save};
    use kafka_playground::session::Session;
    use kafka_sim::{Command, CreateTopic, SimTime};
    let topic = CreateTopic {
        name: "orders".to_owned(),
        partitions: 3,
        replication_factor: 3,
        configs: [("min.insync.replicas".to_owned(), "2".to_owned())].into(),
        replica_assignment: None,
    };
    let saved = Session {
        seed: u64::MAX - 1,
        now: SimTime::from_millis(1_500),
        log: vec![(SimTime::from_millis(500), Command::CreateTopic(topic))],
        controllers: 3,
        brokers: 6,
        racks: ["a", "b", "c", "a", "b", "c"].map(String::from).to_vec(),
        // Rewound from 9 s: the slider's end comes back with the run.
        furthest: SimTime::from_millis(9_000),
        // Back in a lesson to a step that began where its task was later given.
        applied: Some(0),
    };
    let id = save(None, &saved).expect("saved");
    assert_eq!(load(id), Ok(saved));
    clear_all();
    assert!(load(id).is_err());
    assert!(runs().runs.is_empty());
}

#[wasm_bindgen_test]
async fn adding_a_consumer_shows_its_card_and_a_refused_config_inline() {
    let root = mount();
    yew::scheduler::flush().await;
    step(&root, 60).await;
    click(&root, "[data-testid=topic-create]");
    yew::scheduler::flush().await;
    click(&root, "[data-testid=consumer-add]");
    yew::scheduler::flush().await;
    assert!(
        root.query_selector("[data-testid=consumer-error]")
            .unwrap()
            .is_none()
    );
    let cards = root.query_selector_all("[data-testid=consumer]").unwrap();
    assert_eq!(cards.length(), 1);
    assert!(
        text_of(&root, "[data-testid=consumer]").contains("group-1"),
        "the card names its group"
    );
    // Before joining, it owns nothing.
    assert!(
        root.query_selector("[data-testid=consumer-idle]")
            .unwrap()
            .is_some()
    );
    // An empty group.id is refused as the Java client refuses subscribe() without one.
    type_into(&root, "[data-testid=consumer-group]", "").await;
    click(&root, "[data-testid=consumer-add]");
    yew::scheduler::flush().await;
    assert!(
        text_of(&root, "[data-testid=consumer-error]").starts_with("InvalidGroupIdException"),
        "{}",
        text_of(&root, "[data-testid=consumer-error]")
    );
}

/// Issue 17's workload, which `./playground bench` times as wasm (crates/bench-wasm), runs in
/// the browser on a tiny input: the bench's code cannot rot between bench runs, and the test run
/// builds the core for wasm once, not a second time for the bench crate.
#[wasm_bindgen_test]
fn the_bench_workload_runs_in_the_browser() {
    use kafka_sim::workload::{Workload, records_acked, records_read};
    let world = Workload::three_brokers(200)
        .run()
        .expect("the workload's commands are accepted");
    assert_eq!(records_acked(&world), 200, "every record acknowledged");
    assert_eq!(records_read(&world), 200, "every record read by the group");
}
