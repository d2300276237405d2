//! Path-aware field access over `serde_json::Value`.
//!
//! Payloads are parsed to a `Value` first and read through [`Obj`], so every error names the
//! JSON path of the offending field (`freshdesk_webhook.ticket_id`, `review.rating`), which a
//! derive on a wire struct cannot do without an extra dependency. Absent and `null` are the same
//! thing; an empty or blank string is treated as absent for optional text (helpdesks render an
//! unset placeholder as "").

use super::WebhookError;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub(crate) fn parse_body(body: &[u8]) -> Result<Value, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::Malformed {
        field: "body".into(),
        reason: format!("invalid JSON: {e}"),
    })
}

/// The body of a helpdesk that batches (HubSpot, Zoho Desk): a JSON array, else Malformed.
pub(crate) fn event_array<'a>(
    body: &'a Value,
    helpdesk: &str,
) -> Result<&'a [Value], WebhookError> {
    match body {
        Value::Array(items) => Ok(items),
        _ => Err(malformed(
            "body",
            format!("expected a JSON array of {helpdesk} events"),
        )),
    }
}

/// A short, stable digest of a JSON value: keys are hashed in sorted order and whitespace is
/// not hashed, so two deliveries of the same content give the same digest whatever their
/// formatting (and whether or not serde_json's `preserve_order` is on elsewhere in the build).
pub(crate) fn digest(value: &Value) -> String {
    fn feed(h: &mut Sha256, v: &Value) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                h.update(b"{");
                for k in keys {
                    feed(h, &Value::String(k.clone()));
                    h.update(b":");
                    feed(h, &map[k]);
                    h.update(b",");
                }
                h.update(b"}");
            }
            Value::Array(items) => {
                h.update(b"[");
                for item in items {
                    feed(h, item);
                    h.update(b",");
                }
                h.update(b"]");
            }
            // Scalars: their JSON text is already canonical.
            scalar => h.update(scalar.to_string().as_bytes()),
        }
    }
    let mut h = Sha256::new();
    feed(&mut h, value);
    hex::encode(&h.finalize()[..8])
}

#[derive(Clone, Copy)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

/// Owned path storage for nested objects, so `Obj` can stay `Copy`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn malformed(field: impl Into<String>, reason: impl Into<String>) -> WebhookError {
    WebhookError::Malformed {
        field: field.into(),
        reason: reason.into(),
    }
}

impl<'a> Obj<'a> {
    /// `path` is where this object sits ("" for the body itself).
    pub fn new(value: &'a Value, path: &'a str) -> Result<Self, WebhookError> {
        match value {
            Value::Object(map) => Ok(Self { map, path }),
            _ => Err(malformed(
                if path.is_empty() { "body" } else { path },
                "expected a JSON object",
            )),
        }
    }

    pub fn path(&self, key: &str) -> String {
        join(self.path, key)
    }

    pub fn err(&self, key: &str, reason: impl Into<String>) -> WebhookError {
        malformed(self.path(key), reason)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The key is there, even as `null` (a previous state that was "no value").
    pub fn present(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The nested object's value (to be wrapped with [`Obj::new`] and [`Obj::path`]).
    pub fn object(&self, key: &str) -> Result<Option<&'a Value>, WebhookError> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(_) => Err(self.err(key, "expected an object")),
        }
    }

