//! Every error the service answers is JSON with a stable code:
//! `{"error": "<code>", "message": "<for a person>"}` (issue 19).
//!
//! Clients branch on `error`, which never changes for a given cause; the
//! `message` may be reworded. Three places make errors:
//!
//! - the handlers and the auth guard, through [`error`] with an [`ErrorCode`];
//! - axum itself (405 from a route's method router, extractor rejections):
//!   [`json_errors`] rewrites any error response that is not JSON yet,
//!   keeping its status and headers (`Allow` on a 405);
//! - hyper, before any request exists (a request line it cannot parse, a
//!   request target over 65,534 bytes, a head over its buffer): it writes
//!   an empty response straight to the socket. [`JsonParseErrors`] wraps
//!   the connection and gives those the same JSON body (see
//!   `parse_errors.rs`).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub use super::parse_errors::{JsonParseErrors, JsonParseErrorsListener};

/// The stable `error` codes, one per cause. README's serve section lists
/// them; add new ones at the end and never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: hyper could not parse the request line or a header.
    BadRequest,
    /// 400: the path is not valid UTF-8 once percent-decoded.
    BadPath,
    /// 400: the query string cannot be parsed.
    BadQuery,
    /// 400: a query parameter given more than once (`?market=a&market=b`).
    RepeatedParameter,
    /// 400: a query parameter the route does not take.
    UnknownParameter,
    /// 400: a parameter's value out of its range (`k`).
    BadParameter,
    /// 400: a request body that is not the documented JSON.
    BadBody,
    /// 401: no bearer token, or not one of the tokens file.
    Unauthorized,
    /// 404: no such endpoint.
    NotFound,
    /// 404: no such user in the served snapshot.
    UnknownUser,
    /// 404: no such market in the served snapshot.
    UnknownMarket,
    /// 405: the endpoint exists, not with this method (`Allow` says which).
    MethodNotAllowed,
    /// 413: a request body over the byte limit.
    BodyTooLarge,
    /// 413: more ids in one batch than allowed.
    TooManyIds,
    /// 414: a request target over hyper's limit (65,534 bytes).
    UriTooLong,
    /// 431: a request head over hyper's buffer.
    HeadersTooLarge,
    /// 500: a fault of the service.
    Internal,
    /// 408: the request did not arrive within the configured timeout
    /// (for the connection layer's timeouts).
    Timeout,
    /// 503: over the connection cap (for the connection layer).
    Overloaded,
    /// Any other status from a lower layer: `error` is `http_<status>`.
    Other(StatusCode),
}

impl ErrorCode {
    /// The code as it appears in `error`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadRequest => "bad_request",
            BadPath => "bad_path",
            BadQuery => "bad_query",
            RepeatedParameter => "repeated_parameter",
            UnknownParameter => "unknown_parameter",
            BadParameter => "bad_parameter",
            BadBody => "bad_body",
            Unauthorized => "unauthorized",
            NotFound => "not_found",
            UnknownUser => "unknown_user",
            UnknownMarket => "unknown_market",
            MethodNotAllowed => "method_not_allowed",
            BodyTooLarge => "body_too_large",
            TooManyIds => "too_many_ids",
            UriTooLong => "uri_too_long",
            HeadersTooLarge => "headers_too_large",
            Internal => "internal",
            Timeout => "timeout",
            Overloaded => "overloaded",
            Other(s) => other_code(s),
        }
    }

    /// The HTTP status the code is answered with.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            BadRequest | BadPath | BadQuery | RepeatedParameter | UnknownParameter
            | BadParameter | BadBody => StatusCode::BAD_REQUEST,
            Unauthorized => StatusCode::UNAUTHORIZED,
            NotFound | UnknownUser | UnknownMarket => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            BodyTooLarge | TooManyIds => StatusCode::PAYLOAD_TOO_LARGE,
            UriTooLong => StatusCode::URI_TOO_LONG,
            HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Timeout => StatusCode::REQUEST_TIMEOUT,
            Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Other(s) => s,
        }
    }

    /// The code for an error status that came without one (from axum or
    /// hyper): the specific code where the status has only one cause.
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::BAD_REQUEST => ErrorCode::BadRequest,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
            StatusCode::URI_TOO_LONG => ErrorCode::UriTooLong,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ErrorCode::HeadersTooLarge,
            StatusCode::INTERNAL_SERVER_ERROR => ErrorCode::Internal,
            StatusCode::REQUEST_TIMEOUT => ErrorCode::Timeout,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Overloaded,
            s => ErrorCode::Other(s),
        }
    }
}

/// `http_<status>` for statuses without a name of their own. The table is
/// static so `as_str` can stay `&'static str` (no allocation per error).
fn other_code(s: StatusCode) -> &'static str {
    match s.as_u16() {
        409 => "http_409",
        411 => "http_411",
        415 => "http_415",
        429 => "http_429",
        501 => "http_501",
        502 => "http_502",
        504 => "http_504",
        505 => "http_505",
        400..=499 => "http_4xx",
        _ => "http_5xx",
    }
}

/// The JSON body of an error, `{"error": code, "message": message}`.
pub fn body(code: ErrorCode, message: &str) -> String {
    serde_json::json!({ "error": code.as_str(), "message": message }).to_string()
}

/// An error response: the code's status, a JSON body.
pub fn error(code: ErrorCode, message: impl AsRef<str>) -> Response {
    (
        code.status(),
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body(code, message.as_ref()),
    )
        .into_response()
}

/// Longest text body of a lower layer's error kept as the message: axum's
/// rejections are one short line; anything longer is not worth echoing.
const MAX_ECHOED: usize = 512;

/// Rewrites any error response (status 400 and up) that is not JSON into
/// the JSON shape, keeping status and headers. Axum's own errors come out
/// as empty bodies (405) or `text/plain` (a path or query it could not
/// decode); the handlers' errors are JSON already and pass unchanged.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    to_json(next.run(req).await, &method).await
}

/// What [`json_errors`] does to one response to a `method` request (the
/// API's `observe` layer calls it directly: one layer less per request).
pub async fn to_json(resp: Response, method: &Method) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return resp;
    }
    let (mut parts, old) = resp.into_parts();
    let text = axum::body::to_bytes(old, MAX_ECHOED)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let code = ErrorCode::for_status(status);
    let message = match (code, text.is_empty()) {
        // axum adds `Allow` after the layers run, so it is not named here.
        (ErrorCode::MethodNotAllowed, _) => {
            format!("{method} is not allowed here; the Allow header lists the methods that are")
        }
        (_, false) => text,
        (_, true) => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    let new = body(code, &message);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_map_to_their_status() {
        use ErrorCode::*;
        let all = [
            BadRequest,
            BadPath,
            BadQuery,
            RepeatedParameter,
            UnknownParameter,
            BadParameter,
            BadBody,
            Unauthorized,
            NotFound,
            UnknownUser,
            UnknownMarket,
            MethodNotAllowed,
            BodyTooLarge,
            TooManyIds,
            UriTooLong,
            HeadersTooLarge,
            Internal,
            Timeout,
            Overloaded,
        ];
        let names: std::collections::BTreeSet<_> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), all.len());
        for c in all {
            assert!(c.status().as_u16() >= 400, "{c:?}");
        }
        assert_eq!(
            ErrorCode::for_status(StatusCode::IM_A_TEAPOT).as_str(),
            "http_4xx"
        );
        assert_eq!(
            ErrorCode::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE).status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }
}
