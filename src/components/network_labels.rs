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
    use super::{LABEL_PX_MIN, LABEL_UNITS, label_units};

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
}
