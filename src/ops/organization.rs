//! K12 organizations (schools): looking one up by id or by name.

use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::query::Target;
use crate::response::Response;

impl Client {
    /// `GET /v3/offlinefacemch/organizations?organization_id=…` or `?organization_name=…`:
    /// exactly one of the two (a name is usually Chinese; it is percent-encoded). Answers
    /// `organization_id` and `organization_name`.
    pub fn query_organization(
        &self,
        organization_id: Option<&str>,
        organization_name: Option<&str>,
    ) -> Result<Response, Error> {
        let target = Target::new("/v3/offlinefacemch/organizations".into());
        let target = match (organization_id, organization_name) {
            (Some(id), None) => target.param("organization_id", id)?,
            (None, Some(name)) => target.param("organization_name", name)?,
            _ => {
                return Err(Error::invalid_argument(
                    "query-organization: give exactly one of organization_id and organization_name",
                ));
            }
        };
        self.execute(&Call {
            name: "query-organization",
            method: "GET",
            target: target.finish(),
            body: None,
            success: Success::JsonObject,
        })
    }
}
