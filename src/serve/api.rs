//! The HTTP API (documented in `openapi.json`, served at `/openapi.json`).
//!
//! Layers, outermost first: `observe` (metrics, the access log, every
//! error made JSON), CORS (only with `--cors`), `auth` (the bearer token),
//! then the routes; the layers are in `layers.rs`.

use super::cors::cors;
use super::errors::{error, ErrorCode};
use super::layers::{auth, observe, params, path_param, ApiOptions, Ctx};
use super::listen::{self, Limits};
use super::{AppState, Served};
use crate::query::standing::UserView;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// Most ids in one batch request.
pub const MAX_BATCH: usize = 10_000;
/// Largest batch body accepted: 10,000 ids of the longest allowed id.
const MAX_BODY: usize = MAX_BATCH * (crate::input::MAX_ID_BYTES + 8) + 4096;
/// Most users one `top` request lists.
const MAX_TOP: usize = 10_000;

const OPENAPI: &str = include_str!("openapi.json");

/// The service's routes over `state`, without access log or CORS.
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, ApiOptions::default())
}

/// The service's routes over `state` with `opts`.
pub fn router_with(state: Arc<AppState>, opts: ApiOptions) -> Router {
    let cors_origins = opts.cors.clone();
    let ctx = Arc::new(Ctx { app: state, opts });
    let r = Router::new()
        .route("/v1/users/{id}", get(user))
        .route("/v1/users:batch", post(batch))
        .route("/v1/markets/{market}/top", get(top))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&ctx), auth));
    let r = match cors_origins {
        Some(c) => r.layer(middleware::from_fn_with_state(c, cors)),
        None => r,
    };
    r.layer(middleware::from_fn_with_state(Arc::clone(&ctx), observe))
        .with_state(ctx)
}

/// `/metrics` alone and without a token, for `--metrics-listen`.
pub fn metrics_router(state: Arc<AppState>, opts: ApiOptions) -> Router {
    let ctx = Arc::new(Ctx {
        app: state,
        opts: ApiOptions { cors: None, ..opts },
    });
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&ctx), observe))
        .with_state(ctx)
}

/// Binds `addr` and serves [`metrics_router`] there in the background;
/// returns the address bound (port 0 picks one).
///
/// Through the same accept loop as the API ([`listen::serve`]): no token
/// is asked there, so its timeouts are what keeps idle or half-sent
/// requests from holding sockets, and its cap ([`METRICS_CONNECTIONS`],
/// the oldest connection shed for a new one) keeps a flood on this address
/// from taking the descriptors the API needs.
pub async fn spawn_metrics_listener(
    addr: SocketAddr,
    state: Arc<AppState>,
    opts: ApiOptions,
    limits: Limits,
    log: fn(&str),
) -> std::io::Result<SocketAddr> {
    let listener = listen::bind(addr)?;
    let at = listener.local_addr()?;
    let app = metrics_router(Arc::clone(&state), opts);
    let limits = Limits {
        max_connections: Some(METRICS_CONNECTIONS),
        ..limits
    };
    tokio::spawn(listen::serve(listener, state, app, limits, log));
    Ok(at)
}

/// Connections open at once on `--metrics-listen`: a scraper or two.
pub const METRICS_CONNECTIONS: usize = 64;

async fn not_found() -> Response {
    error(ErrorCode::NotFound, "no such endpoint; see /openapi.json")
}

/// One market's numbers for a user.
#[derive(Serialize)]
struct MarketView {
    score: f64,
    rank: u64,
    percentile: f64,
    influence: f64,
    lift: f64,
}

impl From<&UserView> for MarketView {
    fn from(v: &UserView) -> Self {
        MarketView {
            score: v.score,
            rank: v.rank,
            percentile: v.percentile,
            influence: v.influence,
            lift: v.lift,
        }
    }
}

/// A user in one market, or in all of them.
fn user_json(s: &Served, id: &str, market: Option<usize>) -> Option<Value> {
    let snap = &s.snap;
    let u = s.index.get(snap, id)?;
    Some(match market {
        Some(m) => {
            let v = s.view(u, m);
            json!({
                "user": id, "market": snap.markets()[m], "score": v.score, "rank": v.rank,
                "percentile": v.percentile, "influence": v.influence, "lift": v.lift,
                "followers": v.followers, "global_rank": v.global_rank,
            })
        }
        None => {
            let views: Vec<UserView> = (0..snap.markets().len()).map(|m| s.view(u, m)).collect();
            let markets: serde_json::Map<String, Value> = snap
                .markets()
                .iter()
                .zip(&views)
                .map(|(name, v)| {
                    (
                        name.clone(),
                        serde_json::to_value(MarketView::from(v)).unwrap(),
                    )
                })
                .collect();
            json!({
                "user": id,
                "followers": views.first().map_or(0, |v| v.followers),
                "global_rank": views.first().map_or(0, |v| v.global_rank),
                "markets": markets,
            })
        }
    })
}

