//! Deductions recorded by apply-for-deduction, one per `out_trade_no`: money moves once,
//! however often the same deduction is applied for.

use std::collections::HashMap;

use serde_json::Value;

/// One recorded deduction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deduction {
    /// The apply answer, answered again for the same out_trade_no and by query-deduction.
    pub(crate) answer: Value,
    /// What query-deduction must name to find it.
    pub(crate) sp_mchid: String,
    pub(crate) sub_mchid: Option<String>,
    pub(crate) business_product_id: i64,
}

#[derive(Debug, Default)]
pub(crate) struct Deductions {
    by_out_trade_no: HashMap<String, Deduction>,
}

impl Deductions {
    pub(crate) fn get(&self, out_trade_no: &str) -> Option<&Deduction> {
        self.by_out_trade_no.get(out_trade_no)
    }

    /// Records a deduction under a new out_trade_no; `false` (and nothing recorded) when
    /// the number is taken.
    pub(crate) fn record(&mut self, out_trade_no: &str, deduction: Deduction) -> bool {
        if self.by_out_trade_no.contains_key(out_trade_no) {
            return false;
        }
        self.by_out_trade_no
            .insert(out_trade_no.to_owned(), deduction);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_each_out_trade_no_once() {
        let mut deductions = Deductions::default();
        let first = Deduction {
            answer: json!({"transaction_id": "1"}),
            sp_mchid: "1900000001".into(),
            sub_mchid: None,
            business_product_id: 2,
        };
        let second = Deduction {
            answer: json!({"transaction_id": "2"}),
            ..first.clone()
        };
        assert!(deductions.record("T1", first.clone()));
        assert!(!deductions.record("T1", second.clone()));
        assert_eq!(deductions.get("T1"), Some(&first));
        assert!(deductions.record("T2", second));
        assert!(deductions.get("T2").is_some());
        assert!(deductions.get("T3").is_none());
    }
}
