//! Contact rules (CONTRACT.md "CRM", Contact): how phones and e-mails are
//! compared, what a manager's edit sets, which shared contact card is the
//! customer's own number, and what a merge keeps. Pure: the store loads and
//! writes, this decides.

use serde_json::Value;
use shared::api::crm::UpdateContact;
use shared::api::Channel;

/// The longest name, phone, e-mail and company accepted; notes are longer.
pub const MAX_FIELD_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 5000;

/// What a phone is compared by: its digits (`+34 (600) 11-22` and `34600 1122`
/// are the same phone). `None` without digits.
pub fn phone_digits(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// What an e-mail is compared by: trimmed, lower case.
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}

/// A contact's fields a manager edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFields {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub notes: Option<String>,
}

/// Why an edit was refused; each names its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("name must not be empty")]
    NameEmpty,
    #[error("{0} is too long")]
    TooLong(&'static str),
    #[error("phone has no digits")]
    PhoneWithoutDigits,
    #[error("email is not an e-mail address")]
    NotAnEmail,
    #[error("a contact cannot be merged with itself")]
    MergeWithItself,
}

/// Applies a PATCH: values are trimmed, an empty optional field is cleared.
pub fn edit(before: &ContactFields, patch: &UpdateContact) -> Result<ContactFields, ContactError> {
    fn optional(
        value: &Option<String>,
        field: &'static str,
        max: usize,
    ) -> Result<Option<String>, ContactError> {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
        if value.is_some_and(|v| v.chars().count() > max) {
            return Err(ContactError::TooLong(field));
        }
        Ok(value.map(str::to_owned))
    }
    let mut after = before.clone();
    if let Some(name) = &patch.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(ContactError::NameEmpty);
        }
        if name.chars().count() > MAX_FIELD_CHARS {
            return Err(ContactError::TooLong("name"));
        }
        after.name = name.to_owned();
    }
    if let Some(phone) = &patch.phone {
        after.phone = optional(phone, "phone", MAX_FIELD_CHARS)?;
        if after
            .phone
            .as_deref()
            .is_some_and(|p| phone_digits(p).is_none())
        {
            return Err(ContactError::PhoneWithoutDigits);
        }
    }
    if let Some(email) = &patch.email {
        after.email = optional(email, "email", MAX_FIELD_CHARS)?;
        if after.email.as_deref().is_some_and(|e| !is_email(e)) {
            return Err(ContactError::NotAnEmail);
        }
    }
    if let Some(company) = &patch.company {
        after.company = optional(company, "company", MAX_FIELD_CHARS)?;
    }
    if let Some(notes) = &patch.notes {
        after.notes = optional(notes, "notes", MAX_NOTES_CHARS)?;
    }
    Ok(after)
}

/// Something before and after one `@`, no spaces: enough to catch a phone or
/// a name typed in the wrong field without refusing real addresses.
fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The kept contact after a merge: its own fields win, the other's fill what
/// it lacks (an empty name cannot happen: names are required).
pub fn merged(kept: &ContactFields, other: &ContactFields) -> ContactFields {
    let fill = |own: &Option<String>, theirs: &Option<String>| own.clone().or(theirs.clone());
    ContactFields {
        name: kept.name.clone(),
        phone: fill(&kept.phone, &other.phone),
        email: fill(&kept.email, &other.email),
        company: fill(&kept.company, &other.company),
        notes: fill(&kept.notes, &other.notes),
    }
}

