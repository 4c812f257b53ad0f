//! Ids of a fixture range: `PREFIX{n}`, where `{n}` is the user's number zero-padded to a
//! fixed width. A range of 99 999 users is never expanded: an id is turned back into its
//! number when it is looked up.

/// `prefix` followed by a number of exactly `digits` digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdTemplate {
    prefix: String,
    digits: usize,
}

/// The numbers of a range, `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Numbers {
    pub(crate) first: u64,
    pub(crate) last: u64,
}

/// Widest number a template may have: 10^18 still fits a u64.
pub(crate) const MAX_DIGITS: usize = 18;

impl IdTemplate {
    /// Reads `PREFIX{n}` (the placeholder once, at the end, no other braces).
    pub(crate) fn parse(template: &str, digits: usize) -> Result<IdTemplate, String> {
        let prefix = template
            .strip_suffix("{n}")
            .filter(|prefix| !prefix.contains(['{', '}']))
            .ok_or_else(|| {
                format!("{template:?} must be a prefix followed by {{n}}, e.g. \"U{{n}}\"")
            })?;
        Ok(IdTemplate {
            prefix: prefix.to_owned(),
            digits,
        })
    }

    pub(crate) fn format(&self, n: u64) -> String {
        format!("{}{n:0width$}", self.prefix, width = self.digits)
    }

    /// The number this template gives `id`, if it gives it any (not checked against a
    /// range).
    pub(crate) fn number(&self, id: &str) -> Option<u64> {
        let digits = id.strip_prefix(self.prefix.as_str())?;
        if digits.len() != self.digits || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// An id that both templates produce for numbers in their ranges, if there is one.
    ///
    /// Both ids have a fixed length, so they can only meet when the lengths agree and the
    /// longer prefix is the shorter one followed by digits: those digits are then the
    /// leading digits of the other template's number.
    pub(crate) fn shared_id(
        &self,
        numbers: Numbers,
        other: &IdTemplate,
        other_numbers: Numbers,
    ) -> Option<String> {
        if self.prefix.len() + self.digits != other.prefix.len() + other.digits {
            return None;
        }
        let ((short, short_numbers), (long, long_numbers)) =
            if self.prefix.len() <= other.prefix.len() {
                ((self, numbers), (other, other_numbers))
            } else {
                ((other, other_numbers), (self, numbers))
            };
        let extra = long.prefix.strip_prefix(short.prefix.as_str())?;
        if !extra.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // The short template's number for the long template's number n is offset + n.
        let offset = if extra.is_empty() {
            0
        } else {
            extra
                .parse::<u64>()
                .ok()?
                .checked_mul(10u64.checked_pow(long.digits as u32)?)?
        };
        let low = long_numbers
            .first
            .max(short_numbers.first.saturating_sub(offset));
        let high = long_numbers
            .last
            .min(short_numbers.last.checked_sub(offset)?);
        (low <= high).then(|| long.format(low))
    }
}

impl Numbers {
    /// Checks that the range is not empty and its numbers fit `digits`.
    pub(crate) fn new(first: u64, last: u64, digits: usize) -> Result<Numbers, String> {
        if !(1..=MAX_DIGITS).contains(&digits) {
            return Err(format!("range.digits must be from 1 to {MAX_DIGITS}"));
        }
        if first > last {
            return Err("range.first must not be above range.last".into());
        }
        if last >= 10u64.pow(digits as u32) {
            return Err(format!("range.last {last} has more than {digits} digits"));
        }
        Ok(Numbers { first, last })
    }

    pub(crate) fn contains(&self, n: u64) -> bool {
        (self.first..=self.last).contains(&n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(template: &str, digits: usize) -> IdTemplate {
        IdTemplate::parse(template, digits).unwrap()
    }

    fn n(first: u64, last: u64) -> Numbers {
        Numbers { first, last }
    }

    #[test]
    fn formats_and_reads_back() {
        let u = t("U{n}", 10);
        assert_eq!(u.format(1), "U0000000001");
        assert_eq!(u.number("U0000000001"), Some(1));
        assert_eq!(u.number("U0000099999"), Some(99_999));
        assert_eq!(u.number("U000000001"), None);
        assert_eq!(u.number("S0000000001"), None);
        assert_eq!(u.number("U00000000x1"), None);
        assert_eq!(u.number("U+000000001"), None);
        let chinese = t("学生{n}", 3);
        assert_eq!(chinese.number(&chinese.format(7)), Some(7));
        for bad in ["U", "{n}U", "U{n}{n}", "U{x}{n}", "U{number}"] {
            assert!(IdTemplate::parse(bad, 3).is_err(), "{bad}");
        }
        assert_eq!(t("{n}", 2).format(3), "03");
    }

    #[test]
    fn numbers_must_fit() {
        assert!(Numbers::new(1, 99_999, 10).is_ok());
        assert!(Numbers::new(5, 1, 3).unwrap_err().contains("first"));
        assert!(
            Numbers::new(1, 1000, 3)
                .unwrap_err()
                .contains("more than 3 digits")
        );
        assert!(Numbers::new(1, 2, 0).is_err());
        assert!(Numbers::new(1, 2, 19).is_err());
    }

    #[test]
    fn finds_shared_ids() {
        // Same template, overlapping or not.
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 10), &t("U{n}", 3), n(10, 20)),
            Some("U010".into())
        );
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 9), &t("U{n}", 3), n(10, 20)),
            None
        );
        // U + 3 digits meets U0 + 2 digits for numbers below 100.
        assert_eq!(
            t("U{n}", 3).shared_id(n(50, 60), &t("U0{n}", 2), n(1, 99)),
            Some("U050".into())
        );
        assert_eq!(
            t("U0{n}", 2).shared_id(n(1, 99), &t("U{n}", 3), n(100, 999)),
            None
        );
        // U9 + 2 digits is U + 3 digits from 900 on.
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 950), &t("U9{n}", 2), n(40, 99)),
            Some("U940".into())
        );
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 899), &t("U9{n}", 2), n(0, 99)),
            None
        );
        // Different lengths or prefixes never meet.
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 999), &t("U{n}", 4), n(1, 999)),
            None
        );
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 999), &t("S{n}", 3), n(1, 999)),
            None
        );
        assert_eq!(
            t("U{n}", 3).shared_id(n(1, 999), &t("Ux{n}", 2), n(1, 99)),
            None
        );
    }
}
