//! Browser tests: mount the real app in headless Chromium and read the DOM it renders.
//! Run with `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

use kafka_playground::app::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn mount() -> Element {
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
    assert_eq!(text_of(&root, "[data-testid=clock]"), "t = 0.000 s");
}

#[wasm_bindgen_test]
async fn stepping_processes_events_and_moves_the_clock() {
    let root = mount();
    yew::scheduler::flush().await;
    // The first deliveries are the brokers' registrations, one network latency after t = 0.
    for _ in 0..12 {
        click(&root, "[data-testid=step]");
        yew::scheduler::flush().await;
    }
    assert_ne!(text_of(&root, "[data-testid=clock]"), "t = 0.000 s");
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
    click(&root, "[data-broker-id='2'] .actions button");
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
    for _ in 0..60 {
        click(&root, "[data-testid=step]");
    }
    yew::scheduler::flush().await;
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
    click(&root, "[data-testid=topic-create]");
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[data-testid=topic-error]"),
        "TOPIC_ALREADY_EXISTS: Topic 'orders' already exists."
    );
}