/// The phone of a contact card the customer shared, when it is their own:
/// Telegram says whose card it is (`user_id`, the sender's own id when they
/// press "share my number"); Viber's card carries no owner, and a Viber user
/// shares their own number through the bot's keyboard.
pub fn own_shared_phone(
    channel: Channel,
    sender_external_id: &str,
    content_kind: &str,
    details: &Value,
) -> Option<String> {
    if content_kind != "contact" {
        return None;
    }
    let card = details.get("contact")?;
    let phone = card
        .get("phone_number")
        .and_then(Value::as_str)?
        .trim()
        .to_owned();
    phone_digits(&phone)?;
    let own = match channel {
        Channel::Telegram => card
            .get("user_id")
            .and_then(Value::as_i64)
            .is_some_and(|owner| owner.to_string() == sender_external_id),
        Channel::Viber => true,
        // A WhatsApp customer is keyed by their number already; a card they
        // share is someone else's.
        Channel::Whatsapp => false,
        // The bridge passes the customer's phone in `customer.phone`.
        Channel::Api => false,
    };
    own.then_some(phone)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ana() -> ContactFields {
        ContactFields {
            name: "Ana".into(),
            phone: Some("+34 600 11 22".into()),
            ..ContactFields::default()
        }
    }

    #[test]
    fn phones_are_compared_by_their_digits() {
        assert_eq!(phone_digits("+34 (600) 11-22"), Some("346001122".into()));
        assert_eq!(phone_digits("34600 1122"), Some("346001122".into()));
        assert_eq!(phone_digits("call me"), None);
    }

    #[test]
    fn emails_are_compared_in_any_case() {
        assert_eq!(
            email_key(" Ana@Example.COM "),
            Some("ana@example.com".into())
        );
        assert_eq!(email_key("  "), None);
    }

    #[test]
    fn an_edit_trims_and_clears_empty_fields() {
        let patch = UpdateContact {
            name: Some(" Ana María ".into()),
            phone: Some(Some("  ".into())),
            company: Some(Some(" Acme ".into())),
            ..UpdateContact::default()
        };
        let after = edit(&ana(), &patch).expect("valid");
        assert_eq!(after.name, "Ana María");
        assert_eq!(after.phone, None);
        assert_eq!(after.company.as_deref(), Some("Acme"));
    }

    #[test]
    fn bad_values_are_refused_naming_the_field() {
        let refuse = |patch: UpdateContact| edit(&ana(), &patch).expect_err("refused");
        assert_eq!(
            refuse(UpdateContact {
                name: Some(" ".into()),
                ..UpdateContact::default()
            }),
            ContactError::NameEmpty
        );
        assert_eq!(
            refuse(UpdateContact {
                email: Some(Some("ana at home".into())),
                ..UpdateContact::default()
            }),
            ContactError::NotAnEmail
        );
        assert_eq!(
            refuse(UpdateContact {
                phone: Some(Some("none".into())),
                ..UpdateContact::default()
            }),
            ContactError::PhoneWithoutDigits
        );
        assert_eq!(
            refuse(UpdateContact {
                company: Some(Some("x".repeat(MAX_FIELD_CHARS + 1))),
                ..UpdateContact::default()
            }),
            ContactError::TooLong("company")
        );
    }

    #[test]
    fn a_merge_keeps_the_kept_fields_and_fills_the_empty_ones() {
        let other = ContactFields {
            name: "Ana V".into(),
            phone: Some("600".into()),
            email: Some("ana@example.com".into()),
            company: None,
            notes: Some("VIP".into()),
        };
        let kept = merged(&ana(), &other);
        assert_eq!(kept.name, "Ana");
        assert_eq!(kept.phone.as_deref(), Some("+34 600 11 22"));
        assert_eq!(kept.email.as_deref(), Some("ana@example.com"));
        assert_eq!(kept.company, None);
        assert_eq!(kept.notes.as_deref(), Some("VIP"));
    }

    #[test]
    fn only_the_senders_own_telegram_card_gives_a_phone() {
        let card = |user_id: Value| json!({"contact": {"phone_number": "+48600100200", "user_id": user_id}});
        let phone = |details: &Value| own_shared_phone(Channel::Telegram, "42", "contact", details);
        assert_eq!(phone(&card(json!(42))), Some("+48600100200".into()));
        assert_eq!(phone(&card(json!(7))), None, "someone else's card");
        assert_eq!(
            phone(&json!({"contact": {"phone_number": "+48600100200"}})),
            None,
            "a card without an owner"
        );
        assert_eq!(
            own_shared_phone(Channel::Telegram, "42", "text", &card(json!(42))),
            None
        );
    }

    #[test]
    fn a_viber_card_gives_its_phone() {
        let details = json!({"contact": {"name": "Taras", "phone_number": "+380501234567"}});
        assert_eq!(
            own_shared_phone(Channel::Viber, "abc=", "contact", &details),
            Some("+380501234567".into())
        );
    }
}
