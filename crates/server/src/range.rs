//! Single byte ranges (`Range: bytes=N-`, `bytes=N-M`, `bytes=-S`).

/// What to send for a `Range` header against a body of known length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RangeReply {
    /// No usable range: 200 with the whole body. Multiple ranges, other
    /// units and malformed headers land here too, as RFC 9110 allows.
    Full,
    /// 206 with bytes `start..=end`.
    Partial {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// 416: the range starts at or beyond the end.
    Unsatisfiable,
}

/// Resolves a `Range` header value for a body of `len` bytes.
pub(crate) fn resolve(header: Option<&str>, len: u64) -> RangeReply {
    let Some(spec) = header.and_then(|h| strip_unit(h.trim())) else {
        return RangeReply::Full;
    };
    if spec.contains(',') {
        return RangeReply::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeReply::Full;
    };
    match (number(first), number(last)) {
        (Some(start), None) if last.trim().is_empty() => from(start, len.saturating_sub(1), len),
        (Some(start), Some(end)) if start <= end => {
            from(start, end.min(len.saturating_sub(1)), len)
        }
        (None, Some(suffix)) if first.trim().is_empty() => {
            if suffix == 0 || len == 0 {
                RangeReply::Unsatisfiable
            } else {
                RangeReply::Partial {
                    start: len - suffix.min(len),
                    end: len - 1,
                }
            }
        }
        _ => RangeReply::Full,
    }
}

fn from(start: u64, end: u64, len: u64) -> RangeReply {
    if start >= len {
        RangeReply::Unsatisfiable
    } else {
        RangeReply::Partial { start, end }
    }
}

fn strip_unit(h: &str) -> Option<&str> {
    let (unit, spec) = h.split_once('=')?;
    unit.trim().eq_ignore_ascii_case("bytes").then_some(spec)
}

fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::RangeReply::*;
    use super::*;

    #[test]
    fn open_closed_and_suffix_ranges() {
        assert_eq!(
            resolve(Some("bytes=10-"), 100),
            Partial { start: 10, end: 99 }
        );
        assert_eq!(
            resolve(Some("bytes=10-19"), 100),
            Partial { start: 10, end: 19 }
        );
        assert_eq!(
            resolve(Some("bytes=90-500"), 100),
            Partial { start: 90, end: 99 }
        );
        assert_eq!(
            resolve(Some("bytes=-30"), 100),
            Partial { start: 70, end: 99 }
        );
        assert_eq!(
            resolve(Some("bytes=-300"), 100),
            Partial { start: 0, end: 99 }
        );
        assert_eq!(
            resolve(Some("Bytes = 0-0"), 100),
            Partial { start: 0, end: 0 }
        );
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(resolve(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=100-200"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-"), 0), Unsatisfiable);
    }

    #[test]
    fn unusable_headers_mean_full_body() {
        for h in [
            "items=0-1",
            "bytes=5-2",
            "bytes=0-1,3-4",
            "bytes=abc",
            "bytes=-",
            "bytes=+1-",
        ] {
            assert_eq!(resolve(Some(h), 100), Full, "{h}");
        }
        assert_eq!(resolve(None, 100), Full);
    }
}
