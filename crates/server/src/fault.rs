//! The faults the server can inject, with their kebab-case names.

use std::fmt;
use std::str::FromStr;

/// A way a response can go wrong. Selected per request from
/// [`ServerConfig::faults`](crate::ServerConfig::faults) at
/// [`ServerConfig::fault_rate`](crate::ServerConfig::fault_rate), or always
/// at `/fault/<name>/<file>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Read the request, then close with a TCP RST before any response byte.
    ResetBeforeHeaders,
    /// Headers with the full `Content-Length`, half the body, then a TCP RST.
    ResetMidBody,
    /// Headers with the full `Content-Length`, half the body, then a clean close (FIN).
    ShortBody,
    /// Read the request, send nothing for [`ServerConfig::stall`](crate::ServerConfig::stall), then close.
    Stall,
    /// 200 with the full `Content-Length`, then the body 16 bytes every 200 ms.
    SlowDrip,
    /// 200 with a `Content-Length` of 64 MiB, and that many bytes.
    Oversized,
    /// 200, chunked (no `Content-Length`), 64 MiB of bytes.
    OversizedChunked,
    /// Read the request, answer with non-HTTP bytes, close.
    Garbage,
    /// 302 to the same URL, forever.
    RedirectLoop,
    /// 302 to `ftp://127.0.0.1:1/<name>`, a scheme no HTTP client follows.
    RedirectScheme,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: [Fault; 10] = [
        Fault::ResetBeforeHeaders,
        Fault::ResetMidBody,
        Fault::ShortBody,
        Fault::Stall,
        Fault::SlowDrip,
        Fault::Oversized,
        Fault::OversizedChunked,
        Fault::Garbage,
        Fault::RedirectLoop,
        Fault::RedirectScheme,
    ];

    /// The kebab-case name (`"reset-mid-body"`), as used in URLs and on the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ResetBeforeHeaders => "reset-before-headers",
            Fault::ResetMidBody => "reset-mid-body",
            Fault::ShortBody => "short-body",
            Fault::Stall => "stall",
            Fault::SlowDrip => "slow-drip",
            Fault::Oversized => "oversized",
            Fault::OversizedChunked => "oversized-chunked",
            Fault::Garbage => "garbage",
            Fault::RedirectLoop => "redirect-loop",
            Fault::RedirectScheme => "redirect-scheme",
        }
    }

    /// All names joined by `", "`, for help and error messages.
    pub fn valid_names() -> String {
        Fault::ALL.map(Fault::name).join(", ")
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that names no [`Fault`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {given:?}; valid faults: {}", Fault::valid_names())]
pub struct ParseFaultError {
    given: String,
}

impl ParseFaultError {
    /// The string that was rejected.
    pub fn given(&self) -> &str {
        &self.given
    }
}

impl FromStr for Fault {
    type Err = ParseFaultError;

    /// Parses a kebab-case name; case and `_` for `-` are forgiven.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| ParseFaultError {
                given: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.to_string().parse::<Fault>(), Ok(f));
        }
        assert_eq!("Short_Body".parse::<Fault>(), Ok(Fault::ShortBody));
    }

    #[test]
    fn serde_names_are_the_kebab_case_names() {
        for f in Fault::ALL {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.name()));
            assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), f);
        }
    }

    #[test]
    fn unknown_name_lists_valid_ones() {
        let err = "explode".parse::<Fault>().unwrap_err();
        assert_eq!(err.given(), "explode");
        let msg = err.to_string();
        assert!(msg.contains("\"explode\""), "{msg}");
        for f in Fault::ALL {
            assert!(msg.contains(f.name()), "{msg}");
        }
    }
}
