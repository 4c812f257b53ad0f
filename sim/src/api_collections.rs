//! Face re-collection requests: list them for an organization, query one.

use serde_json::{Value, json};

use crate::answer::Answer;
use crate::api::{ApiRequest, ok_json};
use crate::api_error::ApiError;
use crate::api_users::unknown_organization;
use crate::shared::Shared;
use crate::sync::lock;

/// `limit` when the request gives none, and the most it may ask for.
const DEFAULT_LIMIT: u64 = 10;
const MAX_LIMIT: u64 = 50;

/// `GET /v3/offlineface/face-collections?organization_id=…[&offset=N][&limit=N]`
pub(crate) fn list(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    let query = request.query(&["organization_id", "offset", "limit"])?;
    let org = query.required("organization_id")?;
    let offset = query.number("offset", 0, u64::from(u32::MAX), 0)?;
    let limit = query.number("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)?;
    let dir = lock(&shared.directory);
    if dir.organization_name(org).is_none() {
        return Err(unknown_organization(org));
    }
    let page: Vec<Value> = dir
        .collections_of(org)
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|c| c.to_json())
        .collect();
    Ok(ok_json(&json!({ "face_collections": page })))
}

/// `GET /v3/offlineface/face-collections/{collection_id}`
pub(crate) fn query(
    shared: &Shared,
    request: &ApiRequest,
    collection_id: &str,
) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let dir = lock(&shared.directory);
    let collection = dir.collection(collection_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "face re-collection request {collection_id} does not exist"
        ))
    })?;
    Ok(ok_json(&collection.to_json()))
}
