//! Deal rules (CONTRACT.md "CRM"): what a change may set, and what it changed.
//! Pure: the store supplies the deal as it is and checks what needs the
//! database (the stage belongs to the deal's funnel, the responsible user
//! exists); this decides the new values, `closed_at`, and the
//! `{field: [old, new]}` the `deal_changed` event records.

use chrono::NaiveDateTime;
use serde_json::{json, Value};
use shared::api::crm::{DealStatus, UpdateDeal};
use shared::api::timeline::FieldChanges;
use shared::Id;

/// The longest title and close note accepted.
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_NOTE_CHARS: usize = 2000;

/// Active ISO 4217 currency codes (plus the precious metals and XXX/XTS
/// left out: nobody sells in them).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
    "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
    "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// Whether `code` is an ISO 4217 currency code (upper case, as stored).
pub fn is_currency(code: &str) -> bool {
    ISO_4217.binary_search(&code).is_ok()
}

/// A deal's editable facts, as they are now.
#[derive(Debug, Clone, PartialEq)]
pub struct DealFacts {
    pub title: String,
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub status: DealStatus,
    pub responsible_id: Option<Id>,
    pub close_note: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
}

/// Why a change was refused; each names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DealError {
    #[error("title must not be empty")]
    TitleEmpty,
    #[error("title is too long")]
    TitleTooLong,
    #[error("amount must be a non-negative number")]
    AmountNegative,
    #[error("currency {0:?} is not an ISO 4217 code")]
    UnknownCurrency(String),
    #[error("close_note is too long")]
    NoteTooLong,
}

/// The outcome of a change: the facts after it and what moved.
#[derive(Debug, Clone, PartialEq)]
pub struct DealEdit {
    pub after: DealFacts,
    /// `{field: [old, new]}` of the fields that changed; empty: nothing did.
    pub changes: FieldChanges,
}

