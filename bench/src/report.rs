//! Results: a human table, a Markdown results file updated section by
//! section, and the ingest latency chart as a hand-written SVG.

use std::fmt::Write as _;
use std::path::Path;

/// Everything one run measured.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub sections: Vec<Section>,
    /// Pass/fail facts (stored exactly once, every event delivered, …).
    pub checks: Vec<Check>,
    pub curves: Vec<Curve>,
}

#[derive(Debug, Clone)]
pub struct Section {
    /// Stable key: a later run replaces the section with the same key.
    pub key: String,
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub metric: String,
    pub value: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

/// Webhook latency against offered rate for one target.
#[derive(Debug, Clone)]
pub struct Curve {
    pub name: String,
    /// `(offered per second, p50 ms, p99 ms)`.
    pub points: Vec<(f64, f64, f64)>,
}

impl Section {
    pub fn new(key: impl Into<String>, title: impl Into<String>) -> Section {
        Section {
            key: key.into(),
            title: title.into(),
            rows: Vec::new(),
        }
    }

    pub fn row(
        &mut self,
        metric: impl Into<String>,
        value: impl Into<String>,
        note: impl Into<String>,
    ) {
        self.rows.push(Row {
            metric: metric.into(),
            value: value.into(),
            note: note.into(),
        });
    }
}

impl Report {
    pub fn check(&mut self, name: impl Into<String>, passed: bool, detail: impl Into<String>) {
        self.checks.push(Check {
            name: name.into(),
            passed,
            detail: detail.into(),
        });
    }

    pub fn failed_checks(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }

    /// The table printed on stdout.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for section in &self.sections {
            let metric_width = section
                .rows
                .iter()
                .map(|r| r.metric.chars().count())
                .max()
                .unwrap_or(0);
            let value_width = section
                .rows
                .iter()
                .map(|r| r.value.chars().count())
                .max()
                .unwrap_or(0);
            let _ = writeln!(out, "\n== {} ==", section.title);
            for row in &section.rows {
                let _ = writeln!(
                    out,
                    "  {:metric_width$}  {:>value_width$}  {}",
                    row.metric, row.value, row.note
                );
            }
        }
        if !self.checks.is_empty() {
            let _ = writeln!(out, "\n== checks ==");
            for check in &self.checks {
                let mark = if check.passed { "ok  " } else { "FAIL" };
                let _ = writeln!(out, "  {mark} {}: {}", check.name, check.detail);
            }
        }
        out
    }

    /// Writes each section into `path` between its markers, replacing the
    /// same section from an earlier run and appending new ones.
    pub fn update_markdown(&self, path: &Path) -> std::io::Result<()> {
        let mut text = std::fs::read_to_string(path).unwrap_or_else(|_| {
            "# Tidings benchmark results\n\nWritten by `tidings-bench --markdown`; each section is \
             replaced by the next run of the same scenario and database.\n"
                .to_owned()
        });
        for section in &self.sections {
            let begin = format!("<!-- tidings-bench:{} -->", section.key);
            let end = format!("<!-- /tidings-bench:{} -->", section.key);
            let block = format!("{begin}\n{}{end}", section_markdown(section));
            match (text.find(&begin), text.find(&end)) {
                (Some(start), Some(stop)) if stop > start => {
                    text.replace_range(start..stop + end.len(), &block);
                }
                _ => {
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push('\n');
                    text.push_str(&block);
                    text.push('\n');
                }
            }
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)
    }
}

fn section_markdown(section: &Section) -> String {
    let mut out = format!(
        "### {}\n\n| metric | value | note |\n|---|---:|---|\n",
        section.title
    );
    for row in &section.rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            row.metric.replace('|', "\\|"),
            row.value.replace('|', "\\|"),
            row.note.replace('|', "\\|")
        );
    }
    out
}

