//! A verified response that carries data: its HTTP status, its Request-ID and its body, and
//! the body's values by JSON pointer (RFC 6901).

use serde_json::Value;

use crate::json_pointer;
use crate::printable::printable_line;

/// What WeChat Pay answered to a successful call, after its signature verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    http_status: u16,
    request_id: String,
    body: String,
    json: Option<Value>,
}

impl Response {
    /// `body` is the verified body as received (empty for a 204), `json` its parsed value.
    pub(crate) fn new(
        http_status: u16,
        request_id: &str,
        body: String,
        json: Option<Value>,
    ) -> Self {
        Response {
            http_status,
            request_id: printable_line(request_id),
            body,
            json,
        }
    }

    /// 200, 204, …
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The `Request-ID` header (keep it for the audit log), or "".
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The body as received; "" for a 204.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The body as JSON; `None` when it is empty.
    pub fn json(&self) -> Option<&Value> {
        self.json.as_ref()
    }

    /// The value an RFC 6901 JSON pointer names in the body (`""` is the whole body,
    /// `/face_collections/0/collection_id` a field of an array item). `None` when nothing
    /// matches, the body is empty, or the pointer is ill-formed (not `""` or starting with `/`,
    /// a `~` not followed by `0` or `1`, an array index with a sign or a leading zero).
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        json_pointer::get(self.json.as_ref()?, pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(body: Value) -> Response {
        Response::new(200, "R-1", body.to_string(), Some(body))
    }

    #[test]
    fn pointers_read_the_body() {
        let r = response(json!({"list": [{"id": "x"}, {"id": "y"}]}));
        assert_eq!(r.pointer(""), r.json());
        assert_eq!(r.pointer("/list/1/id"), Some(&json!("y")));
        assert_eq!(r.pointer("/list/01"), None);
    }

    #[test]
    fn an_empty_body_has_no_values_at_all() {
        let r = Response::new(204, "R-2", String::new(), None);
        assert_eq!(
            (r.http_status(), r.request_id(), r.body()),
            (204, "R-2", "")
        );
        assert_eq!(r.pointer(""), None);
    }
}
