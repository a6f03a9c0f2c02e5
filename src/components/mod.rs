//! UI components, one per file, each rendering part of a `WorldView`.

pub mod ab_panel;
pub mod broker_card;
pub mod challenge_panel;
pub mod charts;
pub mod client_name;
pub mod cluster_shape;
pub mod cluster_view;
pub mod console;
pub mod consumer_offsets;
pub mod consumer_panel;
pub mod countdown;
pub mod event_log;
pub mod export_dialog;
pub mod finding_mark;
pub mod lesson_panel;
pub mod lesson_picker;
pub mod modal;
pub mod network_labels;
pub mod network_view;
pub mod new_cluster;
pub mod on_screen;
pub mod partition_table;
pub mod pause_button;
pub mod producer_panel;
pub mod runs_dialog;
pub mod scenario_files;
pub mod seek_progress;
pub mod share_dialog;
pub mod share_panel;
pub mod timeline;
pub mod topic_form;

/// The elements of a `querySelectorAll` answer (an unusable selector finds none), for the few
/// places a component must reach the DOM it drew: measuring, scrolling, outlining.
pub(crate) fn elements(
    found: Result<web_sys::NodeList, wasm_bindgen::JsValue>,
) -> impl Iterator<Item = web_sys::Element> {
    let found = found.ok();
    let count = found.as_ref().map_or(0, web_sys::NodeList::length);
    (0..count).filter_map(move |index| {
        let node = found.as_ref()?.item(index)?;
        wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok()
    })
}

/// A checker's lost-write mark on orders-0 over offsets `offset..=last`, for the components'
/// tests of what the page says about lost records.
#[cfg(test)]
pub(crate) fn lost_write(offset: u64, last: u64, at: kafka_sim::SimTime) -> kafka_sim::check::Mark {
    use kafka_sim::check::{Anomaly, Mark, Violation};
    Mark {
        violation: Violation {
            anomaly: Anomaly::LostWrite,
            detail: String::new(),
        },
        tp: kafka_sim::TopicPartition::new("orders", 0),
        offset,
        last,
        at,
    }
}