const COLORS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// Webhook p50 (solid) and p99 (dashed) against offered rate, both axes
/// logarithmic, with the 10 ms p99 target.
pub fn ingest_svg(curves: &[Curve], subtitle: &str) -> String {
    let (width, height) = (760.0_f64, 440.0_f64);
    let (left, right, top, bottom) = (70.0, 220.0, 50.0, 60.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let points = curves.iter().flat_map(|c| c.points.iter());
    let rates: Vec<f64> = points.clone().map(|p| p.0).filter(|r| *r > 0.0).collect();
    let (min_rate, max_rate) = rates
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    let (min_rate, max_rate) = if rates.is_empty() {
        (10.0, 1000.0)
    } else if min_rate == max_rate {
        (min_rate / 2.0, max_rate * 2.0)
    } else {
        (min_rate, max_rate)
    };
    let highest = points.map(|p| p.2.max(p.1)).fold(10.0_f64, f64::max);
    let lowest = curves
        .iter()
        .flat_map(|c| c.points.iter())
        .map(|p| p.1.min(p.2))
        .filter(|v| *v > 0.0)
        .fold(1.0_f64, f64::min);
    let y_lo = 10f64.powf(lowest.log10().floor());
    let y_hi = 10f64.powf(highest.log10().ceil());
    let x_lo = min_rate.log10() - 0.1;
    let x_hi = max_rate.log10() + 0.1;
    let x = |rate: f64| left + (rate.log10() - x_lo) / (x_hi - x_lo) * plot_w;
    let y = |ms: f64| {
        let ms = ms.max(y_lo);
        top + plot_h - (ms.log10() - y_lo.log10()) / (y_hi.log10() - y_lo.log10()) * plot_h
    };
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="{left}" y="22" font-size="15" font-weight="bold">Webhook latency vs offered rate (open loop)</text>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{left}" y="38" fill="#555">{}</text>"##,
        escape(subtitle)
    );
    // Horizontal grid at each decade, vertical ticks at each measured rate.
    let mut decade = y_lo;
    while decade <= y_hi * 1.0001 {
        let yy = y(decade);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + plot_w,
            left - 6.0,
            yy + 4.0,
            format_ms(decade)
        );
        decade *= 10.0;
    }
    let mut ticks: Vec<f64> = rates.clone();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for rate in &ticks {
        let xx = x(*rate);
        let _ = writeln!(
            svg,
            r##"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" stroke="#eee"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{rate:.0}</text>"##,
            top + plot_h,
            top + plot_h + 16.0
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">offered webhooks per second</text>"##,
        left + plot_w / 2.0,
        height - 18.0
    );
    let _ = writeln!(
        svg,
        r##"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>"##,
        top + plot_h / 2.0
    );
    if (y_lo..=y_hi).contains(&10.0) {
        let yy = y(10.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#d62728" stroke-dasharray="2 3"/><text x="{:.1}" y="{:.1}" fill="#d62728" text-anchor="end">p99 target 10 ms</text>"##,
            left + plot_w,
            left + plot_w - 4.0,
            yy - 4.0
        );
    }
    for (i, curve) in curves.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut sorted = curve.points.clone();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (quantile, dash) in [(1, ""), (2, r##" stroke-dasharray="6 4""##)] {
            let path: Vec<String> = sorted
                .iter()
                .map(|p| {
                    let ms = if quantile == 1 { p.1 } else { p.2 };
                    format!("{:.1},{:.1}", x(p.0), y(ms))
                })
                .collect();
            let _ = writeln!(
                svg,
                r##"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"##,
                path.join(" ")
            );
            for p in &sorted {
                let ms = if quantile == 1 { p.1 } else { p.2 };
                let _ = writeln!(
                    svg,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"><title>{} p{}: {ms:.2} ms at {:.0}/s</title></circle>"##,
                    x(p.0),
                    y(ms),
                    escape(&curve.name),
                    if quantile == 1 { "50" } else { "99" },
                    p.0
                );
            }
        }
        let ly = top + 10.0 + i as f64 * 34.0;
        let lx = left + plot_w + 16.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{lx}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{color}" stroke-width="2"/><line x1="{lx}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="2" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}">{}</text><text x="{:.1}" y="{:.1}" fill="#555">p50 solid, p99 dashed</text>"##,
            lx + 24.0,
            ly + 12.0,
            lx + 24.0,
            ly + 12.0,
            lx + 30.0,
            ly + 4.0,
            escape(&curve.name),
            lx + 30.0,
            ly + 16.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn format_ms(ms: f64) -> String {
    if ms >= 1.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms} ms")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_sections_are_replaced_not_repeated() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("results.md");
        let mut report = Report::default();
        let mut section = Section::new("sqlite-ingest", "Ingest");
        section.row("p99", "1 ms", "");
        report.sections.push(section);
        report.update_markdown(&path).expect("written");
        report.sections[0].rows[0].value = "2 ms".into();
        report.update_markdown(&path).expect("rewritten");
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(
            text.matches("<!-- tidings-bench:sqlite-ingest -->").count(),
            1
        );
        assert!(text.contains("| p99 | 2 ms |"));
        assert!(!text.contains("1 ms"));
    }

    #[test]
    fn the_chart_has_a_line_per_quantile_and_curve() {
        let svg = ingest_svg(
            &[Curve {
                name: "Tidings (SQLite)".into(),
                points: vec![(100.0, 1.0, 3.0), (300.0, 2.0, 8.0), (1000.0, 40.0, 900.0)],
            }],
            "test",
        );
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("p99 target 10 ms"));
    }
}
