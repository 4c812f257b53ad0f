//! RFC 6901 JSON pointers, read strictly: `""` is the whole document, anything else is
//! `/`-separated reference tokens with `~1` for `/` and `~0` for `~`; an array index is `0` or
//! digits without a leading zero. An ill-formed pointer names nothing.

use serde_json::Value;

/// The value `pointer` names in `document`.
pub(crate) fn get<'v>(document: &'v Value, pointer: &str) -> Option<&'v Value> {
    tokens(pointer)?
        .into_iter()
        .try_fold(document, |value, token| match value {
            Value::Object(members) => members.get(&token),
            Value::Array(items) => items.get(array_index(&token)?),
            _ => None,
        })
}

/// The value `pointer` names in `document`, to change it.
pub(crate) fn get_mut<'v>(document: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    tokens(pointer)?
        .into_iter()
        .try_fold(document, |value, token| match value {
            Value::Object(members) => members.get_mut(&token),
            Value::Array(items) => items.get_mut(array_index(&token)?),
            _ => None,
        })
}

/// The unescaped reference tokens, or `None` for an ill-formed pointer.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .map(unescape)
        .collect()
}

/// A reference token with `~1` → `/` and `~0` → `~`; any other `~` is ill-formed.
fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// `0`, or digits without a leading zero (`-`, past the end, names nothing here).
fn array_index(token: &str) -> Option<usize> {
    let well_formed = token == "0"
        || (!token.starts_with('0')
            && !token.is_empty()
            && token.bytes().all(|b| b.is_ascii_digit()));
    well_formed.then(|| token.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_follow_rfc_6901() {
        let doc = json!({
            "a/b": 1, "m~n": 2, "": 3, "list": [{"id": "x"}, {"id": "y"}], "n": null,
        });
        assert_eq!(get(&doc, ""), Some(&doc));
        assert_eq!(get(&doc, "/a~1b"), Some(&json!(1)));
        assert_eq!(get(&doc, "/m~0n"), Some(&json!(2)));
        assert_eq!(get(&doc, "/"), Some(&json!(3)));
        assert_eq!(get(&doc, "/list/1/id"), Some(&json!("y")));
        assert_eq!(get(&doc, "/n"), Some(&Value::Null));
        for absent in [
            "/list/2",
            "/list/01",
            "/list/+1",
            "/list/-",
            "/nope",
            "/n/x",
            "/list/0/id/x",
        ] {
            assert_eq!(get(&doc, absent), None, "{absent}");
        }
        for ill_formed in ["a", "/m~2n", "/m~", "#/a~1b"] {
            assert_eq!(get(&doc, ill_formed), None, "{ill_formed}");
        }
        let mut doc = doc;
        *get_mut(&mut doc, "/list/0/id").unwrap() = json!("z");
        assert_eq!(doc["list"][0]["id"], "z");
    }
}
