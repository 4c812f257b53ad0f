//! The local clock, in the Unix seconds that APIv3 timestamps use.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch; negative if the clock is set before 1970.
pub fn unix_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
