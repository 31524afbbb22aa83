//! The admin token: changing operations (retrain, switch, promote, delete) need
//! `Authorization: Bearer <token>` when one is configured (`--admin-token` /
//! `POTABLE_ADMIN_TOKEN`); reads stay open. The comparison takes the same time wherever the
//! first differing byte is.

use super::error::ApiError;
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use std::sync::Arc;

/// The configured admin token, if any.
#[derive(Clone, Default)]
pub struct AdminToken(Option<Arc<[u8]>>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "AdminToken(set)"
        } else {
            "AdminToken(none)"
        })
    }
}

impl AdminToken {
    /// A token (`None` or empty: changing operations are open).
    pub fn new(token: Option<&str>) -> Self {
        Self(
            token
                .filter(|t| !t.is_empty())
                .map(|t| Arc::from(t.as_bytes())),
        )
    }

    /// Whether a token is configured.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Whether `token` is the configured one (constant time); true when none is configured.
    pub fn matches(&self, token: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|expected| constant_time_eq(token.as_bytes(), expected))
    }

    /// Checks the request's bearer token; returns the actor name to record.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<&'static str, ApiError> {
        let Some(expected) = &self.0 else {
            return Ok("api");
        };
        let given = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token);
        match given {
            None => Err(ApiError::Unauthorized(
                "this operation needs the admin token: send `Authorization: Bearer <token>`".into(),
            )),
            Some(token) if constant_time_eq(token.as_bytes(), expected) => Ok("admin"),
            Some(_) => Err(ApiError::Unauthorized("the admin token is wrong".into())),
        }
    }
}

/// The token of an `Authorization` value; the scheme name is case-insensitive (RFC 9110).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn bearer_token_is_checked_only_when_configured() {
        assert_eq!(
            AdminToken::new(None).authorize(&HeaderMap::new()).unwrap(),
            "api"
        );
        assert_eq!(
            AdminToken::new(Some(""))
                .authorize(&HeaderMap::new())
                .unwrap(),
            "api"
        );
        let token = AdminToken::new(Some("s3cret"));
        assert!(token.is_set());
        for good in ["Bearer s3cret", "bearer s3cret", "BEARER  s3cret "] {
            assert_eq!(token.authorize(&headers(good)).unwrap(), "admin", "{good}");
        }
        for bad in [
            "Bearer s3cre",
            "Bearer s3cretx",
            "Basic s3cret",
            "s3cret",
            "Bearer ",
        ] {
            assert!(token.authorize(&headers(bad)).is_err(), "{bad}");
        }
        assert!(token.authorize(&HeaderMap::new()).is_err());
        assert!(token.matches("s3cret"));
        assert!(!token.matches("s3cre"));
        assert!(AdminToken::new(None).matches("anything"));
    }

    #[test]
    fn constant_time_eq_is_plain_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