/// The column of `?market=`, or a 404 naming the markets.
fn market_of(s: &Served, name: Option<&String>) -> Result<Option<usize>, Response> {
    match name {
        None => Ok(None),
        Some(n) => s.snap.market_index(n).map(Some).ok_or_else(|| {
            error(
                ErrorCode::UnknownMarket,
                format!("no market `{n}`; markets: {}", s.snap.markets().join(", ")),
            )
        }),
    }
}

async fn user(
    State(ctx): State<Arc<Ctx>>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (id, q) = match (path_param(id), params(q, &["market"])) {
        (Ok(id), Ok(q)) => (id, q),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let s = ctx.app.current.load_full();
    let m = match market_of(&s, q.get("market")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    match user_json(&s, &id, m) {
        Some(mut v) => {
            v["snapshot"] = json!(s.id);
            Json(v).into_response()
        }
        None => error(ErrorCode::UnknownUser, format!("unknown user `{id}`")),
    }
}

/// `market` may be absent, but not `null`: the schema says a string, and
/// schemathesis found `"market": null` accepted as "every market".
fn some_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    ids: Vec<String>,
    #[serde(default, deserialize_with = "some_string")]
    market: Option<String>,
}

/// Whether a body read failed on the size bound (`http_body_util`'s
/// `LengthLimitError`, which axum boxes; matched by its text because that
/// crate is not a direct dependency) rather than on the connection.
fn over_limit(e: &axum::Error) -> bool {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(x) = cur {
        if x.to_string() == "length limit exceeded" {
            return true;
        }
        cur = x.source();
    }
    false
}

async fn batch(
    State(ctx): State<Arc<Ctx>>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
    body: Body,
) -> Response {
    if let Err(r) = params(q, &[]) {
        return r;
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) if over_limit(&e) => {
            return error(
                ErrorCode::BodyTooLarge,
                format!(
                    "request body over {MAX_BODY} bytes; send at most {MAX_BATCH} ids per request"
                ),
            )
        }
        Err(e) => {
            return error(
                ErrorCode::BadBody,
                format!("request body could not be read: {e}"),
            )
        }
    };
    let req: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error(
                ErrorCode::BadBody,
                format!(
                    "request body: {e}; expected {{\"ids\": [\"...\"], \"market\": \"optional\"}}"
                ),
            )
        }
    };
    if req.ids.len() > MAX_BATCH {
        return error(
            ErrorCode::TooManyIds,
            format!("{} ids in one request; at most {MAX_BATCH}", req.ids.len()),
        );
    }
    let s = ctx.app.current.load_full();
    let m = match market_of(&s, req.market.as_ref()) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut unknown = 0;
    let results: Vec<Value> = req
        .ids
        .iter()
        .map(|id| match user_json(&s, id, m) {
            Some(mut v) => {
                v["found"] = json!(true);
                v
            }
            None => {
                unknown += 1;
                json!({ "user": id, "found": false })
            }
        })
        .collect();
    Json(json!({ "snapshot": s.id, "results": results, "unknown": unknown })).into_response()
}

async fn top(
    State(ctx): State<Arc<Ctx>>,
    market: Result<Path<String>, PathRejection>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let (market, q) = match (path_param(market), params(q, &["k"])) {
        (Ok(m), Ok(q)) => (m, q),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let k = match q.get("k").map(|k| k.parse::<usize>()) {
        None => 10,
        Some(Ok(k)) if (1..=MAX_TOP).contains(&k) => k,
        Some(_) => {
            return error(
                ErrorCode::BadParameter,
                format!("k must be a whole number from 1 to {MAX_TOP}"),
            )
        }
    };
    let s = ctx.app.current.load_full();
    let m = match market_of(&s, Some(&market)) {
        Ok(m) => m.unwrap(),
        Err(r) => return r,
    };
    let users: Vec<Value> = s
        .snap
        .top(m, k)
        .map(|(u, _)| {
            let v = s.view(u, m);
            json!({
                "user": s.snap.user_id(u), "rank": v.rank, "score": v.score,
                "influence": v.influence, "percentile": v.percentile,
                "followers": v.followers, "global_rank": v.global_rank, "lift": v.lift,
            })
        })
        .collect();
    Json(json!({ "snapshot": s.id, "market": market, "users": users })).into_response()
}

async fn healthz(State(ctx): State<Arc<Ctx>>) -> Response {
    let s = ctx.app.current.load();
    Json(json!({
        "status": "ok",
        "snapshot": s.id,
        "users": s.snap.users(),
        "markets": s.snap.markets(),
    }))
    .into_response()
}

async fn metrics(State(ctx): State<Arc<Ctx>>) -> Response {
    let s = ctx.app.current.load();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut body = ctx.app.metrics.render(
        &s.id,
        (now - s.created_unix as f64).max(0.0),
        s.snap.users(),
    );
    if let Some(log) = &ctx.opts.access_log {
        body.push_str(&format!(
            "# HELP marketrank_access_log_dropped_total Access-log lines dropped because the writer was behind.\n\
             # TYPE marketrank_access_log_dropped_total counter\n\
             marketrank_access_log_dropped_total {}\n",
            log.dropped()
        ));
    }
    body.push_str(&super::metrics::build_info());
    body.push_str(&super::metrics::process());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
