//! `report`: the five reports of a tracker's data folder for a day (or a range of days) in a
//! time zone, printed as text and written as HTML, JSON or CSV.
//!
//! ```text
//! cargo run --example report -- --data-dir DIR (--day YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD)
//!     [--tz Europe/Berlin] [--employee E] [--project P] [--top 10]
//!     [--html FILE] [--json FILE] [--csv DIR]
//! ```
//!
//! The time zone defaults to the system's. Without `--employee` the report covers everyone on
//! this machine (the tool runs as the machine's own user); with it, what that employee sees.

use std::path::PathBuf;
use std::process::ExitCode;

use activity_core::model::report::Period;
use activity_core::runtime::{ReportRequest, Viewer};
use activity_core::{Config, Tracker};

struct Args {
    data_dir: PathBuf,
    first: Option<String>,
    last: Option<String>,
    tz: String,
    employee: Option<String>,
    project: Option<String>,
    top: usize,
    html: Option<PathBuf>,
    json: Option<PathBuf>,
    csv: Option<PathBuf>,
}

const USAGE: &str = "usage: report --data-dir DIR (--day YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD) \
[--tz ZONE] [--employee E] [--project P] [--top N] [--html FILE] [--json FILE] [--csv DIR]";

fn parse(raw: &[String]) -> Result<Args, String> {
    let mut a = Args {
        data_dir: PathBuf::from("./activity-data"),
        first: None,
        last: None,
        tz: Period::system_time_zone(),
        employee: None,
        project: None,
        top: 10,
        html: None,
        json: None,
        csv: None,
    };
    let mut it = raw.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--data-dir" => a.data_dir = value("--data-dir")?.into(),
            "--day" => {
                let d = value("--day")?;
                a.first = Some(d.clone());
                a.last = Some(d);
            }
            "--from" => a.first = Some(value("--from")?),
            "--to" => a.last = Some(value("--to")?),
            "--tz" => a.tz = value("--tz")?,
            "--employee" => a.employee = Some(value("--employee")?),
            "--project" => a.project = Some(value("--project")?),
            "--top" => {
                let v = value("--top")?;
                a.top = v
                    .parse()
                    .map_err(|_| format!("--top: {v:?} is not a number"))?;
            }
            "--html" => a.html = Some(value("--html")?.into()),
            "--json" => a.json = Some(value("--json")?.into()),
            "--csv" => a.csv = Some(value("--csv")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.first.is_none() || a.last.is_none() {
        return Err("give --day, or --from and --to".into());
    }
    Ok(a)
}

fn run(a: &Args) -> Result<(), String> {
    let tracker = Tracker::builder(Config::default())
        .data_dir(&a.data_dir)
        .without_sources()
        .build()
        .map_err(|e| e.to_string())?;
    let viewer = a.employee.clone().map_or(Viewer::Admin, Viewer::employee);
    let request = ReportRequest {
        period: Period::days(
            a.first.as_deref().unwrap_or_default(),
            a.last.as_deref().unwrap_or_default(),
            &a.tz,
        ),
        employee: None,
        project: a.project.clone(),
        top_n: a.top,
        categories: true,
    };
    let r = tracker
        .report(&viewer, &request)
        .map_err(|e| e.to_string())?;
    print!("{}", r.to_text());
    let write = |path: &PathBuf, text: &str| {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    if let Some(p) = &a.html {
        write(p, &r.to_html())?;
        println!("html: {}", p.display());
    }
    if let Some(p) = &a.json {
        write(p, &r.to_json())?;
        println!("json: {}", p.display());
    }
    if let Some(dir) = &a.csv {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, text) in r.to_csv() {
            write(&dir.join(name), &text)?;
        }
        println!("csv: {}", dir.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&raw) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("report: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report: {e}");
            ExitCode::from(1)
        }
    }
}
