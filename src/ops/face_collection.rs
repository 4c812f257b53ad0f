//! Face re-collection requests: the pupils whose face photo must be taken again.

use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::path_id::encode_path_id;
use crate::query::Target;
use crate::response::Response;

impl Client {
    /// `GET /v3/offlineface/face-collections?organization_id=…&offset=…[&limit=…]`: answers
    /// `face_collections`, from `offset`; `limit` is sent only when given.
    pub fn list_face_collections(
        &self,
        organization_id: &str,
        offset: u32,
        limit: Option<u32>,
    ) -> Result<Response, Error> {
        let target = Target::new("/v3/offlineface/face-collections".into())
            .param("organization_id", organization_id)?
            .param("offset", &offset.to_string())?
            .optional("limit", limit.map(|n| n.to_string()).as_deref())?
            .finish();
        self.execute(&Call {
            name: "list-face-collections",
            method: "GET",
            target,
            body: None,
            success: Success::JsonObject,
        })
    }

    /// `GET /v3/offlineface/face-collections/{collection_id}`: one re-collection request.
    pub fn query_face_collection(&self, collection_id: &str) -> Result<Response, Error> {
        let collection = encode_path_id("collection_id", collection_id)?;
        self.execute(&Call {
            name: "query-face-collection",
            method: "GET",
            target: format!("/v3/offlineface/face-collections/{collection}"),
            body: None,
            success: Success::JsonObject,
        })
    }
}
