//! Human-readable numbers for tables and plots.

/// `8 KiB`, `32 MiB`, `512 B`, `1.5 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Seconds with a unit that keeps three significant digits: `412 ms`,
/// `8.12 s`, `950 µs`.
pub fn secs(s: f64) -> String {
    if !s.is_finite() {
        return "–".into();
    }
    if s == 0.0 {
        return "0".into();
    }
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.1 {
        format!("{:.0} ms", s * 1e3)
    } else if s >= 0.01 {
        format!("{:.1} ms", s * 1e3)
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// A share as a percentage: `87 %`.
pub fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{:.0} %", share * 100.0)
    } else {
        "–".into()
    }
}

/// A count with thousands separators: `10,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate with an SI prefix: `1.2 k`, `35.0 M`.
pub fn rate(per_sec: f64) -> String {
    match per_sec {
        r if r >= 1e9 => format!("{:.1} G", r / 1e9),
        r if r >= 1e6 => format!("{:.1} M", r / 1e6),
        r if r >= 1e3 => format!("{:.1} k", r / 1e3),
        r => format!("{r:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(8 * 1024), "8 KiB");
        assert_eq!(bytes(1536 * 1024), "1.5 MiB");
        assert_eq!(secs(0.412), "412 ms");
        assert_eq!(secs(0.0125), "12.5 ms");
        assert_eq!(secs(8.123), "8.12 s");
        assert_eq!(secs(0.000_95), "950 µs");
        assert_eq!(percent(0.873), "87 %");
        assert_eq!(count(10_000), "10,000");
        assert_eq!(count(999), "999");
        assert_eq!(rate(1234.0), "1.2 k");
    }
}