/// Applies a PATCH to a deal. Values equal to the current ones change
/// nothing; a status leaving `open` stamps `closed_at`, one back to `open`
/// clears it and the close note.
pub fn edit(
    before: &DealFacts,
    patch: &UpdateDeal,
    now: NaiveDateTime,
) -> Result<DealEdit, DealError> {
    let mut after = before.clone();
    if let Some(title) = &patch.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(DealError::TitleEmpty);
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(DealError::TitleTooLong);
        }
        after.title = title.to_owned();
    }
    if let Some(stage_id) = patch.stage_id {
        after.stage_id = stage_id;
    }
    if let Some(amount) = patch.amount {
        if amount.is_some_and(|a| !a.is_finite() || a < 0.0) {
            return Err(DealError::AmountNegative);
        }
        after.amount = amount;
    }
    if let Some(currency) = &patch.currency {
        after.currency = match currency.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => {
                let code = code.to_ascii_uppercase();
                if !is_currency(&code) {
                    return Err(DealError::UnknownCurrency(code));
                }
                Some(code)
            }
        };
    }
    if let Some(responsible_id) = patch.responsible_id {
        after.responsible_id = responsible_id;
    }
    if let Some(status) = patch.status {
        after.status = status;
    }
    if let Some(note) = &patch.close_note {
        let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            return Err(DealError::NoteTooLong);
        }
        after.close_note = note.map(str::to_owned);
    }
    if after.status != before.status {
        after.closed_at = after.status.is_closed().then_some(now);
    }
    if !after.status.is_closed() {
        after.close_note = None;
    }

    let mut changes = FieldChanges::new();
    let mut note = |field: &str, old: Value, new: Value| {
        if old != new {
            changes.insert(field.to_owned(), (old, new));
        }
    };
    note("title", json!(before.title), json!(after.title));
    note("stage_id", json!(before.stage_id), json!(after.stage_id));
    note("amount", json!(before.amount), json!(after.amount));
    note("currency", json!(before.currency), json!(after.currency));
    note(
        "status",
        json!(before.status.as_str()),
        json!(after.status.as_str()),
    );
    note(
        "responsible_id",
        json!(before.responsible_id),
        json!(after.responsible_id),
    );
    note(
        "close_note",
        json!(before.close_note),
        json!(after.close_note),
    );
    Ok(DealEdit { after, changes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal() -> DealFacts {
        DealFacts {
            title: "Order".into(),
            pipeline_id: 1,
            stage_id: 10,
            amount: None,
            currency: None,
            status: DealStatus::Open,
            responsible_id: None,
            close_note: None,
            closed_at: None,
        }
    }

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .and_then(|d| d.and_hms_opt(10, minute, 0))
            .expect("a valid time")
    }

    #[test]
    fn the_currency_list_is_sorted_for_binary_search() {
        assert!(ISO_4217.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(is_currency("EUR") && is_currency("USD") && is_currency("UAH"));
        assert!(!is_currency("XYZ") && !is_currency("eur") && !is_currency(""));
    }

    #[test]
    fn each_changed_field_is_recorded_old_and_new() {
        let patch = UpdateDeal {
            title: Some(" Big order ".into()),
            stage_id: Some(11),
            amount: Some(Some(1500.5)),
            currency: Some(Some("eur".into())),
            responsible_id: Some(Some(4)),
            ..UpdateDeal::default()
        };
        let edit = edit(&deal(), &patch, at(0)).expect("valid");
        assert_eq!(edit.after.title, "Big order");
        assert_eq!(edit.after.currency.as_deref(), Some("EUR"));
        assert_eq!(
            serde_json::to_value(&edit.changes).expect("serialises"),
            json!({
                "title": ["Order", "Big order"],
                "stage_id": [10, 11],
                "amount": [null, 1500.5],
                "currency": [null, "EUR"],
                "responsible_id": [null, 4],
            })
        );
    }

    #[test]
    fn the_same_values_change_nothing() {
        let mut before = deal();
        before.amount = Some(10.0);
        let patch = UpdateDeal {
            title: Some("Order".into()),
            stage_id: Some(10),
            amount: Some(Some(10.0)),
            status: Some(DealStatus::Open),
            ..UpdateDeal::default()
        };
        assert!(edit(&before, &patch, at(0))
            .expect("valid")
            .changes
            .is_empty());
    }

    #[test]
    fn null_clears_amount_currency_and_responsible() {
        let mut before = deal();
        before.amount = Some(5.0);
        before.currency = Some("USD".into());
        before.responsible_id = Some(3);
        let patch = UpdateDeal {
            amount: Some(None),
            currency: Some(None),
            responsible_id: Some(None),
            ..UpdateDeal::default()
        };
        let edit = edit(&before, &patch, at(0)).expect("valid");
        assert_eq!(
            (
                edit.after.amount,
                edit.after.currency,
                edit.after.responsible_id
            ),
            (None, None, None)
        );
        assert_eq!(edit.changes.len(), 3);
    }

    #[test]
    fn winning_stamps_closed_at_and_reopening_clears_it_with_the_note() {
        let won = edit(
            &deal(),
            &UpdateDeal {
                status: Some(DealStatus::Won),
                close_note: Some(Some("Paid upfront".into())),
                ..UpdateDeal::default()
            },
            at(1),
        )
        .expect("valid");
        assert_eq!(won.after.closed_at, Some(at(1)));
        assert_eq!(won.after.close_note.as_deref(), Some("Paid upfront"));
        assert_eq!(won.changes["status"], (json!("open"), json!("won")));

        let lost = edit(
            &won.after,
            &UpdateDeal {
                status: Some(DealStatus::Lost),
                ..UpdateDeal::default()
            },
            at(2),
        )
        .expect("valid");
        assert_eq!(lost.after.closed_at, Some(at(2)));
        assert_eq!(lost.after.close_note.as_deref(), Some("Paid upfront"));

        let reopened = edit(
            &lost.after,
            &UpdateDeal {
                status: Some(DealStatus::Open),
                ..UpdateDeal::default()
            },
            at(3),
        )
        .expect("valid");
        assert_eq!(reopened.after.closed_at, None);
        assert_eq!(reopened.after.close_note, None);
        assert!(reopened.changes.contains_key("close_note"));
    }

    #[test]
    fn a_note_on_an_open_deal_is_not_kept() {
        let edit = edit(
            &deal(),
            &UpdateDeal {
                close_note: Some(Some("why".into())),
                ..UpdateDeal::default()
            },
            at(0),
        )
        .expect("valid");
        assert!(edit.changes.is_empty());
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let cases = [
            (
                UpdateDeal {
                    title: Some("  ".into()),
                    ..UpdateDeal::default()
                },
                DealError::TitleEmpty,
            ),
            (
                UpdateDeal {
                    amount: Some(Some(-1.0)),
                    ..UpdateDeal::default()
                },
                DealError::AmountNegative,
            ),
            (
                UpdateDeal {
                    amount: Some(Some(f64::NAN)),
                    ..UpdateDeal::default()
                },
                DealError::AmountNegative,
            ),
            (
                UpdateDeal {
                    currency: Some(Some("Euro".into())),
                    ..UpdateDeal::default()
                },
                DealError::UnknownCurrency("EURO".into()),
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(edit(&deal(), &patch, at(0)), Err(want.clone()));
            assert!(want.to_string().starts_with(match want {
                DealError::TitleEmpty => "title",
                DealError::AmountNegative => "amount",
                _ => "currency",
            }));
        }
    }
}
