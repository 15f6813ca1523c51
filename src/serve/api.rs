//! The HTTP API (documented in `openapi.json`, served at `/openapi.json`).

use super::metrics::ENDPOINTS;
use super::{AppState, Served};
use crate::query::standing::{user_view, UserView};
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Most ids in one batch request.
pub const MAX_BATCH: usize = 10_000;
/// Largest batch body accepted: 10,000 ids of the longest allowed id.
const MAX_BODY: usize = MAX_BATCH * (crate::input::MAX_ID_BYTES + 8) + 4096;
/// Most users one `top` request lists.
const MAX_TOP: usize = 10_000;

const OPENAPI: &str = include_str!("openapi.json");

/// The service's routes over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/users/{id}", get(user))
        .route("/v1/users:batch", post(batch))
        .route("/v1/markets/{market}/top", get(top))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such endpoint; see /openapi.json".into(),
            )
        })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// A JSON error body: `{"error": "..."}`.
fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn endpoint_of(path: &str) -> usize {
    let name = if path == "/v1/users:batch" {
        "batch"
    } else if path.starts_with("/v1/users/") {
        "user"
    } else if path.starts_with("/v1/markets/") {
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

/// Authentication (everything but `/healthz` and `/openapi.json`) and
/// metrics for every request.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let t = Instant::now();
    let e = endpoint_of(req.uri().path());
    let open = matches!(ENDPOINTS[e], "healthz" | "openapi");
    let resp = match &state.tokens {
        Some(tokens)
            if !open
                && !tokens.accepts(
                    req.headers()
                        .get(header::AUTHORIZATION)
                        .map(HeaderValue::as_bytes),
                ) =>
        {
            let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized".into());
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
        _ => next.run(req).await,
    };
    state.metrics.record(e, resp.status().as_u16(), t.elapsed());
    resp
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
            let v = user_view(snap, u, m);
            json!({
                "user": id, "market": snap.markets()[m], "score": v.score, "rank": v.rank,
                "percentile": v.percentile, "influence": v.influence, "lift": v.lift,
                "followers": v.followers, "global_rank": v.global_rank,
            })
        }
        None => {
            let views: Vec<UserView> = (0..snap.markets().len())
                .map(|m| user_view(snap, u, m))
                .collect();
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
                StatusCode::NOT_FOUND,
                format!("no market `{n}`; markets: {}", s.snap.markets().join(", ")),
            )
        }),
    }
}

async fn user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = state.current.load_full();
    let m = match market_of(&s, q.get("market")) {
        Ok(m) => m,
        Err(r) => return r,
    };
    match user_json(&s, &id, m) {
        Some(mut v) => {
            v["snapshot"] = json!(s.id);
            Json(v).into_response()
        }
        None => error(StatusCode::NOT_FOUND, format!("unknown user `{id}`")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    ids: Vec<String>,
    #[serde(default)]
    market: Option<String>,
}

async fn batch(State(state): State<Arc<AppState>>, body: Body) -> Response {
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "request body over {MAX_BODY} bytes; send at most {MAX_BATCH} ids per request"
                ),
            )
        }
    };
    let req: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "request body: {e}; expected {{\"ids\": [\"...\"], \"market\": \"optional\"}}"
                ),
            )
        }
    };
    if req.ids.len() > MAX_BATCH {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{} ids in one request; at most {MAX_BATCH}", req.ids.len()),
        );
    }
    let s = state.current.load_full();
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
    State(state): State<Arc<AppState>>,
    Path(market): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let k = match q.get("k").map(|k| k.parse::<usize>()) {
        None => 10,
        Some(Ok(k)) if (1..=MAX_TOP).contains(&k) => k,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("k must be a whole number from 1 to {MAX_TOP}"),
            )
        }
    };
    let s = state.current.load_full();
    let m = match market_of(&s, Some(&market)) {
        Ok(m) => m.unwrap(),
        Err(r) => return r,
    };
    let users: Vec<Value> = s
        .snap
        .top(m, k)
        .map(|(u, _)| {
            let v = user_view(&s.snap, u, m);
            json!({
                "user": s.snap.user_id(u), "rank": v.rank, "score": v.score,
                "influence": v.influence, "percentile": v.percentile,
                "followers": v.followers, "global_rank": v.global_rank, "lift": v.lift,
            })
        })
        .collect();
    Json(json!({ "snapshot": s.id, "market": market, "users": users })).into_response()
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let s = state.current.load();
    Json(json!({
        "status": "ok",
        "snapshot": s.id,
        "users": s.snap.users(),
        "markets": s.snap.markets(),
    }))
    .into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let s = state.current.load();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let body = state.metrics.render(
        &s.id,
        (now - s.created_unix as f64).max(0.0),
        s.snap.users(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
