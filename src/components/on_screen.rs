//! Which partitions' rows a reader can see: an `IntersectionObserver` on the partition table's
//! rows. While the run plays, a frame draws the record cells of those rows only (the view
//! carries no records for the others), so what a frame costs follows the screen, not the
//! topics' size. Observing is asynchronous: it never forces the page's layout, unlike measuring
//! each row after every draw would.

use crate::components::elements;
use js_sys::{Array, Reflect};
use kafka_sim::TopicPartition;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// A row counts as on screen this far (a share of the viewport's height) before it scrolls
/// in, so its records are drawn by the time the reader sees it.
const AHEAD: &str = "50% 0px 50% 0px";

/// The attribute marking a row already observed: the table draws every frame, and asks to
/// observe only rows it has not seen.
const OBSERVED: &str = "data-on-screen-observed";

/// Watches the partition rows of a topics section; tells `changed` which rows came on screen
/// (true) or left it (false). Disconnects when dropped.
pub struct OnScreen {
    observer: IntersectionObserver,
    _callback: Closure<dyn FnMut(Array)>,
}

impl OnScreen {
    /// An observer reporting to `changed`; `None` where the browser has none (every browser
    /// the page supports has one; without it no row is ever on screen, so a playing table
    /// would draw records only once paused).
    pub fn new(changed: impl Fn(Vec<(TopicPartition, bool)>) + 'static) -> Option<OnScreen> {
        let callback = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
            let seen: Vec<(TopicPartition, bool)> = entries.iter().filter_map(row_seen).collect();
            if !seen.is_empty() {
                changed(seen);
            }
        });
        let options = IntersectionObserverInit::new();
        options.set_root_margin(AHEAD);
        let has_one = Reflect::has(&js_sys::global(), &"IntersectionObserver".into()).ok()?;
        if !has_one {
            return None;
        }
        let observer =
            IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options)
                .ok()?;
        Some(OnScreen {
            observer,
            _callback: callback,
        })
    }

    /// Observes the partition rows under `section` not observed yet.
    pub fn observe_new_rows(&self, section: &web_sys::Element) {
        let selector = format!("tr[data-testid=partition]:not([{OBSERVED}])");
        for row in elements(section.query_selector_all(&selector)) {
            self.observer.observe(&row);
            let _ = row.set_attribute(OBSERVED, "");
        }
    }
}

impl Drop for OnScreen {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The partition an observer's entry is about, and whether its row is on screen.
fn row_seen(entry: JsValue) -> Option<(TopicPartition, bool)> {
    let entry: IntersectionObserverEntry = entry.dyn_into().ok()?;
    let on_screen = entry.is_intersecting();
    let row = entry.target();
    let partition = row.get_attribute("data-partition")?.parse().ok()?;
    let topic = row
        .closest("[data-topic]")
        .ok()??
        .get_attribute("data-topic")?;
    Some((TopicPartition::new(&topic, partition), on_screen))
}
