//! One error type for every HTTP handler. 4xx bodies say what was wrong (JSON
//! `{"error": ..., "field": ...}`); 5xx bodies say nothing internal, and the detail is logged.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A bad or missing signature: no detail, so a forger learns nothing.
    #[error("unauthorized")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("request body too large")]
    PayloadTooLarge,
    /// A well-formed request whose content is wrong: names the field.
    #[error("{field}: {reason}")]
    Unprocessable { field: String, reason: String },
    #[error("service unavailable")]
    Unavailable,
    /// `/readyz`: not ready, and why ("shutting down", "worker has not polled for 185 s").
    #[error("not ready: {0}")]
    NotReady(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::service::Error> for ApiError {
    fn from(e: crate::service::Error) -> Self {
        match e {
            crate::service::Error::Refused(crate::service::Refusal::Said(m)) => {
                ApiError::BadRequest(m)
            }
            crate::service::Error::Refused(r) => ApiError::BadRequest(format!("refused: {r:?}")),
            crate::service::Error::Store(s) => ApiError::Internal(s.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, json!({"error": "unauthorized"})),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, json!({"error": m})),
            ApiError::NotFound => (StatusCode::NOT_FOUND, json!({"error": "not found"})),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": "request body is larger than 1 MiB"}),
            ),
            ApiError::Unprocessable { field, reason } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": format!("{field}: {reason}"), "field": field}),
            ),
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "service unavailable"}),
            ),
            ApiError::NotReady(why) => (StatusCode::SERVICE_UNAVAILABLE, json!({"error": why})),
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal error"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}
