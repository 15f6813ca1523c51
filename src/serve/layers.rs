//! What every request passes before a handler: the operator's API
//! options (`--access-log`, `--cors`, `--metrics-listen`), the auth guard,
//! metrics and access-log recording, and the query-parameter checks
//! (issue 19). `api.rs` stacks these layers over the routes.

use super::access_log::{timestamp, AccessLog, Entry};
use super::cors::{BadOrigin, Cors};
use super::errors::{error, to_json, ErrorCode};
use super::metrics::ENDPOINTS;
use super::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// The operator's options for the API, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// `--access-log`: one JSON line per request (`-`: standard output).
    pub access_log: Option<PathBuf>,
    /// `--metrics-listen`: a second address serving `/metrics` without a
    /// token (for a Prometheus scrape).
    pub metrics_listen: Option<SocketAddr>,
    /// `--cors`: origins allowed to call from a browser (`*`: any).
    pub cors: Vec<String>,
}

/// The API's options, opened: the access log's writer, the CORS origins.
#[derive(Clone, Default)]
pub struct ApiOptions {
    /// Where request lines go.
    pub access_log: Option<Arc<AccessLog>>,
    /// Allowed origins.
    pub cors: Option<Arc<Cors>>,
}

/// Why the API's options cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ApiConfigError {
    /// A `--cors` value that is not an origin.
    #[error(transparent)]
    Cors(#[from] BadOrigin),
    /// The access log cannot be opened.
    #[error("{}: cannot open the access log (--access-log): {source}", path.display())]
    AccessLog {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl ApiOptions {
    /// Checks the CORS origins and opens the access log.
    pub fn open(c: &ApiConfig) -> Result<ApiOptions, ApiConfigError> {
        let cors = if c.cors.is_empty() {
            None
        } else {
            Some(Arc::new(Cors::new(&c.cors)?))
        };
        let access_log = match &c.access_log {
            None => None,
            Some(p) => Some(Arc::new(AccessLog::open(p).map_err(|source| {
                ApiConfigError::AccessLog {
                    path: p.clone(),
                    source,
                }
            })?)),
        };
        Ok(ApiOptions { access_log, cors })
    }
}

/// What the handlers and layers share.
pub(super) struct Ctx {
    pub(super) app: Arc<AppState>,
    pub(super) opts: ApiOptions,
}

/// The route template of each of [`ENDPOINTS`], for the access log
/// (`None`: a path no route matches).
const ROUTES: [Option<&str>; ENDPOINTS.len()] = [
    Some("/v1/users/{id}"),
    Some("/v1/users:batch"),
    Some("/v1/markets/{market}/top"),
    Some("/healthz"),
    Some("/metrics"),
    Some("/openapi.json"),
    None,
];

/// The endpoint (index into [`ENDPOINTS`]) a path is for, by its shape:
/// what metrics are labelled with and the access log names.
fn endpoint_of(path: &str) -> usize {
    let segments = |prefix: &str| path.strip_prefix(prefix).map(|r| r.split('/').count());
    let name = if path == "/v1/users:batch" {
        "batch"
    } else if segments("/v1/users/") == Some(1) {
        "user"
    } else if path.ends_with("/top") && segments("/v1/markets/") == Some(2) {
        "top"
    } else {
        match path {
            "/healthz" => "healthz",
            "/metrics" => "metrics",
            "/openapi.json" => "openapi",
            _ => "other",
        }
    };
    ENDPOINTS.iter().position(|&e| e == name).unwrap()
}

/// The id of the token that authenticated a request, for the access log
/// (a response extension set by `auth`, read by `observe`).
#[derive(Clone)]
struct TokenId(String);

/// Authentication: everything but `/healthz` and `/openapi.json` needs a
/// listed bearer token. A 401 says nothing about users, markets or tokens.
pub(super) async fn auth(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let Some(tokens) = &ctx.app.tokens else {
        return next.run(req).await;
    };
    if matches!(
        ENDPOINTS[endpoint_of(req.uri().path())],
        "healthz" | "openapi"
    ) {
        return next.run(req).await;
    }
    let header = req.headers().get(header::AUTHORIZATION);
    match tokens.check(header.map(HeaderValue::as_bytes)) {
        // The id is only kept for the access log: an extension costs an
        // allocation per request.
        Some(id) if ctx.opts.access_log.is_some() => {
            let id = TokenId(id.to_string());
            let mut r = next.run(req).await;
            r.extensions_mut().insert(id);
            r
        }
        Some(_) => next.run(req).await,
        None => {
            let mut r = error(
                ErrorCode::Unauthorized,
                "send `Authorization: Bearer <token>` with a token of the service",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
    }
}

/// The outermost layer: metrics for every request, its access-log line,
/// and every error made JSON ([`to_json`]; one layer rather than two,
/// since each costs on every request).
pub(super) async fn observe(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let t = Instant::now();
    let e = endpoint_of(req.uri().path());
    let method = req.method().clone();
    let arrived = ctx.opts.access_log.as_ref().map(|_| SystemTime::now());
    let resp = next.run(req).await;
    let took = t.elapsed();
    ctx.app.metrics.record(e, resp.status().as_u16(), took);
    if let (Some(log), Some(at)) = (&ctx.opts.access_log, arrived) {
        log.log(&Entry {
            time: timestamp(at),
            method: method.to_string(),
            route: ROUTES[e].map(str::to_string),
            status: resp.status().as_u16(),
            latency_ms: took.as_micros() as f64 / 1e3,
            token: resp.extensions().get::<TokenId>().map(|t| t.0.clone()),
        });
    }
    to_json(resp, &method).await
}

/// The query's parameters, each at most once and each one `allowed`
/// names: `?market=a&market=b` used to answer for `b` silently, and a
/// misspelt `?markte=` answered for every market.
pub(super) fn params(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    allowed: &[&str],
) -> Result<HashMap<String, String>, Response> {
    let Query(pairs) = q.map_err(|r| error(ErrorCode::BadQuery, r.body_text()))?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            let takes = if allowed.is_empty() {
                "none".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(error(
                ErrorCode::UnknownParameter,
                format!("unknown query parameter `{k}`; this endpoint takes: {takes}"),
            ));
        }
        if out.insert(k.clone(), v).is_some() {
            return Err(error(
                ErrorCode::RepeatedParameter,
                format!("query parameter `{k}` given more than once; give it once"),
            ));
        }
    }
    Ok(out)
}

/// A path segment, or a `bad_path` error (not valid UTF-8 once decoded).
pub(super) fn path_param(p: Result<Path<String>, PathRejection>) -> Result<String, Response> {
    p.map(|Path(s)| s)
        .map_err(|r| error(ErrorCode::BadPath, r.body_text()))
}
