//! The API's error answer: `{"error": "<rule>", "message": "<one
//! sentence>"}` with a fitting status, and how each way a request can fail
//! becomes one (shared by the API, its token check and the classic
//! clients' routes).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::MAX_BODY_BYTES;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) error: String,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, error: &str, message: impl ToString) -> ApiError {
        ApiError {
            status,
            error: error.to_owned(),
            message: message.to_string(),
        }
    }

    pub(crate) fn bad(error: &str, message: impl ToString) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error, message)
    }
}

/// What an error answer says.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The rule broken, in snake case (`insufficient_funds`, `limit`, …).
    error: String,
    /// One sentence.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.error,
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    /// One rule for each way a body fails: too large (413), not declared
    /// JSON (415), not JSON or not the expected fields (400).
    fn from(e: JsonRejection) -> ApiError {
        match &e {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON, sent with `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(_) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("a request body is at most {MAX_BODY_BYTES} bytes"),
                )
            }
            JsonRejection::BytesRejection(_) if timed_out(&e) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "the request's body did not arrive in time",
            ),
            JsonRejection::BytesRejection(_) => ApiError::bad("bad_body", e.body_text()),
            _ => ApiError::bad("bad_json", e.body_text()),
        }
    }
}

/// Whether a body failed because its deadline passed (see
/// [`crate::serve`]).
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> ApiError {
        ApiError::bad("bad_path", e.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> ApiError {
        ApiError::bad("bad_query", e.body_text())
    }
}
