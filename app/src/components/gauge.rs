//! A half-circle SVG gauge of the probability that a sample is potable.

use leptos::prelude::*;

const CX: f64 = 100.0;
const CY: f64 = 100.0;
const R: f64 = 80.0;

/// The point on the gauge arc for a probability in [0, 1] (0 = left end, 1 = right end).
fn arc_point(p: f64) -> (f64, f64) {
    let angle = std::f64::consts::PI * (1.0 - p.clamp(0.0, 1.0));
    (CX + R * angle.cos(), CY - R * angle.sin())
}

/// SVG path of the arc from 0 up to `p`.
fn arc_path(p: f64) -> String {
    let (x0, y0) = arc_point(0.0);
    let (x1, y1) = arc_point(p);
    format!("M {x0:.2} {y0:.2} A {R} {R} 0 0 1 {x1:.2} {y1:.2}")
}

/// Gauge of `probability_potable`; the needle points at it, the coloured arc fills up to it.
#[component]
pub fn ConfidenceGauge(
    /// Probability that the sample is potable, in [0, 1].
    probability_potable: f64,
) -> impl IntoView {
    let (nx, ny) = arc_point(probability_potable);
    let class = if probability_potable >= 0.5 {
        "gauge-fill potable"
    } else {
        "gauge-fill not-potable"
    };
    let percent = format!("{:.0}%", probability_potable * 100.0);
    let label = format!("Probability potable: {percent}");
    let title = label.clone();
    let (t_in, t_out) = (tick_point(0.5, R - 13.0), tick_point(0.5, R + 13.0));
    view! {
        <svg
            class="gauge"
            viewBox="0 0 200 152"
            role="img"
            aria-label=label
            data-probability=format!("{probability_potable:.4}")
        >
            <title>{title}</title>
            <path class="gauge-track" d=arc_path(1.0) />
            <path class=class d=arc_path(probability_potable) />
            <line class="gauge-tick" x1=t_in.0 y1=t_in.1 x2=t_out.0 y2=t_out.1 />
            <line class="gauge-needle" x1=CX y1=CY x2=format!("{nx:.2}") y2=format!("{ny:.2}") />
            <circle class="gauge-hub" cx=CX cy=CY r="5" />
            // The value sits below the hub, where the needle (always above it) never reaches.
            <text class="gauge-value" x=CX y="130" text-anchor="middle">{percent}</text>
            <text class="gauge-caption" x=CX y="146" text-anchor="middle">"probability potable"</text>
            <text class="gauge-end" x="20" y="118" text-anchor="middle">"0%"</text>
            <text class="gauge-end" x="180" y="118" text-anchor="middle">"100%"</text>
        </svg>
    }
}

/// A point at `radius` from the centre in the direction of probability `p`.
fn tick_point(p: f64, radius: f64) -> (f64, f64) {
    let angle = std::f64::consts::PI * (1.0 - p);
    (CX + radius * angle.cos(), CY - radius * angle.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arc_ends_are_left_top_and_right() {
        let (x, y) = arc_point(0.0);
        assert!((x - 20.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9);
        let (x, y) = arc_point(0.5);
        assert!((x - 100.0).abs() < 1e-9 && (y - 20.0).abs() < 1e-9);
        let (x, y) = arc_point(1.0);
        assert!((x - 180.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9);
    }

    #[test]
    fn out_of_range_probabilities_are_clamped() {
        assert_eq!(arc_point(-1.0), arc_point(0.0));
        assert_eq!(arc_point(2.0), arc_point(1.0));
    }
}
