//! `GET /v3/certificates`: the platform certificates, each sealed with the APIv3 key.

use hyper::StatusCode;

use crate::answer::Answer;
use crate::api::ApiRequest;
use crate::api_error::ApiError;
use crate::shared::Shared;
use crate::signer::unix_now;

/// Answered in both key modes. The answer is signed by a platform certificate and names
/// its serial, so that a client holding no key yet can verify it with a certificate of
/// the download itself (what the official SDKs do).
pub(crate) fn download(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let download = shared
        .keys
        .certificates
        .download(&shared.apiv3_key, unix_now())
        .map_err(|e| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "SYSTEM_ERROR",
            message: format!("sealing the certificates failed: {e}"),
            detail: None,
        })?;
    shared.stats.record_certificate_download();
    Ok(Answer::json_bytes(StatusCode::OK, download.body).signed_by(download.signer))
}
