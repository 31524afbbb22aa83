//! Charts drawn with plotters into SVG strings, on the server and in the browser alike.
//!
//! Every chart's root `<svg>` carries `class="chart"`, `data-chart` (its kind),
//! `data-series` (how many data series it draws), `role="img"` and an `aria-label`, so tests
//! and screen readers can tell what it shows. Empty input gives a small "no data yet" SVG with
//! `data-series="0"`.

use plotters::backend::SVGBackend;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 360;
const FONT: &str = "sans-serif";

/// Colour-blind-friendly series colours (Okabe–Ito), reused cyclically.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A named series of (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws with `draw` on a white canvas and returns the annotated SVG.
fn render(
    kind: &str,
    series: usize,
    label: &str,
    draw: impl FnOnce(&Area) -> DrawResult,
) -> String {
    let mut svg = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
            .and_then(|()| draw(&root));
        drawn.and_then(|()| root.present().map_err(|e| e.into()))
    };
    match outcome {
        Ok(()) => annotate(&svg, kind, series, label),
        Err(e) => message_svg(kind, label, &format!("Chart could not be drawn: {e}")),
    }
}

/// Adds the class, data and accessibility attributes to the root `<svg` tag.
fn annotate(svg: &str, kind: &str, series: usize, label: &str) -> String {
    let attrs = format!(
        "<svg class=\"chart\" data-chart=\"{kind}\" data-series=\"{series}\" role=\"img\" aria-label=\"{}\" ",
        escape(label)
    );
    match svg.find("<svg") {
        Some(pos) => format!("{}{attrs}{}", &svg[..pos], &svg[pos + 4..]),
        None => svg.to_string(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A chart-sized SVG that only shows `message` (no data, or a drawing failure).
fn message_svg(kind: &str, label: &str, message: &str) -> String {
    format!(
        "<svg class=\"chart\" data-chart=\"{kind}\" data-series=\"0\" role=\"img\" aria-label=\"{}\" \
         viewBox=\"0 0 {WIDTH} 120\" xmlns=\"http://www.w3.org/2000/svg\">\
         <rect width=\"{WIDTH}\" height=\"120\" fill=\"#fff\"/>\
         <text x=\"{}\" y=\"65\" text-anchor=\"middle\" font-family=\"{FONT}\" font-size=\"16\" fill=\"#5b6675\">{}</text></svg>",
        escape(label),
        WIDTH / 2,
        escape(message)
    )
}

/// `[lo, hi]` padded so a flat series still gets a visible range.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if (hi - lo).abs() < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}

/// A chart with f64 axes, drawn into an SVG string.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart on `root` captioned `title`, with x and y label areas `label_areas` pixels wide.
fn cartesian<'a, 'b>(
    root: &'a Area<'b>,
    title: &str,
    label_areas: (u32, u32),
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    Ok(ChartBuilder::on(root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(label_areas.0)
        .y_label_area_size(label_areas.1)
        .build_cartesian_2d(x, y)?)
}

/// Legend key of a line: a short stroke `width` pixels wide.
fn line_key(c: RGBColor, width: u32) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(width))
}

/// Draws `s` as a line in colour `c`, named in the legend.
fn draw_line(chart: &mut Chart<'_, '_>, s: &Series, c: RGBColor) -> DrawResult {
    chart
        .draw_series(std::iter::once(PathElement::new(
            s.points.clone(),
            c.stroke_width(2),
        )))?
        .label(s.name.clone())
        .legend(line_key(c, 3));
    Ok(())
}

/// Draws the legend of the labelled series at `position`.
fn draw_legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 205, 212))
        .draw()?;
    Ok(())
}

/// Line chart of several series, with a legend at `legend` (where the data leaves room);
/// `x_label` formats x tick values.
fn lines(
    kind: &str,
    title: &str,
    axes: (&str, &str),
    series: &[Series],
    y_range: Option<(f64, f64)>,
    legend: SeriesLabelPosition,
    x_label: &dyn Fn(f64) -> String,
) -> String {
    let drawn: Vec<&Series> = series.iter().filter(|s| !s.points.is_empty()).collect();
    if drawn.is_empty() {
        return message_svg(kind, title, "No data yet");
    }
    let xs = drawn.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = drawn.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (x0, x1) = padded(
        xs.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
    );
    let (y0, y1) = y_range.unwrap_or_else(|| {
        padded(
            ys.clone().fold(f64::INFINITY, f64::min).min(0.0),
            ys.fold(f64::NEG_INFINITY, f64::max),
        )
    });
    render(kind, drawn.len(), title, |root| {
        let mut chart = cartesian(root, title, (36, 48), x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .x_label_formatter(&|x| x_label(*x))
            .label_style((FONT, 12))
            .light_line_style(RGBColor(238, 241, 245))
            .draw()?;
        for (i, s) in drawn.iter().enumerate() {
            let c = color(i);
            draw_line(&mut chart, s, c)?;
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
        }
        draw_legend(&mut chart, legend)
    })
}

/// Label of an integer-valued x position from `names` (empty between integers).
fn name_at(names: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    names.get(i as usize).cloned().unwrap_or_default()
}

/// The series `name` with the i-th of `values` at x = i (non-finite values left out).
fn indexed(name: &str, values: impl Iterator<Item = f64>) -> Series {
    Series {
        name: name.to_string(),
        points: values
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| (i as f64, v))
            .collect(),
    }
}

