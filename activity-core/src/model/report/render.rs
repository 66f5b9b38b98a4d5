//! A report as CSV tables, SVG charts and one self-contained HTML page — strings only (the
//! caller writes them where it wants).
//!
//! Every user-controlled string (window titles, application, domain and project names) is
//! escaped for its context: XML entities in SVG and HTML (a title `<script>alert(1)</script>`
//! shows as text), RFC 4180 quoting in CSV, and a leading `'` before a cell that a spreadsheet
//! would take for a formula (`=`, `+`, `-`, `@`). The HTML page has no script, loads nothing
//! (no fonts, no images; a `Content-Security-Policy` of `default-src 'none'` says so to the
//! browser), and holds the charts inline.

use std::fmt::Write as _;

use jiff::tz::TimeZone;

use super::{Report, UsageRow};
use crate::clock::Timestamp;

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One CSV cell: quoted when needed, formula-looking text defused.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('\'') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn opt<S: AsRef<str>>(s: &Option<S>) -> String {
    s.as_ref()
        .map(|s| s.as_ref().to_string())
        .unwrap_or_default()
}

fn usage_csv(rows: &[UsageRow]) -> String {
    csv(
        &["name", "seconds", "share_percent"],
        rows.iter().map(|r| {
            vec![
                r.name.clone(),
                format!("{:.3}", r.duration_millis as f64 / 1000.0),
                r.share_percent.to_string(),
            ]
        }),
    )
}

