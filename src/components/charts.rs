//! Charts where people would rather look than read: acknowledged records per second,
//! under-replicated partitions, and each group's lag over the last minute of virtual time.
//! Plain SVG polylines: no chart library in the bundle.

use crate::sim_context::use_sim;
use kafka_sim::charts::Series;
use yew::prelude::*;

const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;

/// What [`Charts`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    /// The series to draw.
    pub series: Vec<Series>,
}

/// The charts of the run shown.
#[function_component(Charts)]
pub fn charts() -> Html {
    let sim = use_sim();
    html! { <Drawn series={sim.sim.charts()} /> }
}

/// One small chart per series.
#[function_component(Drawn)]
fn drawn(props: &ChartsProps) -> Html {
    html! {
        <section class="charts" aria-label="Charts" data-testid="charts">
            { for props.series.iter().map(chart) }
        </section>
    }
}

fn chart(series: &Series) -> Html {
    let peak = series.peak();
    let last = series.values.last().copied().unwrap_or(0);
    let step = WIDTH / (series.values.len().max(2) - 1) as f64;
    let scale = if peak == 0 {
        0.0
    } else {
        (HEIGHT - 4.0) / peak as f64
    };
    let points: Vec<String> = series
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                HEIGHT - 2.0 - *v as f64 * scale
            )
        })
        .collect();
    let seconds = series.bucket.as_millis() as f64 / 1_000.0;
    let summary = format!(
        "{}: now {last}, peak {peak} over the last {} buckets of {seconds} s",
        series.title,
        series.values.len()
    );
    html! {
        <figure class="chart" data-testid="chart">
            <figcaption>
                <span>{ &series.title }</span>
                <span class="meta" data-testid="chart-now">{ format!(" now {last} · peak {peak}") }</span>
            </figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label={summary} preserveAspectRatio="none">
                <polyline points={points.join(" ")} />
            </svg>
        </figure>
    }
}
