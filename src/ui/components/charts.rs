//! Small inline-SVG charts: block times and difficulty over the last blocks,
//! and this tab's hash rate over time.

use yew::prelude::*;

/// Props of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// Title above the chart.
    pub title: String,
    /// Values, oldest first.
    pub values: Vec<f64>,
    /// Unit shown with the latest value.
    pub unit: String,
    /// A reference line (e.g. the target block time), if any.
    #[prop_or_default]
    pub reference: Option<f64>,
    /// `data-testid` of the chart.
    pub testid: String,
}

const W: f64 = 300.0;
const H: f64 = 80.0;

/// A line chart scaled to its values (and reference line).
#[function_component(Chart)]
pub fn chart(p: &ChartProps) -> Html {
    let max = p
        .values
        .iter()
        .copied()
        .chain(p.reference)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let n = p.values.len();
    let x = |i: usize| {
        if n <= 1 {
            W
        } else {
            i as f64 * W / (n - 1) as f64
        }
    };
    let y = |v: f64| H - v / max * (H - 4.0) - 2.0;
    let points: String = p
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1} ", x(i), y(*v)))
        .collect();
    let last = p
        .values
        .last()
        .map_or_else(|| "–".to_owned(), |v| format!("{v:.1} {}", p.unit));
    html! {
        <figure class="chart" data-testid={p.testid.clone()}>
            <figcaption>{ &p.title }<b>{ last }</b></figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img" aria-label={p.title.clone()}>
                if let Some(r) = p.reference {
                    <line class="reference" x1="0" x2={W.to_string()} y1={format!("{:.1}", y(r))} y2={format!("{:.1}", y(r))} />
                }
                if n > 0 {
                    <polyline points={points} />
                }
            </svg>
        </figure>
    }
}
