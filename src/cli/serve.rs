//! `chipmix serve`: reads the scenario once (bad input is exit 2 before anything listens),
//! then hands it to the library's server ([`crate::serve`]) and prints where the page is.

use super::args::ServeArgs;
use super::{Exit, open_document};
use crate::error::Error;
use crate::serve::api::{Served, Sets};
use crate::serve::{Config, run as serve};
use anyhow::{Context, anyhow};
use std::io::Write;

/// Runs `chipmix serve` until the process is stopped (Ctrl-C).
pub fn run(a: &ServeArgs) -> anyhow::Result<Exit> {
    let document = open_document(&a.scenario, &[])?;
    let served = Served {
        label: a
            .scenario
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "scenario".to_string()),
        base: a.set.clone(),
        options: a.solve.options(),
        document,
    };
    // The scenario as given must be valid: its problems are reported now, as `plan`
    // reports them, not on the page.
    let loaded = served.document.resolve(&a.set).map_err(Error::from)?;
    for w in &loaded.warnings {
        eprintln!("{}", w.line());
    }
    served
        .scenario(&Sets::default())
        .map_err(|f| anyhow!("{}", f.message()))?;
    if !a.host.is_loopback() {
        eprintln!(
            "chipmix serve: warning: listening on {}: anyone who can reach this machine can use the page and its solver",
            a.host
        );
    }
    let generated = super::source_date_epoch("serve")?;
    let config = Config {
        served,
        addr: std::net::SocketAddr::new(a.host, a.port),
        slots: a.jobs.map_or(0, usize::from),
        generated,
    };
    let open = a.open;
    let file = a.scenario.display().to_string();
    serve(config, |addr| {
        let url = format!("http://{addr}/");
        println!("chipmix serve: {file} at {url} (Ctrl-C stops)");
        let _ = std::io::stdout().flush();
        if open {
            let opened = std::process::Command::new("xdg-open")
                .arg(&url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            if let Err(e) = opened {
                eprintln!("chipmix serve: cannot open a browser ({e}); open {url} yourself");
            }
        }
    })
    .map_err(|e| anyhow!(e))
    .context("chipmix serve")?;
    Ok(Exit::Plan)
}
