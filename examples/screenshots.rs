//! `screenshots`: the employee's own screenshots, from the data folder of a tracker — list them,
//! get a URL, delete one everywhere, and push what waits in the outbox.
//!
//! ```text
//! cargo run --example screenshots -- [--data-dir ./activity-data] COMMAND
//!   list [--employee E] [--from T] [--to T] [--json]
//!   url ID [--thumb] [--expires 10m]
//!   delete ID
//!   sync
//! ```
//!
//! The storage comes from the environment exactly as for `track` and `storage_check`
//! (`FILE_PROVIDER=S3 AWS_…`, `CLOUDINARY_…`; unset: the local files under the data folder).
//! Times are RFC 3339 (`2026-11-30T08:00:00Z`). Without `--employee` the tool shows every
//! screenshot on this machine (it runs as the machine's own user: `Viewer::Admin`); with it,
//! it reads as that employee would (`Viewer::Employee`).
//!
//! Exit status: 0 done; 1 the command failed (an unknown id, a storage error) or `sync` left
//! work pending (listed); 2 bad arguments or storage settings.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use activity_core::model::config::parse_seconds;
use activity_core::runtime::{Query, Viewer};
use activity_core::{Config, Timestamp, Tracker};

const USAGE: &str =
    "usage: screenshots [--data-dir DIR] list [--employee E] [--from T] [--to T] [--json]
       screenshots [--data-dir DIR] url ID [--thumb] [--expires 10m]
       screenshots [--data-dir DIR] delete ID
       screenshots [--data-dir DIR] sync";

struct Args {
    data_dir: PathBuf,
    command: String,
    id: Option<String>,
    employee: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    json: bool,
    thumb: bool,
    expires: Duration,
}

fn parse(raw: &[String]) -> Result<Args, String> {
    let mut a = Args {
        data_dir: PathBuf::from("./activity-data"),
        command: String::new(),
        id: None,
        employee: None,
        from: None,
        to: None,
        json: false,
        thumb: false,
        expires: Duration::from_secs(600),
    };
    let mut it = raw.iter();
    let time = |v: Option<&String>, name: &str| -> Result<Timestamp, String> {
        let v = v.ok_or(format!("{name} needs a value"))?;
        Timestamp::parse_rfc3339(v).ok_or(format!("{name}: {v:?} is not an RFC 3339 time"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--data-dir" => a.data_dir = it.next().ok_or("--data-dir needs a folder")?.into(),
            "--employee" => a.employee = Some(it.next().ok_or("--employee needs a name")?.clone()),
            "--from" => a.from = Some(time(it.next(), "--from")?),
            "--to" => a.to = Some(time(it.next(), "--to")?),
            "--json" => a.json = true,
            "--thumb" => a.thumb = true,
            "--expires" => {
                let v = it.next().ok_or("--expires needs a duration")?;
                let s = parse_seconds(v).ok_or(format!("--expires: {v:?} is not a duration"))?;
                a.expires = Duration::from_secs(u64::from(s));
            }
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            word if a.command.is_empty() => a.command = word.to_string(),
            word if a.id.is_none() => a.id = Some(word.to_string()),
            word => return Err(format!("unexpected argument {word:?}")),
        }
    }
    match a.command.as_str() {
        "list" | "sync" if a.id.is_none() => Ok(a),
        "url" | "delete" if a.id.is_some() => Ok(a),
        "" => Err("no command".into()),
        c => Err(format!("wrong arguments for {c:?}")),
    }
}

fn open(args: &Args) -> Result<Tracker, String> {
    Tracker::builder(Config::default())
        .storage_from_env()
        .map_err(|e| format!("storage from the environment: {e}"))?
        .data_dir(&args.data_dir)
        // The tool reads and deletes; it captures nothing.
        .without_sources()
        .build()
        .map_err(|e| e.to_string())
}

/// Exit status 2 for settings (from `open`), 1 for a command that failed.
fn run(args: &Args) -> Result<ExitCode, (u8, String)> {
    let tracker = open(args).map_err(|e| (2, e))?;
    command(&tracker, args).map_err(|e| (1, e))
}

fn command(tracker: &Tracker, args: &Args) -> Result<ExitCode, String> {
    let viewer = match &args.employee {
        Some(e) => Viewer::employee(e.clone()),
        None => Viewer::Admin,
    };
    match args.command.as_str() {
        "list" => {
            let query = Query {
                from: args.from,
                to: args.to,
                ..Query::default()
            };
            let shots = tracker
                .screenshots(&viewer, &query)
                .map_err(|e| e.to_string())?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&shots).map_err(|e| e.to_string())?
                );
            } else {
                println!(
                    "{:<32}  {:<24}  {:>9}  {:<8}  {:<7}  employee",
                    "id", "taken at", "size", "state", "blurred"
                );
                for s in &shots {
                    println!(
                        "{:<32}  {:<24}  {:>4}x{:<4}  {:<8}  {:<7}  {}",
                        s.id,
                        s.taken_at.to_string(),
                        s.width,
                        s.height,
                        s.upload_state.as_str(),
                        if s.blurred { "yes" } else { "no" },
                        s.context.employee.as_deref().unwrap_or("-")
                    );
                }
                println!("{} screenshot(s)", shots.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        "url" => {
            let id = args.id.as_deref().unwrap_or_default();
            let url = tracker
                .screenshot_url(&viewer, id, args.thumb, args.expires)
                .map_err(|e| e.to_string())?;
            println!("{url}");
            Ok(ExitCode::SUCCESS)
        }
        "delete" => {
            let id = args.id.as_deref().unwrap_or_default();
            let outcome = tracker
                .delete_screenshot(&viewer, id)
                .map_err(|e| e.to_string())?;
            println!("deleted {id} on this machine (record, spool files, pending uploads)");
            if outcome.remote_deleted.is_empty() && outcome.remote_queued.is_empty() {
                println!("remote: nothing to delete (it never left this machine)");
            }
            for k in &outcome.remote_deleted {
                println!(
                    "remote: {k} deleted (confirmed by {})",
                    tracker.storage_provider()
                );
            }
            for k in &outcome.remote_queued {
                println!(
                    "remote: {k} queued for deletion ({}); run `screenshots sync` or start tracking to retry",
                    outcome.error.as_deref().unwrap_or("not tried yet")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        "sync" => {
            let left = tracker.sync().map_err(|e| e.to_string())?;
            if left.items.is_empty() {
                println!("outbox empty: every upload and deletion is confirmed");
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} upload(s) and {} deletion(s) left:",
                left.count, left.deletes
            );
            for i in &left.items {
                println!(
                    "  {:<6} {}  attempts {}  next {}  {}",
                    match i.kind {
                        activity_core::storage::PendingKind::Upload => "upload",
                        activity_core::storage::PendingKind::Delete => "delete",
                    },
                    i.key,
                    i.attempts,
                    i.next_attempt,
                    i.last_error.as_deref().unwrap_or("")
                );
            }
            Ok(ExitCode::from(1))
        }
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&raw) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("screenshots: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(code) => code,
        Err((code, e)) => {
            eprintln!("screenshots: {e}");
            ExitCode::from(code)
        }
    }
}
