//! The what-if page's files, embedded in the binary (the page works offline, from one
//! file), each served with its type and a Content-Security-Policy that lets the page load
//! and fetch from this server only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The page, its script and its style sheet.
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("assets/app.css"),
    ),
];

/// Nothing from elsewhere: scripts, styles, images and requests from this server only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The embedded file `name`.
pub fn asset(name: &str) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => {
            let mut res = (
                [(header::CONTENT_TYPE, HeaderValue::from_static(kind))],
                *body,
            )
                .into_response();
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
            res
        }
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
