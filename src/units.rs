//! Byte sizes as people type them: `1048576`, `64KiB`, `1MiB`, `1.5M`, `2GB`.
//!
//! Binary units (`KiB`, `MiB`, `GiB`, and the bare letters `K`, `M`, `G`
//! as curl reads them) are powers of 1024; decimal units (`kB`, `KB`, `MB`,
//! `GB`) are powers of 1000. Case does not matter; `B` alone means bytes.

/// Parses a byte size such as `1MiB`, `512k` or `4096`.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (try 4096, 64KiB, 1MiB, 2GB)"))?;
    let factor = unit_factor(unit.trim()).ok_or_else(|| {
        format!("{text:?}: unknown unit {unit:?} (use B, KiB, MiB, GiB, kB, MB, GB)")
    })?;
    let bytes = (number * factor as f64).round();
    if bytes > u64::MAX as f64 {
        return Err(format!("{text:?} is too large"));
    }
    Ok(bytes as u64)
}

fn unit_factor(unit: &str) -> Option<u64> {
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    Some(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("64KiB"), Ok(65536));
        assert_eq!(parse_bytes("1MiB"), Ok(1 << 20));
        assert_eq!(parse_bytes("1.5M"), Ok(3 << 19));
        assert_eq!(parse_bytes("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_bytes("8 kib"), Ok(8192));
        assert_eq!(parse_bytes("4GiB"), Ok(4 << 30));
    }

    #[test]
    fn bad_sizes_say_why() {
        assert!(parse_bytes("").unwrap_err().contains("not a size"));
        assert!(
            parse_bytes("12parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_bytes("-1").is_err());
    }
}