/// One line per metric across model versions (`values[m][v]` = metric m of version v).
pub fn metrics_across_versions(versions: &[String], metrics: &[(String, Vec<f64>)]) -> String {
    let series: Vec<Series> = metrics
        .iter()
        .map(|(name, values)| indexed(name, values.iter().copied()))
        .collect();
    lines(
        "metrics-across-versions",
        "Metrics across versions",
        ("version", "score"),
        &series,
        Some((0.0, 1.0)),
        // Scores of a useful model sit well above 0.3: the bottom right is free.
        SeriesLabelPosition::LowerRight,
        &|x| name_at(versions, x),
    )
}

/// ROC curves overlaid, each a list of (false positive rate, true positive rate) points.
pub fn roc_curves(curves: &[Series]) -> String {
    if curves.iter().all(|c| c.points.is_empty()) {
        return message_svg("roc", "ROC curves", "No data yet");
    }
    let drawn: Vec<&Series> = curves.iter().filter(|s| !s.points.is_empty()).collect();
    render("roc", drawn.len(), "ROC curves", |root| {
        let mut chart = cartesian(root, "ROC curves", (36, 48), 0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("false positive rate")
            .y_desc("true positive rate")
            .label_style((FONT, 12))
            .light_line_style(RGBColor(238, 241, 245))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            RGBColor(170, 170, 170).stroke_width(1),
        )))?;
        for (i, s) in drawn.iter().enumerate() {
            draw_line(&mut chart, s, color(i))?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

/// Grouped bars: for each category, one bar per group (`groups[g].1[c]` = value of group g in
/// category c); an optional dashed threshold line with its label.
pub fn grouped_bars(
    kind: &str,
    title: &str,
    categories: &[String],
    groups: &[(String, Vec<f64>)],
    threshold: Option<(f64, &str)>,
) -> String {
    if categories.is_empty() || groups.is_empty() {
        return message_svg(kind, title, "No data yet");
    }
    let max = groups
        .iter()
        .flat_map(|g| g.1.iter().copied())
        .filter(|v| v.is_finite())
        .fold(threshold.map_or(0.0, |t| t.0), f64::max);
    // Headroom above the highest bar for the legend (upper right).
    let y1 = if max > 0.0 { max * 1.45 } else { 1.0 };
    let n = categories.len() as f64;
    let width = 0.8 / groups.len() as f64;
    render(kind, groups.len(), title, |root| {
        let mut chart = cartesian(root, title, (48, 48), -0.5..n - 0.5, 0.0..y1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(categories.len() + 1)
            .x_label_formatter(&|x| name_at(categories, *x))
            .label_style((FONT, 11))
            .light_line_style(RGBColor(238, 241, 245))
            .draw()?;
        for (g, (name, values)) in groups.iter().enumerate() {
            let c = color(g);
            let left = |ci: usize| ci as f64 - 0.4 + g as f64 * width;
            chart
                .draw_series(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.is_finite())
                        .map(|(ci, &v)| {
                            Rectangle::new(
                                [(left(ci), 0.0), (left(ci) + width * 0.92, v)],
                                c.filled(),
                            )
                        }),
                )?
                .label(name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        if let Some((value, label)) = threshold {
            let red = RGBColor(179, 38, 30);
            let dashes = (0..(n as usize * 10)).step_by(2).map(|k| {
                let a = -0.5 + k as f64 * 0.1;
                PathElement::new(vec![(a, value), (a + 0.1, value)], red.stroke_width(2))
            });
            chart
                .draw_series(dashes)?
                .label(label.to_string())
                .legend(line_key(red, 2));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

/// A 2×2 confusion matrix heatmap (`counts[actual][predicted]`, class 0 then 1).
pub fn confusion_matrix(title: &str, counts: [[u64; 2]; 2]) -> String {
    let total: u64 = counts.iter().flatten().sum();
    if total == 0 {
        return message_svg("confusion", title, "No data yet");
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let svg = render("confusion", 1, title, |root| {
        let mut chart = cartesian(root, title, (40, 90), 0.0..2.0, 0.0..2.0)?;
        let names = ["Not potable".to_string(), "Potable".to_string()];
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_desc("predicted")
            .y_desc("actual")
            .x_label_formatter(&|x| name_at(&names, x - 0.5))
            .y_label_formatter(&|y| name_at(&names, 1.5 - y))
            .label_style((FONT, 12))
            .draw()?;
        for (actual, row) in counts.iter().enumerate() {
            for (predicted, &count) in row.iter().enumerate() {
                let shade = count as f64 / max;
                let fill = RGBColor(
                    (235.0 - shade * 212.0) as u8,
                    (243.0 - shade * 138.0) as u8,
                    (250.0 - shade * 80.0) as u8,
                );
                let (x, y) = (predicted as f64, 1.0 - actual as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    fill.filled(),
                )))?;
                let ink = if shade > 0.5 { WHITE } else { BLACK };
                chart.draw_series(std::iter::once(Text::new(
                    count.to_string(),
                    (x + 0.45, y + 0.55),
                    (FONT, 22).into_font().color(&ink),
                )))?;
            }
        }
        Ok(())
    });
    svg.replacen("data-series=\"1\"", "data-series=\"1\" data-cells=\"4\"", 1)
}

/// Counts over time: one line per series; x = bucket index from `start_ms`, `bucket_ms` wide.
pub fn time_series(
    title: &str,
    start_ms: i64,
    bucket_ms: i64,
    series: &[(String, Vec<u64>)],
) -> String {
    let lines_in: Vec<Series> = series
        .iter()
        .map(|(name, counts)| indexed(name, counts.iter().map(|&c| c as f64)))
        .collect();
    let buckets = series.iter().map(|s| s.1.len()).max().unwrap_or(0);
    let y_max = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .max()
        .unwrap_or(0) as f64;
    lines(
        "time-series",
        title,
        ("time (UTC)", "predictions"),
        &lines_in,
        // Headroom above the highest count for the legend.
        Some((0.0, (y_max * 1.6).max(1.0))),
        SeriesLabelPosition::UpperRight,
        &|x| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 || i as usize >= buckets.max(1) {
                return String::new();
            }
            clock_label(start_ms + i as i64 * bucket_ms, bucket_ms)
        },
    )
}

/// `HH:MM` (UTC), with the day of month when buckets are a day or wider.
fn clock_label(ms: i64, bucket_ms: i64) -> String {
    let minutes = ms.div_euclid(60_000);
    let (h, m) = (
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60),
    );
    if bucket_ms >= 86_400_000 {
        format!("day {}", ms.div_euclid(86_400_000))
    } else {
        format!("{h:02}:{m:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series_count(svg: &str) -> usize {
        let start = svg.find("data-series=\"").expect("data-series") + 13;
        svg[start..start + svg[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    }

    #[test]
    fn metrics_chart_has_one_series_per_metric() {
        let versions = vec!["V1".to_string(), "V2".to_string(), "V3".to_string()];
        let metrics = vec![
            ("accuracy".to_string(), vec![0.66, 0.68, 0.67]),
            ("f1".to_string(), vec![0.4, 0.45, 0.5]),
            ("roc_auc".to_string(), vec![0.7, 0.71, 0.69]),
        ];
        let svg = metrics_across_versions(&versions, &metrics);
        assert!(svg.starts_with("<svg class=\"chart\""), "{}", &svg[..80]);
        assert_eq!(series_count(&svg), 3);
        assert!(svg.contains("data-chart=\"metrics-across-versions\""));
        assert!(svg.contains("accuracy") && svg.contains("V2"));
    }

    #[test]
    fn every_chart_handles_empty_data() {
        for svg in [
            metrics_across_versions(&[], &[]),
            roc_curves(&[]),
            grouped_bars("bars", "Bars", &[], &[], None),
            confusion_matrix("Confusion", [[0, 0], [0, 0]]),
            time_series("Over time", 0, 60_000, &[]),
        ] {
            assert_eq!(series_count(&svg), 0, "{svg}");
            assert!(svg.contains("No data yet"));
        }
    }

    #[test]
    fn roc_bars_heatmap_and_time_series_count_series() {
        let curve = |name: &str| Series {
            name: name.into(),
            points: vec![(0.0, 0.0), (0.2, 0.6), (1.0, 1.0)],
        };
        assert_eq!(series_count(&roc_curves(&[curve("V1"), curve("V2")])), 2);
        let cats = vec!["accuracy".to_string(), "f1".to_string()];
        let groups = vec![
            ("V1".to_string(), vec![0.6, 0.4]),
            ("V2".to_string(), vec![0.7, 0.5]),
            ("V3".to_string(), vec![0.65, 0.45]),
        ];
        let bars = grouped_bars("bars", "Compare", &cats, &groups, Some((0.2, "threshold")));
        assert_eq!(series_count(&bars), 3);
        assert!(bars.contains("threshold"));
        let cm = confusion_matrix("Confusion V1", [[300, 100], [120, 136]]);
        assert!(cm.contains("data-cells=\"4\"") && cm.contains("136"));
        let ts = time_series(
            "Predictions",
            0,
            60_000,
            &[
                ("V1 potable".into(), vec![1, 2]),
                ("V1 not potable".into(), vec![0, 3]),
            ],
        );
        assert_eq!(series_count(&ts), 2);
        assert!(ts.contains("00:01"), "time labels");
    }

    #[test]
    fn labels_are_escaped() {
        let svg = grouped_bars(
            "bars",
            "a \"quoted\" <title>",
            &["x".into()],
            &[("g".into(), vec![1.0])],
            None,
        );
        assert!(svg.contains("aria-label=\"a &quot;quoted&quot; &lt;title&gt;\""));
    }
}
