//! The network drawing's labels kept readable however narrow the page: the drawing scales with
//! its width (a viewBox [`DRAWING_WIDTH`] units wide), so labels of a fixed 9 units were 6 CSS
//! pixels at 480 px. The drawing is measured when drawn first and on each resize (not every
//! frame: measuring forces a layout), and its labels are given the units that come out at
//! [`LABEL_PX_MIN`] on screen, never smaller than the 9 units a wide page has always drawn.

use gloo_events::EventListener;
use yew::prelude::*;

/// The drawing's width in its own units (the network view's viewBox).
pub const DRAWING_WIDTH: f64 = 640.0;

/// The smallest a label is drawn on screen, in CSS pixels.
pub const LABEL_PX_MIN: f64 = 11.0;

/// A label's size in drawing units on a wide page (where 9 units are at least 11 px anyway).
pub const LABEL_UNITS: f64 = 9.0;

/// A label's size in drawing units for a drawing `rendered_px` CSS pixels wide: what comes out
/// at [`LABEL_PX_MIN`], and at least [`LABEL_UNITS`]. A drawing not laid out (0 px wide, or a
/// nonsense measure) keeps [`LABEL_UNITS`].
pub fn label_units(rendered_px: f64) -> f64 {
    if !(rendered_px.is_finite() && rendered_px > 0.0) {
        return LABEL_UNITS;
    }
    (LABEL_PX_MIN * DRAWING_WIDTH / rendered_px).max(LABEL_UNITS)
}

/// A node's circle radius on a wide page, in drawing units.
pub const NODE_RADIUS: f64 = 14.0;

/// The space kept between neighbouring circles, and between a circle and the drawing's edge.
pub const GAP: f64 = 3.0;

/// The largest radius: the drawing is 200 units tall with the brokers' row in the middle, so
/// the outer rows' circles ([`GAP`] from the edge) and the brokers' keep a gap between them.
const NODE_RADIUS_MAX: f64 = 30.0;

/// A node's radius per unit of label size: a broker's name ("B1", "B12") is at most about
/// 1.9 label units wide, so at 1.2 it stays inside its circle. (A client's name, or the lone
/// controller's "controller", is wider than any circle: those labels sit across theirs, on a
/// halo, as on a wide page.)
const RADIUS_PER_LABEL_UNIT: f64 = 1.2;

/// Where the nodes of a row of `count` are: `step` apart, the first `step` from the edge.
pub fn step(width: f64, count: usize) -> f64 {
    width / (count as f64 + 1.0)
}

/// The radius of the circles of a row whose neighbours are `step` units apart, around labels
/// of `label_units`: [`NODE_RADIUS`] on a wide page, larger where the labels were scaled up
/// (at 360 px a 23-unit "B1" overflowed its 14-unit circle), but leaving a gap between
/// neighbours and between rows; never smaller than on a wide page.
pub fn node_radius(label_units: f64, step: f64) -> f64 {
    (RADIUS_PER_LABEL_UNIT * label_units)
        .min(step / 2.0 - GAP)
        .clamp(NODE_RADIUS, NODE_RADIUS_MAX)
}

/// A label's width, estimated (the drawing is laid out before it is measured): an average
/// character of the page's sans-serif is about 0.62 of the font size wide.
pub fn label_width(label: &str, label_units: f64) -> f64 {
    0.62 * label_units * label.chars().count() as f64
}

/// The most levels a row is spread over.
const MAX_LEVELS: usize = 4;

/// Over how many levels a row's nodes are spread (node `i` on level `i % levels`) so that
/// neighbours on one level, `levels × step` apart, have room for the widest label with half
/// a label's height to spare: 1 wherever the labels fit, at most [`MAX_LEVELS`].
pub fn levels(widest: f64, step: f64, label_units: f64) -> usize {
    (1..=MAX_LEVELS)
        .find(|&n| widest + 0.5 * label_units <= n as f64 * step)
        .unwrap_or(MAX_LEVELS)
}

/// How far apart a row's levels are: two label heights, so labels on neighbouring levels
/// clear each other (circles on them are `step` apart sideways, more than a diameter).
pub fn level_height(label_units: f64) -> f64 {
    2.0 * label_units
}

