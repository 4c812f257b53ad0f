//! K12 offline face-pay contracts: terminating a user's contract.

use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::path_id::encode_path_id;

impl Client {
    /// Terminates the face-pay contract of `user_id` in `organization_id`:
    /// `POST /v3/offlinefacemch/organizations/{organization_id}/users/user-id/{user_id}/terminate-contract`.
    ///
    /// Succeeds when WeChat Pay answers 2xx without a body (204) and the response's signature
    /// verifies. Invalid ids fail with [`crate::ErrorKind::InvalidArgument`] before anything
    /// is sent; an unknown or already terminated user is an [`crate::ErrorKind::Api`] error.
    pub fn terminate_contract(&self, organization_id: &str, user_id: &str) -> Result<(), Error> {
        let organization = encode_path_id("organization_id", organization_id)?;
        let user = encode_path_id("user_id", user_id)?;
        self.execute(&Call {
            name: "terminate-contract",
            method: "POST",
            target: format!(
                "/v3/offlinefacemch/organizations/{organization}/users/user-id/{user}/terminate-contract"
            ),
            body: None,
            success: Success::NoContent,
        })?;
        Ok(())
    }
}
