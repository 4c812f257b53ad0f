//! One signed call as an operation describes it: what to send, and what its success looks
//! like, so that every check of a response happens in one place (`Client::execute`).

use crate::error::Error;

/// A request to send: the method, the request target exactly as it goes on the wire (already
/// percent-encoded; the signature covers these bytes) and the body bytes.
pub(crate) struct Call {
    /// The operation's name in messages, e.g. `"terminate-contract"`.
    pub name: &'static str,
    pub method: &'static str,
    pub target: String,
    pub body: Option<Vec<u8>>,
    pub success: Success,
}

/// The documented success of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Success {
    /// `204 No Content` (update user, terminate contract).
    NoContent,
}

impl Success {
    /// Checks a verified 2xx response against the documented success.
    pub(crate) fn check(self, name: &str, status: u16, body: &[u8]) -> Result<(), Error> {
        match self {
            Success::NoContent if status != 204 || !body.is_empty() => {
                Err(Error::response(format!(
                    "{name} answered {status} with a {}-byte body; expected 204 No Content",
                    body.len()
                )))
            }
            _ => Ok(()),
        }
    }
}
