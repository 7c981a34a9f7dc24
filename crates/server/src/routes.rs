//! URL paths → [`Route`]s. Pure parsing; nothing here looks at the corpus.

use crate::fault::Fault;

/// What a request path asks for. Names are percent-decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/<name>`: a corpus file, subject to random injection.
    File(String),
    /// `/index.txt`: the absolute URL of every corpus file.
    Index,
    /// `/_stats`: the counters as JSON.
    Stats,
    /// `/status/<code>/<name>`: always `code`.
    Status(u16),
    /// `/flaky/<n>/<name>`: 503 for the first `n` requests to the path.
    Flaky(u64, String),
    /// `/fault/<fault>/<name>`: always that fault.
    Fault(Fault, String),
    /// `/redirect/<n>/<name>`: `n` redirects, then the file.
    Redirect(u32, String),
    /// `/no-length/<name>`: the file, chunked.
    NoLength(String),
    /// `/no-range/<name>`: the file, `Range` ignored.
    NoRange(String),
    /// `POST /_change/<name>`: give the file new bytes under the same name.
    Change(String),
    /// A known route with a malformed parameter; the text says why.
    BadRequest(String),
    /// Anything else.
    NotFound,
}

/// Parses a request path (without query).
pub(crate) fn parse(path: &str) -> Route {
    let path = path.strip_prefix('/').unwrap_or(path);
    let Some((prefix, rest)) = path.split_once('/') else {
        return match path {
            "" => Route::NotFound,
            "index.txt" => Route::Index,
            "_stats" => Route::Stats,
            name => decode(name).map_or(Route::NotFound, Route::File),
        };
    };
    match prefix {
        "status" => with_param(rest, "status code", |code: u16| {
            (200..=599).contains(&code).then_some(code)
        })
        .map_or_else(|e| e, |(code, _)| Route::Status(code)),
        "flaky" => with_param(rest, "failure count", Some)
            .map_or_else(|e| e, |(n, name)| Route::Flaky(n, name)),
        "redirect" => with_param(rest, "redirect count", Some)
            .map_or_else(|e| e, |(n, name)| Route::Redirect(n, name)),
        "fault" => fault_route(rest),
        "no-length" => decode(rest).map_or(Route::NotFound, Route::NoLength),
        "no-range" => decode(rest).map_or(Route::NotFound, Route::NoRange),
        "_change" => decode(rest).map_or(Route::NotFound, Route::Change),
        _ => Route::NotFound,
    }
}

fn fault_route(rest: &str) -> Route {
    let Some((fault, name)) = rest.split_once('/') else {
        return Route::NotFound;
    };
    match (fault.parse::<Fault>(), decode(name)) {
        (Ok(fault), Some(name)) => Route::Fault(fault, name),
        (Err(e), _) => Route::BadRequest(e.to_string()),
        (_, None) => Route::NotFound,
    }
}

/// Splits `<param>/<name>`, parses the parameter and checks it with `accept`.
fn with_param<T: std::str::FromStr>(
    rest: &str,
    what: &str,
    accept: impl Fn(T) -> Option<T>,
) -> Result<(T, String), Route> {
    let (param, name) = rest.split_once('/').ok_or(Route::NotFound)?;
    let name = decode(name).ok_or(Route::NotFound)?;
    let value = param.parse::<T>().ok().and_then(accept);
    let value = value.ok_or_else(|| Route::BadRequest(format!("bad {what}: {param:?}")))?;
    Ok((value, name))
}

/// Percent-decodes a path segment; `None` if the result is empty or not UTF-8.
/// A `%` not followed by two hex digits is kept as is.
pub(crate) fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_and_specials() {
        assert_eq!(parse("/a.jpg"), Route::File("a.jpg".into()));
        assert_eq!(parse("/a%20b.jpg"), Route::File("a b.jpg".into()));
        assert_eq!(parse("/index.txt"), Route::Index);
        assert_eq!(parse("/_stats"), Route::Stats);
        assert_eq!(parse("/"), Route::NotFound);
        assert_eq!(parse("/nope/a.jpg"), Route::NotFound);
    }

    #[test]
    fn parameterised_routes() {
        assert_eq!(parse("/status/404/x.jpg"), Route::Status(404));
        assert_eq!(parse("/flaky/2/x.jpg"), Route::Flaky(2, "x.jpg".into()));
        assert_eq!(
            parse("/redirect/3/x.jpg"),
            Route::Redirect(3, "x.jpg".into())
        );
        assert_eq!(parse("/no-length/x.jpg"), Route::NoLength("x.jpg".into()));
        assert_eq!(parse("/no-range/x.jpg"), Route::NoRange("x.jpg".into()));
        assert_eq!(parse("/_change/x.jpg"), Route::Change("x.jpg".into()));
        assert_eq!(
            parse("/fault/short-body/x.jpg"),
            Route::Fault(Fault::ShortBody, "x.jpg".into())
        );
    }

    #[test]
    fn malformed_parameters_are_bad_requests() {
        for path in [
            "/status/abc/x",
            "/status/100/x",
            "/status/600/x",
            "/flaky/-1/x",
            "/fault/boom/x",
        ] {
            assert!(matches!(parse(path), Route::BadRequest(_)), "{path}");
        }
        assert_eq!(parse("/status/404"), Route::NotFound);
        assert_eq!(parse("/flaky/2/"), Route::NotFound);
    }

    #[test]
    fn percent_coding_round_trips() {
        for name in ["plain.bin", "a b+c%d.txt", "ünï.jpg"] {
            assert_eq!(decode(&encode(name)).as_deref(), Some(name));
        }
        assert_eq!(decode("100%").as_deref(), Some("100%"));
        assert_eq!(decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(decode("%FF"), None);
    }
}
