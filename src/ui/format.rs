//! Numbers and times as the page shows them.

use tabcoin_chain::Timestamp;

/// Nonces per second in k/M units.
pub fn format_rate(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} MH/s", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} kH/s", rate / 1e3)
    } else {
        format!("{rate:.0} H/s")
    }
}

/// A byte count in B, KiB or MiB.
pub fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1 << 20))
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// `ms` (since midnight or any day's start) as HH:MM:SS.
pub fn hms(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The browser's local wall-clock time of `at`, as HH:MM:SS.
#[cfg(target_arch = "wasm32")]
pub fn clock(at: Timestamp) -> String {
    let date = js_sys::Date::new(&(at.0 as f64).into());
    // Minutes to add to local time to get UTC, at that date.
    let offset_ms = date.get_timezone_offset() as i64 * 60_000;
    hms(at.0 as i64 - offset_ms)
}

/// Wall-clock time of `at` in UTC, as HH:MM:SS (native builds have no
/// browser to ask for the time zone).
#[cfg(not(target_arch = "wasm32"))]
pub fn clock(at: Timestamp) -> String {
    hms(at.0 as i64)
}

/// `text` with its first letter upper-case.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_rates_are_shown_in_sensible_units() {
        assert_eq!(format_rate(950.0), "950 H/s");
        assert_eq!(format_rate(18_600.0), "18.6 kH/s");
        assert_eq!(format_rate(3_700_000.0), "3.70 MH/s");
    }

    #[test]
    fn byte_counts_are_shown_in_sensible_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 20), "3.0 MiB");
    }

    #[test]
    fn a_capital_comes_first() {
        assert_eq!(capitalised("received 5 coins"), "Received 5 coins");
        assert_eq!(capitalised("éa"), "Éa");
        assert_eq!(capitalised(""), "");
    }

    #[test]
    fn times_of_day_wrap_at_midnight() {
        assert_eq!(hms(0), "00:00:00");
        assert_eq!(hms(((13 * 60 + 5) * 60 + 9) * 1000 + 999), "13:05:09");
        assert_eq!(hms(86_400_000 + 61_000), "00:01:01");
        assert_eq!(hms(-1_000), "23:59:59");
        assert_eq!(clock(Timestamp(1_795_219_200_000 + 3_600_000)), "01:00:00");
    }
}
