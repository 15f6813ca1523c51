//! `--cors ORIGIN` (repeatable; off by default): lets a web page from
//! those origins call the API from a browser (issue 19).
//!
//! Without the flag no response carries a CORS header, so browsers keep
//! pages of other origins from reading answers, which is the safe default
//! for a service holding scores of people. With it:
//!
//! - a request whose `Origin` is listed (or any, with `--cors '*'`) gets
//!   `Access-Control-Allow-Origin` naming it, and `Vary: Origin` so caches
//!   keep answers for different origins apart;
//! - a preflight (`OPTIONS` with `Access-Control-Request-Method`) from a
//!   listed origin is answered 204 *before* authentication, since browsers
//!   never send credentials on a preflight, allowing `GET`/`POST` and the
//!   `Authorization` and `Content-Type` headers for 10 minutes;
//! - anything from an origin not listed is served as without the flag
//!   (an `OPTIONS` gets 401 or 405).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// How long a browser may cache a preflight answer, seconds.
const MAX_AGE: &str = "600";

/// The origins allowed; `any` when `*` was given.
#[derive(Debug, Clone)]
pub struct Cors {
    any: bool,
    origins: Vec<HeaderValue>,
}

/// An `--cors` value that is not an origin.
#[derive(Debug, thiserror::Error)]
#[error("--cors {0:?}: give an origin as a browser sends it, `scheme://host[:port]` with no path (e.g. `https://app.example.com`), or `*` for any")]
pub struct BadOrigin(pub String);

impl Cors {
    /// Checks each origin: `*`, or `http(s)://host[:port]` without a path.
    pub fn new(origins: &[String]) -> Result<Cors, BadOrigin> {
        let mut any = false;
        let mut list = Vec::new();
        for o in origins {
            if o == "*" {
                any = true;
                continue;
            }
            let rest = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"));
            let ok = rest.is_some_and(|r| {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
            });
            match (ok, HeaderValue::from_str(o)) {
                (true, Ok(v)) => list.push(v),
                _ => return Err(BadOrigin(o.clone())),
            }
        }
        Ok(Cors { any, origins: list })
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`.
    fn allow(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let o = origin?;
        if self
            .origins
            .iter()
            .any(|x| x.as_bytes().eq_ignore_ascii_case(o.as_bytes()))
        {
            Some(o.clone())
        } else if self.any {
            Some(HeaderValue::from_static("*"))
        } else {
            None
        }
    }
}

/// The CORS middleware over `cors` (added only with `--cors`).
pub async fn cors(State(cors): State<Arc<Cors>>, req: Request, next: Next) -> Response {
    let allow = cors.allow(req.headers().get(header::ORIGIN));
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut resp = match (&allow, preflight) {
        (Some(_), true) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            let h = r.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(MAX_AGE),
            );
            r
        }
        _ => next.run(req).await,
    };
    let h = resp.headers_mut();
    if let Some(a) = allow {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, a);
    }
    if !cors.origins.is_empty() {
        h.append(header::VARY, HeaderValue::from_static("origin"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        for ok in [
            "*",
            "https://app.example.com",
            "http://localhost:3000",
            "http://[::1]:8080",
        ] {
            assert!(Cors::new(&[ok.to_string()]).is_ok(), "{ok}");
        }
        for bad in [
            "app.example.com",
            "https://x.com/",
            "https://x.com/path",
            "ftp://x",
            "https://",
            "https://a b",
        ] {
            assert!(Cors::new(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_listed_origin_is_echoed_another_is_not() {
        let c = Cors::new(&["https://a.example".into()]).unwrap();
        let a = HeaderValue::from_static("https://a.example");
        let b = HeaderValue::from_static("https://b.example");
        assert_eq!(c.allow(Some(&a)), Some(a.clone()));
        assert_eq!(c.allow(Some(&b)), None);
        assert_eq!(c.allow(None), None);
        let any = Cors::new(&["*".into()]).unwrap();
        assert_eq!(any.allow(Some(&b)).unwrap(), "*");
    }
}
