//! `chipmix serve`: a local web page where a planner moves a control and sees the plan
//! change. An HTTP server (axum on tokio) answers:
//!
//! - `GET /`, `/app.js`, `/app.css`: the page, embedded in the binary (no CDN; works
//!   offline; a Content-Security-Policy allows nothing from elsewhere);
//! - `GET /api/scenario`: the scenario as planned, every default filled in;
//! - `POST /api/plan` with `{"set": {"PATH": VALUE, ...}}`: exactly the plan JSON of
//!   `chipmix plan FILE --set PATH=VALUE ... --format json` (header `X-Chipmix-Exit`: the
//!   exit code the command would end with);
//! - `GET /api/report?set=PATH%3DVALUE&...`: the HTML report of that view, to download.
//!
//! Bad requests get a 4xx with the command line's message for the same input (400
//! malformed, 413 too large, 422 an override the scenario refuses) and the server keeps
//! serving. Solves run in [`slots`] (as many at once as cores), each within the scenario's
//! time limit; a newer request of the same page stops the older one. Nothing is written to
//! disk. The library side of each answer is in [`api`]; the CLI only parses flags.

pub mod api;
mod page;
pub mod slots;

use api::{Failure, Served, Sets};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use slots::{NoSlot, Slots};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// The header a page sends to name its session: a newer request of a session stops the
/// older one.
pub const SESSION_HEADER: &str = "x-chipmix-session";

/// What the server serves and where.
pub struct Config {
    /// The scenario and how to solve it.
    pub served: Served,
    /// The address to listen on (`127.0.0.1:8000` unless the user asks otherwise; port 0
    /// picks a free one).
    pub addr: SocketAddr,
    /// Solves at once (0: one per core).
    pub slots: usize,
    /// When the report link's page is dated, as `SOURCE_DATE_EPOCH` does for `report`
    /// (`None`: the time of the request).
    pub generated: Option<i64>,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be listened on (in use, not this machine's, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime or the connection loop failed.
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

struct App {
    served: Served,
    slots: Arc<Slots>,
    /// The `Host` headers accepted (when listening on loopback only), so a page elsewhere
    /// cannot reach the server through a name it controls (DNS rebinding).
    hosts: Option<Vec<String>>,
    generated: Option<i64>,
}

/// Listens on `config.addr`, calls `ready` with the address bound (the port chosen when 0
/// was asked), and serves until the process ends.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores.min(4))
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr()?;
        let hosts = addr.ip().is_loopback().then(|| {
            let port = addr.port();
            vec![
                format!("127.0.0.1:{port}"),
                format!("localhost:{port}"),
                format!("[::1]:{port}"),
            ]
        });
        let app = Arc::new(App {
            served: config.served,
            slots: Slots::new(if config.slots == 0 {
                cores
            } else {
                config.slots
            }),
            hosts,
            generated: config.generated,
        });
        ready(addr);
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { page::asset("index.html") }))
        .route("/app.js", get(|| async { page::asset("app.js") }))
        .route("/app.css", get(|| async { page::asset("app.css") }))
        .route("/api/scenario", get(scenario))
        .route("/api/plan", post(plan))
        .route("/api/report", get(report))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page") })
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Refuses requests for another host name than the server's own, and marks every answer
/// as not to be cached or sniffed.
async fn guard(
    State(app): State<Arc<App>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(hosts) = &app.hosts {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !hosts.iter().any(|h| h == host) {
            return error(
                StatusCode::FORBIDDEN,
                &format!(
                    "this server answers to {} only, not to Host `{host}`",
                    hosts[0]
                ),
            );
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// A JSON error answer: `{"error": message}`.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string() + "\n";
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

fn failure(f: Failure) -> Response {
    let status = match f {
        Failure::Malformed(_) => StatusCode::BAD_REQUEST,
        Failure::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Failure::Planner(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, f.message())
}

fn no_slot(n: NoSlot) -> Response {
    match n {
        NoSlot::Superseded => error(
            StatusCode::CONFLICT,
            "superseded: a newer request of this page came in, and this one was stopped",
        ),
        NoSlot::Busy => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many plans are waiting to be solved; try again shortly",
        ),
    }
}

async fn scenario(State(app): State<Arc<App>>) -> Response {
    match app.served.scenario(&Sets::default()) {
        Ok(json) => (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            json,
        )
            .into_response(),
        Err(f) => failure(f),
    }
}

/// Runs `work` in a slot, off the async threads, for the request with `headers`.
async fn solve<T: Send + 'static>(
    app: &Arc<App>,
    headers: &HeaderMap,
    work: impl FnOnce(&Served, crate::solve::Cancel) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Response> {
    let session = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok());
    let ticket = app.slots.enter(session);
    let (running, cancel) = ticket.slot().await.map_err(no_slot)?;
    let worker = app.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let _running = running;
        work(&worker.served, cancel)
    })
    .await;
    if ticket.finish() {
        return Err(no_slot(NoSlot::Superseded));
    }
    match answer {
        Ok(a) => a.map_err(failure),
        Err(e) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("chipmix: internal error (this is a bug, please report it): {e}"),
        )),
    }
}

async fn plan(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let bytes = match axum::body::to_bytes(body, api::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "the request body is larger than {} bytes",
                    api::MAX_BODY_BYTES
                ),
            );
        }
    };
    let sets = match Sets::from_body(&bytes) {
        Ok(s) => s,
        Err(f) => return failure(f),
    };
    match solve(&app, &headers, move |served, cancel| {
        served.plan(&sets, cancel)
    })
    .await
    {
        Ok(answer) => {
            let ms = started.elapsed().as_secs_f64() * 1e3;
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/json; charset=utf-8".to_string(),
                    ),
                    (
                        header::HeaderName::from_static("x-chipmix-exit"),
                        answer.exit.to_string(),
                    ),
                    (
                        header::HeaderName::from_static("server-timing"),
                        format!("plan;dur={ms:.1}"),
                    ),
                ],
                answer.json,
            )
                .into_response()
        }
        Err(r) => r,
    }
}

/// The overrides of a query string: each `set=PATH=VALUE`, in order.
fn query_sets(query: Option<&str>) -> Result<Sets, Failure> {
    let mut sets = Vec::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k != "set" {
            return Err(Failure::Malformed(format!(
                "unknown query parameter `{k}`; give each override as set=PATH=VALUE"
            )));
        }
        sets.push(
            v.parse()
                .map_err(|e: String| Failure::Malformed(format!("set: {e}")))?,
        );
    }
    Ok(Sets(sets))
}

async fn report(State(app): State<Arc<App>>, headers: HeaderMap, req: Request) -> Response {
    let sets = match query_sets(req.uri().query()) {
        Ok(s) => s,
        Err(f) => return failure(f),
    };
    let generated = app.generated.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    let file = format!("{}-report.html", app.served.label);
    // A report is not part of the page's session: downloading one stops no plan.
    let mut quiet = headers.clone();
    quiet.remove(SESSION_HEADER);
    match solve(&app, &quiet, move |served, cancel| {
        served.report(&sets, generated, cancel)
    })
    .await
    {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", file.replace('"', "")),
                ),
            ],
            html,
        )
            .into_response(),
        Err(r) => r,
    }
}
