//! Times as the K12 API writes them: RFC 3339 in Beijing time, `2024-08-05T17:33:45+08:00`.

/// Beijing is UTC+8 all year (no daylight saving).
const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// `unix` seconds as RFC 3339 with the `+08:00` offset.
pub(crate) fn beijing_rfc3339(unix: i64) -> String {
    let local = unix.saturating_add(BEIJING_OFFSET_SECS);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+08:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The UTC date (year, month, day) of `unix` seconds.
pub(crate) fn utc_date(unix: i64) -> (i64, u32, u32) {
    civil_from_days(unix.div_euclid(86_400))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), so that no date crate is needed for one format.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether `text` looks like an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS`, optional
/// fraction, then `Z` or `±HH:MM`): enough to catch a typo in a fixture.
pub(crate) fn looks_like_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !(digits(0..4) && digits(5..7) && digits(8..10))
        || !(digits(11..13) && digits(14..16) && digits(17..19))
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_beijing_time() {
        // 2024-08-05T09:33:45Z, the notification vector's time.
        assert_eq!(beijing_rfc3339(1_722_850_425), "2024-08-05T17:33:45+08:00");
        assert_eq!(beijing_rfc3339(0), "1970-01-01T08:00:00+08:00");
        // Crosses midnight and a leap day in Beijing.
        assert_eq!(beijing_rfc3339(1_709_222_400), "2024-03-01T00:00:00+08:00");
        assert_eq!(beijing_rfc3339(1_709_222_399), "2024-02-29T23:59:59+08:00");
        assert_eq!(beijing_rfc3339(-28_801), "1969-12-31T23:59:59+08:00");
    }

    #[test]
    fn recognises_rfc3339() {
        for good in [
            "2024-08-05T17:33:45+08:00",
            "2024-08-05T09:33:45Z",
            "2024-08-05T09:33:45.123-03:30",
        ] {
            assert!(looks_like_rfc3339(good), "{good}");
        }
        for bad in [
            "",
            "2024-08-05",
            "2024-08-05 17:33:45+08:00",
            "2024-08-05T17:33:45",
            "2024-08-05T17:33:45+0800",
            "2024-08-05T17:33:45.+08:00",
            "２024-08-05T17:33:45+08:00",
        ] {
            assert!(!looks_like_rfc3339(bad), "{bad}");
        }
    }
}
