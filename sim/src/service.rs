//! One request, start to finish: control requests, then for API requests the faults
//! that act first, Authorization, the faults that replace processing, and the API.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::{Request, Response, StatusCode};

use crate::answer::{Answer, AnswerBody};
use crate::api::ApiRequest;
use crate::auth::{SignedRequest, sign_error_detail};
use crate::fault_answers::fault_answer;
use crate::faults::{Fault, Phase};
use crate::shared::Shared;
use crate::signer::unix_now;
use crate::{api, control};

/// Request bodies above this are refused (413) instead of being held in memory.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Returned to hyper to end the connection without writing a response: hyper then
/// closes the socket, which is exactly the `drop_connection` fault (and the only sane
/// reaction when the client's own body upload broke).
#[derive(Debug)]
pub(crate) struct CloseConnection(&'static str);

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for CloseConnection {}

enum BodyError {
    TooLarge,
    Broken,
}

async fn read_body(body: Incoming) -> Result<Bytes, BodyError> {
    match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Broken),
    }
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<AnswerBody>, CloseConnection> {
    let (head, body) = request.into_parts();
    let path = head.uri.path().to_owned();
    let query = head.uri.query().map(str::to_owned);
    // The signed target is the path and query exactly as they came on the wire.
    let target = head
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| head.uri.to_string());

    if control::is_control_path(&path) {
        let answer = match read_body(body).await {
            Ok(body) => {
                // Control requests may block (waiting for deliveries, delivering,
                // generating a key): not on a worker the API needs.
                let shared = shared.clone();
                let method = head.method.clone();
                let blocking = tokio::task::spawn_blocking(move || {
                    control::handle(&shared, &method, &path, query.as_deref(), &body)
                });
                blocking
                    .await
                    .unwrap_or_else(|_| Answer::control(StatusCode::INTERNAL_SERVER_ERROR, None))
            }
            Err(BodyError::TooLarge) => Answer::control(StatusCode::PAYLOAD_TOO_LARGE, None),
            Err(BodyError::Broken) => return Err(CloseConnection("request body broken")),
        };
        return Ok(answer.into_response(&shared.keys.answer_signer()));
    }

    shared.stats.record_request(&path);
    if shared.count_api_request() {
        // `--rotate-platform-certificate-after N`: this is request N+1. RSA key
        // generation takes a moment: off the async workers.
        let rotating = shared.clone();
        let rotated =
            tokio::task::spawn_blocking(move || rotating.rotate_platform_certificate()).await;
        if let Ok(Err(e)) = rotated {
            eprintln!("wxface-sim: rotating the platform certificate failed: {e}");
        }
    }
    let serial = head
        .headers
        .get("wechatpay-serial")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    // Every API request that arrives whole is logged (ENC fields opened), whatever
    // becomes of it: tests look at what the client sent.
    let arrived = |body: Bytes| {
        let request = ApiRequest::new(
            shared.keys.request_key(serial.as_deref()),
            head.method.clone(),
            target.clone(),
            query.clone(),
            path.clone(),
            serial.clone(),
            body,
        );
        shared.requests.record(request.log_entry());
        request
    };
    match shared.faults.take(Phase::BeforeAuth) {
        Some(Fault::DropConnection) => {
            // Read the whole request first, so the client has certainly sent it.
            if let Ok(body) = read_body(body).await {
                arrived(body);
            }
            return Err(CloseConnection("drop_connection fault"));
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        _ => {}
    }
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            let message = format!("request body over {MAX_REQUEST_BODY} bytes");
            let answer =
                Answer::error(StatusCode::PAYLOAD_TOO_LARGE, "PARAM_ERROR", &message, None);
            return Ok(answer.into_response(&shared.keys.answer_signer()));
        }
        Err(BodyError::Broken) => return Err(CloseConnection("request body broken")),
    };
    let request = arrived(body.clone());

    let signed = SignedRequest {
        method: head.method.as_str(),
        target: &target,
        authorization: head.headers.get(AUTHORIZATION).map(|v| v.as_bytes()),
        body: &body,
    };
    let answer = match shared.verifier.verify(&signed, unix_now()) {
        Err(failure) => {
            shared.stats.record_signature_failure();
            let message = format!("signature verification failed: {}", failure.issue);
            let detail = sign_error_detail(&signed, &failure);
            Answer::error(
                StatusCode::UNAUTHORIZED,
                "SIGN_ERROR",
                &message,
                Some(detail),
            )
        }
        Ok(()) => match shared
            .faults
            .take(Phase::AfterAuth)
            .and_then(|f| fault_answer(&f))
        {
            Some(answer) => answer,
            None => api::route(&shared, &request),
        },
    };
    Ok(answer.into_response(&shared.keys.answer_signer()))
}