/// The local time of `t` in `tz` as `HH:MM` (UTC when the zone is unknown).
fn local_hhmm(t: Timestamp, tz: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(t.as_millis())
        .map(|ts| {
            ts.to_zoned_datetime(tz.clone())
                .strftime("%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

impl Report {
    fn zone(&self) -> TimeZone {
        TimeZone::get(&self.period.time_zone).unwrap_or(TimeZone::UTC)
    }

    /// A plain-text summary for a terminal: the period and totals, the projects, then the top
    /// applications and websites (what `examples/report.rs` and `track` print).
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let t = &self.totals;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} .. {} ({}): tracked {} s, activity {}, active {} %, {} screenshot(s)",
            self.period.first,
            self.period.last,
            self.period.time_zone,
            t.tracked_seconds,
            percent(t.activity_percent),
            t.active_percent,
            t.screenshots
        );
        for e in &self.employees {
            let _ = writeln!(
                out,
                "  employee {:<23} {:>7} s  activity {:>5}  active {:>3} %",
                e.employee.as_deref().unwrap_or("(none)"),
                e.totals.tracked_seconds,
                percent(e.totals.activity_percent),
                e.totals.active_percent
            );
        }
        for p in &self.projects {
            let _ = writeln!(
                out,
                "  project {:<24} {:>7} s  activity {:>5}  active {:>3} %",
                p.project.as_deref().unwrap_or("(none)"),
                p.tracked_seconds,
                percent(p.activity_percent),
                p.active_percent
            );
        }
        for (title, rows) in [
            ("applications", &self.top_applications),
            ("websites", &self.top_websites),
        ] {
            let _ = writeln!(out, "  top {title}");
            if rows.is_empty() {
                let _ = writeln!(out, "    (none)");
            }
            for u in rows {
                let _ = writeln!(
                    out,
                    "    {:<30} {:>7} s  {:>3} %",
                    u.name,
                    u.duration_millis / 1000,
                    u.share_percent
                );
            }
        }
        let c = &self.categories;
        if !c.categories.is_empty() {
            let _ = writeln!(
                out,
                "  categories: score {:.1}, productive {} s, neutral {} s, unproductive {} s, uncategorized {} s",
                c.score,
                c.productive_seconds,
                c.neutral_seconds,
                c.unproductive_seconds,
                c.uncategorized_seconds
            );
            for t in &c.top_level {
                let _ = writeln!(out, "    {:<30} {:>7} s", t.name.join(" > "), t.seconds);
            }
        }
        out
    }

    /// The report as JSON (the serialised form).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The same JSON without indentation or line breaks: a third of the size for a long
    /// period (a year of daily slots), for programs rather than people.
    pub fn to_json_compact(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// One CSV table per part of the report: `(file name, contents)`.
    pub fn to_csv(&self) -> Vec<(&'static str, String)> {
        let tz = self.zone();
        vec![
            (
                "timeline.csv",
                csv(
                    &[
                        "slot_start",
                        "local_time",
                        "tracked_seconds",
                        "activity_percent",
                        "active_percent",
                        "project",
                        "screenshots",
                        "top_application",
                        "employee",
                    ],
                    self.timeline
                        .iter()
                        .map(|s| (s, None))
                        .chain(self.employees.iter().flat_map(|e| {
                            e.timeline.iter().map(move |s| (s, e.employee.as_deref()))
                        }))
                        .map(|(s, employee)| {
                            vec![
                                s.slot_start.to_string(),
                                local_hhmm(s.slot_start, &tz),
                                s.tracked_seconds.to_string(),
                                cell(s.activity_percent),
                                s.active_percent.to_string(),
                                opt(&s.project),
                                s.screenshots.to_string(),
                                opt(&s.top_application),
                                employee.map(str::to_string).unwrap_or_default(),
                            ]
                        }),
                ),
            ),
            (
                "projects.csv",
                csv(
                    &[
                        "project",
                        "slots",
                        "tracked_seconds",
                        "activity_percent",
                        "active_percent",
                    ],
                    self.projects.iter().map(|p| {
                        vec![
                            opt(&p.project),
                            p.slots.to_string(),
                            p.tracked_seconds.to_string(),
                            cell(p.activity_percent),
                            p.active_percent.to_string(),
                        ]
                    }),
                ),
            ),
            (
                "distribution.csv",
                csv(
                    &["from_percent", "to_percent", "slots", "tracked_seconds"],
                    self.distribution.iter().map(|b| {
                        vec![
                            b.from_percent.to_string(),
                            b.to_percent.to_string(),
                            b.slots.to_string(),
                            b.tracked_seconds.to_string(),
                        ]
                    }),
                ),
            ),
            ("top_applications.csv", usage_csv(&self.top_applications)),
            ("top_websites.csv", usage_csv(&self.top_websites)),
            (
                "totals.csv",
                csv(
                    &[
                        "tracked_seconds",
                        "keyboard_events",
                        "mouse_events",
                        "screenshots",
                        "activity_percent",
                        "active_percent",
                    ],
                    std::iter::once(vec![
                        self.totals.tracked_seconds.to_string(),
                        cell(self.totals.keyboard_events),
                        cell(self.totals.mouse_events),
                        self.totals.screenshots.to_string(),
                        cell(self.totals.activity_percent),
                        self.totals.active_percent.to_string(),
                    ]),
                ),
            ),
        ]
    }

    /// The timeline: one bar per slot, its height the tracked share of the slot, its colour the
    /// activity % (red 0 → amber → green 100); hour marks in the report's time zone.
    pub fn timeline_svg(&self) -> String {
        self.timeline_svg_of(&self.timeline)
    }

    /// The timeline chart of one employee of a report over several ([`Report::employees`]).
    pub fn employee_timeline_svg(&self, index: usize) -> String {
        self.employees
            .get(index)
            .map(|e| self.timeline_svg_of(&e.timeline))
            .unwrap_or_default()
    }

    fn timeline_svg_of(&self, timeline: &[super::TimelineSlot]) -> String {
        let tz = self.zone();
        let n = timeline.len().max(1) as f64;
        // At most 900 px of bars: a day of 10-minute slots gets 6 px each, of 1-minute slots less.
        let pitch = (900.0 / n).min(6.0);
        let (bar, h, top, bottom) = (pitch * 5.0 / 6.0, 120.0, 10.0, 24.0);
        let width = n * pitch + 40.0;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.1} {}" width="{width:.1}" height="{}" role="img" aria-label="Activity timeline"><title>Activity timeline</title>"#,
            h + top + bottom,
            h + top + bottom
        );
        let slot_seconds = self
            .timeline
            .get(1)
            .zip(timeline.first())
            .map_or(600.0, |(b, a)| {
                (b.slot_start.millis_since(a.slot_start) / 1000) as f64
            });
        let _ = write!(
            s,
            r##"<line x1="30" y1="{}" x2="{width:.1}" y2="{}" stroke="#999"/>"##,
            top + h,
            top + h
        );
        for (i, slot) in timeline.iter().enumerate() {
            let x = 30.0 + i as f64 * pitch;
            let local = local_hhmm(slot.slot_start, &tz);
            if local.ends_with(":00") && local[..2].parse::<u32>().is_ok_and(|hh| hh % 3 == 0) {
                let _ = write!(
                    s,
                    r##"<text x="{x:.1}" y="{}" font-size="9" fill="#555">{}</text>"##,
                    top + h + 14.0,
                    escape_xml(&local[..2])
                );
            }
            if slot.tracked_seconds == 0 {
                continue;
            }
            let bh = (f64::from(slot.tracked_seconds) / slot_seconds).min(1.0) * h;
            // Grey when the input was not counted (no activity %).
            let fill = slot
                .activity_percent
                .map_or("hsl(0,0%,62%)".to_string(), |a| {
                    format!("hsl({:.0},70%,45%)", f64::from(a) * 1.2)
                });
            let _ = write!(
                s,
                r#"<rect x="{x:.2}" y="{}" width="{bar:.2}" height="{bh:.1}" fill="{fill}"><title>{} — {} s, activity {}, active {} %{}</title></rect>"#,
                top + h - bh,
                escape_xml(&local),
                slot.tracked_seconds,
                percent(slot.activity_percent),
                slot.active_percent,
                slot.project
                    .as_deref()
                    .map(|p| format!(", {}", escape_xml(p)))
                    .unwrap_or_default()
            );
        }
        s.push_str("</svg>");
        s
    }

    fn bars_svg(title: &str, rows: &[UsageRow]) -> String {
        let (row_h, label_w, bar_w) = (18.0, 220.0, 300.0);
        let height = row_h * rows.len().max(1) as f64 + 8.0;
        let max = rows
            .iter()
            .map(|r| r.duration_millis)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {height}" width="{w}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
            w = label_w + bar_w + 80.0,
            t = escape_xml(title)
        );
        for (i, r) in rows.iter().enumerate() {
            let y = 4.0 + i as f64 * row_h;
            let w = r.duration_millis as f64 / max * bar_w;
            let name: String = r.name.chars().take(34).collect();
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#222">{}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="{}" fill="#3b7dd8"/><text x="{}" y="{}" font-size="11" fill="#222">{} %</text>"##,
                label_w - 6.0,
                y + 12.0,
                escape_xml(&name),
                row_h - 4.0,
                label_w + w + 4.0,
                y + 12.0,
                r.share_percent
            );
        }
        s.push_str("</svg>");
        s
    }

    /// Top applications as horizontal bars.
    pub fn top_applications_svg(&self) -> String {
        Self::bars_svg("Top applications", &self.top_applications)
    }

    /// Top websites as horizontal bars.
    pub fn top_websites_svg(&self) -> String {
        Self::bars_svg("Top websites", &self.top_websites)
    }

    /// The distribution of slots over activity % as a histogram.
    pub fn distribution_svg(&self) -> String {
        let (bw, h) = (36.0, 120.0);
        let max = self
            .distribution
            .iter()
            .map(|b| b.slots)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {hh}" width="{w}" height="{hh}" role="img" aria-label="Distribution of slots over activity"><title>Distribution of slots over activity</title>"#,
            w = 10.0 * (bw + 4.0) + 10.0,
            hh = h + 30.0
        );
        for (i, b) in self.distribution.iter().enumerate() {
            let x = 5.0 + i as f64 * (bw + 4.0);
            let bh = f64::from(b.slots) / max * h;
            let hue = f64::from(b.from_percent) * 1.2;
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{}" width="{bw}" height="{bh:.1}" fill="hsl({hue:.0},70%,45%)"><title>{}–{} %: {} slots</title></rect><text x="{}" y="{}" font-size="9" fill="#555">{}</text>"##,
                h - bh + 5.0,
                b.from_percent,
                b.to_percent,
                b.slots,
                x + 4.0,
                h + 20.0,
                b.from_percent
            );
        }
        s.push_str("</svg>");
        s
    }

    /// One self-contained HTML page with the charts and the tables: no script, no external
    /// resources, every user-controlled string escaped.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        let period = if self.period.first == self.period.last {
            self.period.first.clone()
        } else {
            format!("{} – {}", self.period.first, self.period.last)
        };
        let _ = write!(
            h,
            r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Activity report {p}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 16px; margin-top: 28px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.totals span {{ display: inline-block; margin-right: 24px; }}
</style></head><body>
<h1>Activity report — {p} ({tz})</h1>
<p class="totals"><span>Tracked <b>{tracked}</b></span><span>Activity <b>{act}</b></span><span>Active <b>{active} %</b></span><span>Screenshots <b>{shots}</b></span></p>
<h2>Timeline</h2>
{timeline}{employees}
"#,
            p = escape_xml(&period),
            tz = escape_xml(&self.period.time_zone),
            tracked = hms(self.totals.tracked_seconds),
            act = percent(self.totals.activity_percent),
            active = self.totals.active_percent,
            shots = self.totals.screenshots,
            timeline = if self.employees.is_empty() {
                self.timeline_svg()
            } else {
                String::new()
            },
            employees = self
                .employees
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    format!(
                        "<h3>{}</h3>\n<p class=\"totals\"><span>Tracked <b>{}</b></span><span>Activity <b>{}</b></span><span>Active <b>{} %</b></span></p>\n{}\n",
                        escape_xml(e.employee.as_deref().unwrap_or("(no employee)")),
                        hms(e.totals.tracked_seconds),
                        percent(e.totals.activity_percent),
                        e.totals.active_percent,
                        self.employee_timeline_svg(i)
                    )
                })
                .collect::<String>(),
        );
        h.push_str("<h2>Average activity per project</h2>\n<table><tr><th>Project</th><th>Tracked</th><th>Activity</th><th>Active</th></tr>\n");
        for p in &self.projects {
            let _ = writeln!(
                h,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{} %</td></tr>"#,
                escape_xml(p.project.as_deref().unwrap_or("(no project)")),
                hms(p.tracked_seconds),
                percent(p.activity_percent),
                p.active_percent
            );
        }
        h.push_str("</table>\n<h2>Distribution of slots over activity</h2>\n");
        h.push_str(&self.distribution_svg());
        let uncounted = self
            .timeline
            .iter()
            .filter(|s| s.tracked_seconds > 0 && s.activity_percent.is_none())
            .count();
        if uncounted > 0 {
            let _ = writeln!(
                h,
                "<p>{uncounted} slot(s) whose input could not be counted (activity n/a: active \
                 seconds only) are not in the distribution.</p>"
            );
        }
        for (title, svg, rows) in [
            (
                "Top applications",
                self.top_applications_svg(),
                &self.top_applications,
            ),
            ("Top websites", self.top_websites_svg(), &self.top_websites),
        ] {
            let _ = write!(h, "\n<h2>{title}</h2>\n");
            if rows.is_empty() {
                h.push_str("<p>Nothing recorded.</p>\n");
                continue;
            }
            h.push_str(&svg);
            h.push_str("\n<table><tr><th>Name</th><th>Time</th><th>Share</th></tr>\n");
            for r in rows {
                let _ = writeln!(
                    h,
                    r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{} %</td></tr>"#,
                    escape_xml(&r.name),
                    hms((r.duration_millis / 1000) as u64),
                    r.share_percent
                );
            }
            h.push_str("</table>\n");
        }
        self.categories_html(&mut h);
        h.push_str("</body></html>\n");
        h
    }

    /// The productivity section of the page: the score and the four kinds of time, then the
    /// time per category (full path) with its score.
    fn categories_html(&self, h: &mut String) {
        let c = &self.categories;
        h.push_str("\n<h2>Productivity by category</h2>\n");
        if c.categories.is_empty() {
            h.push_str("<p>Nothing recorded.</p>\n");
            return;
        }
        let _ = writeln!(
            h,
            "<p>Score {:.1} · productive {} · neutral {} · unproductive {} · uncategorized {}</p>",
            c.score,
            hms(c.productive_seconds),
            hms(c.neutral_seconds),
            hms(c.unproductive_seconds),
            hms(c.uncategorized_seconds)
        );
        h.push_str("<table><tr><th>Category</th><th>Time</th><th>Score</th></tr>\n");
        for t in &c.categories {
            let _ = writeln!(
                h,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                escape_xml(&t.name.join(" › ")),
                hms(t.seconds),
                t.score.map_or_else(String::new, |s| format!("{s}"))
            );
        }
        h.push_str("</table>\n");
    }
}

fn hms(seconds: u64) -> String {
    format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// An activity % for people: `42 %`, or `n/a` where the input was not counted (a Wayland
/// session without evdev access: active seconds only).
fn percent(v: Option<u8>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v} %"))
}

/// A CSV cell: the number, or empty where it is unknown.
fn cell<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}