    pub fn req_object(&self, key: &str) -> Result<&'a Value, WebhookError> {
        self.object(key)?
            .ok_or_else(|| self.err(key, "missing required field"))
    }

    /// Optional text: absent, null, "" and whitespace are all `None`; the value is trimmed.
    pub fn str(&self, key: &str) -> Result<Option<&'a str>, WebhookError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
            Some(_) => Err(self.err(key, "expected a string")),
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<String>, WebhookError> {
        Ok(self.str(key)?.map(str::to_owned))
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, WebhookError> {
        self.str(key)?
            .ok_or_else(|| self.err(key, "missing required field"))
    }

    /// The first of several spellings that is present, with the key it was found under.
    pub fn first_str(&self, keys: &[&'a str]) -> Result<Option<(&'a str, &'a str)>, WebhookError> {
        for &key in keys {
            if let Some(s) = self.str(key)? {
                return Ok(Some((key, s)));
            }
        }
        Ok(None)
    }

    /// A nested array (its items read with [`Obj::new`] and an indexed path, `parts[2]`).
    pub fn array(&self, key: &str) -> Result<Option<&'a [Value]>, WebhookError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(self.err(key, "expected an array")),
        }
    }

    /// An identifier sent as a string or as a non-negative integer.
    pub fn id(&self, key: &str) -> Result<Option<String>, WebhookError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_u64() => Ok(Some(n.to_string())),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
            Some(_) => Err(self.err(key, "expected a string or an integer id")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, WebhookError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(key, "expected true or false")),
        }
    }

    pub fn u64(&self, key: &str) -> Result<Option<u64>, WebhookError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.err(key, "expected a non-negative integer")),
            Some(_) => Err(self.err(key, "expected an integer")),
        }
    }

    /// A list of strings sent as a JSON array, or as one string split on any of `separators`
    /// (helpdesk placeholders render lists as "a, b" or "a b"). Blank items are dropped.
    pub fn str_list(&self, key: &str, separators: &[char]) -> Result<Vec<String>, WebhookError> {
        let items: Vec<String> = match self.get(key) {
            None => Vec::new(),
            Some(Value::String(s)) => s.split(separators).map(str::to_owned).collect(),
            Some(Value::Array(values)) => values
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(malformed(
                        format!("{}[{i}]", self.path(key)),
                        "expected a string",
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => Err(self.err(key, "expected a list of strings"))?,
        };
        Ok(items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_nested_path() {
        let v = json!({"ticket": {"id": true, "tags": ["a", 3]}});
        let root = Obj::new(&v, "").unwrap();
        let ticket = Obj::new(root.req_object("ticket").unwrap(), "ticket").unwrap();
        assert_eq!(
            ticket.id("id").unwrap_err(),
            malformed("ticket.id", "expected a string or an integer id")
        );
        assert_eq!(
            ticket.str_list("tags", &[',']).unwrap_err(),
            malformed("ticket.tags[1]", "expected a string")
        );
        assert_eq!(
            root.req_str("id").unwrap_err(),
            malformed("id", "missing required field")
        );
    }

    #[test]
    fn blank_and_null_text_is_absent_and_lists_split() {
        let v = json!({"a": "  ", "b": null, "c": " x ", "tags": "vip, refund,,", "n": 11});
        let o = Obj::new(&v, "").unwrap();
        assert_eq!(o.str("a").unwrap(), None);
        assert_eq!(o.str("b").unwrap(), None);
        assert_eq!(o.str("c").unwrap(), Some("x"));
        assert_eq!(o.str_list("tags", &[',']).unwrap(), ["vip", "refund"]);
        assert_eq!(o.id("n").unwrap().as_deref(), Some("11"));
    }

    #[test]
    fn digest_ignores_formatting_and_key_order_but_not_content() {
        let a = parse_body(br#"{"a": 1, "b": {"c": "x"}}"#).unwrap();
        let b = parse_body(b"{\"b\":{\"c\":\"x\"},\n\"a\":1}").unwrap();
        let c = parse_body(br#"{"a": 2, "b": {"c": "x"}}"#).unwrap();
        assert_eq!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&c));
        assert_eq!(digest(&a).len(), 16);
    }

    #[test]
    fn invalid_json_names_the_body() {
        match parse_body(b"{\"a\": 1,}") {
            Err(WebhookError::Malformed { field, reason }) => {
                assert_eq!(field, "body");
                assert!(reason.starts_with("invalid JSON"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
