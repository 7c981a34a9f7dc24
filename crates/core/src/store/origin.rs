//! [`PartialOrigin`]: what a kept partial body is part of.

use crate::job::Job;

/// Where a partial body came from: the URL it was requested from and the
/// validators the server sent with it. A resume sends
/// [`PartialOrigin::if_range`] as `If-Range`, so that the server sends only
/// the rest when the representation is unchanged and the whole body when it
/// changed; with no usable validator, or for another URL, the body must be
/// started afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialOrigin {
    /// The URL the body was requested from.
    pub url: String,
    /// The `ETag` the server sent, as sent (quotes and any `W/` included).
    pub etag: Option<String>,
    /// The `Last-Modified` the server sent, as sent.
    pub last_modified: Option<String>,
}

impl PartialOrigin {
    /// The origin of a body of `url` sent with these validators.
    pub fn new(
        url: impl Into<String>,
        etag: Option<String>,
        last_modified: Option<String>,
    ) -> Self {
        Self {
            url: url.into(),
            etag,
            last_modified,
        }
    }

    /// The strong `ETag`, if one was sent (a weak one, `W/"…"`, cannot
    /// validate a byte range).
    pub fn strong_etag(&self) -> Option<&str> {
        self.etag
            .as_deref()
            .filter(|tag| tag.starts_with('"') && tag.len() >= 2 && tag.ends_with('"'))
    }

    /// The value to send as `If-Range`: the strong `ETag`, else
    /// `Last-Modified`; `None` when neither was sent, and the partial body
    /// cannot be validated.
    pub fn if_range(&self) -> Option<&str> {
        self.strong_etag().or(self.last_modified.as_deref())
    }

    /// Whether this is the origin of a body of `job`: the same URL.
    pub fn is_for(&self, job: &Job) -> bool {
        self.url == job.url()
    }

    /// Whether every field can be recorded: none holds a control character
    /// (a record is one field a line). An origin that cannot be recorded is
    /// not kept, and the partial body is then offered without one.
    pub(crate) fn is_recordable(&self) -> bool {
        let clean = |s: &str| !s.chars().any(char::is_control);
        clean(&self.url)
            && self.etag.as_deref().is_none_or(clean)
            && self.last_modified.as_deref().is_none_or(clean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_range_prefers_a_strong_etag() {
        let lm = Some("Tue, 01 Dec 2026 09:00:00 GMT".to_owned());
        let strong = PartialOrigin::new("u", Some("\"v1\"".into()), lm.clone());
        assert_eq!(strong.if_range(), Some("\"v1\""));
        let weak = PartialOrigin::new("u", Some("W/\"v1\"".into()), lm.clone());
        assert_eq!(weak.if_range(), lm.as_deref());
        let none = PartialOrigin::new("u", Some("W/\"v1\"".into()), None);
        assert_eq!(none.if_range(), None);
    }

    #[test]
    fn control_characters_are_not_recordable() {
        assert!(PartialOrigin::new("http://h/a", None, None).is_recordable());
        assert!(!PartialOrigin::new("http://h/a\nx", None, None).is_recordable());
        assert!(!PartialOrigin::new("u", Some("\"a\r\"".into()), None).is_recordable());
    }
}