/// The label size (drawing units) for the drawing `svg` refers to, measured after its first
/// draw and again on each resize of the window.
#[hook]
pub fn use_label_units(svg: &NodeRef) -> f64 {
    let units = use_state(|| LABEL_UNITS);
    {
        let (svg, units) = (svg.clone(), units.setter());
        use_effect_with((), move |_| {
            let measure = move || {
                if let Some(svg) = svg.cast::<web_sys::Element>() {
                    units.set(label_units(svg.get_bounding_client_rect().width()));
                }
            };
            measure();
            let listener = web_sys::window()
                .map(|window| EventListener::new(&window, "resize", move |_| measure()));
            move || drop(listener)
        });
    }
    *units
}

#[cfg(test)]
mod tests {
    use super::{
        GAP, LABEL_PX_MIN, LABEL_UNITS, NODE_RADIUS, label_units, label_width, level_height,
        levels, node_radius, step,
    };

    /// At 480 px the drawing is about 426 px wide: 9 units were 6 px there.
    #[test]
    fn labels_are_at_least_eleven_pixels_on_a_narrow_page() {
        for rendered in [300.0, 426.0, 560.0, 640.0, 700.0] {
            let px = label_units(rendered) * rendered / super::DRAWING_WIDTH;
            assert!(
                px >= LABEL_PX_MIN - 1e-9,
                "{rendered} px wide: {px} px labels"
            );
        }
        // What the fixed 9 units came to there.
        let fixed = |rendered: f64| LABEL_UNITS * rendered / super::DRAWING_WIDTH;
        assert!(fixed(426.0) < LABEL_PX_MIN);
    }

    #[test]
    fn a_wide_drawing_keeps_its_labels_and_a_bad_measure_changes_nothing() {
        assert_eq!(label_units(1_000.0), LABEL_UNITS);
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert_eq!(label_units(bad), LABEL_UNITS);
        }
    }

    /// At 360 px (a drawing about 306 px wide) the labels are scaled to 23 units: the circles
    /// grow with them, unless neighbours would touch; a wide page keeps its 14-unit circles.
    #[test]
    fn circles_hold_their_labels_without_touching_neighbours() {
        let wide = label_units(1_000.0);
        assert_eq!(node_radius(wide, step(640.0, 3)), NODE_RADIUS);
        let narrow = label_units(306.0);
        let three_brokers = node_radius(narrow, step(640.0, 3));
        assert!(
            three_brokers >= 1.2 * narrow - 1e-9,
            "{three_brokers} around {narrow}-unit labels"
        );
        // Twelve brokers on 640 units: 49 apart.
        let twelve = node_radius(narrow, step(640.0, 12));
        assert!(2.0 * twelve < step(640.0, 12), "{twelve}: neighbours touch");
        assert!(twelve >= NODE_RADIUS);
        // At 260 px the labels are 27 units: the rows' circles still keep apart (the outer
        // row's centre at radius + GAP, the brokers' at 100).
        let tiny = node_radius(label_units(260.0), step(640.0, 3));
        assert!(tiny + GAP + 2.0 * tiny + GAP <= 100.0, "{tiny}: rows touch");
    }

    /// Four clients named producer-1 to producer-4 are 128 units apart: on a wide page their
    /// labels fit on one level; at 360 px (23-unit labels, each about 143 units wide) every
    /// other one goes a level lower; eight there need three levels; ten on a wide page, 58
    /// apart, two.
    #[test]
    fn client_labels_that_would_touch_are_spread_over_levels() {
        let width = |units: f64| label_width("producer-1", units);
        let wide = label_units(1_000.0);
        assert_eq!(levels(width(wide), step(640.0, 4), wide), 1);
        assert_eq!(levels(width(wide), step(640.0, 10), wide), 2);
        let narrow = label_units(306.0);
        assert_eq!(levels(width(narrow), step(640.0, 4), narrow), 2);
        let eight = levels(width(narrow), step(640.0, 8), narrow);
        assert!(
            width(narrow) + 0.5 * narrow <= eight as f64 * step(640.0, 8),
            "{eight} levels: labels on one level touch"
        );
        assert!(
            level_height(narrow) > 1.5 * narrow,
            "levels' labels overlap"
        );
    }
}
