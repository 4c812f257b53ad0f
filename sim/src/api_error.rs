//! A WeChat Pay API error before it becomes a signed `{"code","message","detail"}` answer.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::answer::Answer;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) detail: Option<Value>,
}

impl ApiError {
    /// 400 `PARAM_ERROR` about one field, named by its path (`amount.total`), which
    /// `detail.field` repeats for programs.
    pub(crate) fn param(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "PARAM_ERROR",
            message: message.into(),
            detail: Some(json!({ "field": field })),
        }
    }

    /// 400 `PARAM_ERROR` about the request as a whole (a body that is not JSON).
    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "PARAM_ERROR",
            message: message.into(),
            detail: None,
        }
    }

    /// 400 `INVALID_REQUEST`: well-formed, but not possible in the current state (the
    /// live service's answer to an unusable deduction credential).
    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_REQUEST",
            message: message.into(),
            detail: None,
        }
    }

    /// 404 `NOT_FOUND`.
    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: message.into(),
            detail: None,
        }
    }
}

impl From<ApiError> for Answer {
    fn from(e: ApiError) -> Answer {
        Answer::error(e.status, e.code, &e.message, e.detail)
    }
}
