//! Small domain values that parse instead of validate: once you hold one, it is valid.

use std::fmt;

/// A Zoho record id: a non-empty string of ASCII digits, kept as text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct LeadId(String);

impl LeadId {
    pub fn parse(s: &str) -> Result<LeadId, String> {
        let t = s.trim();
        if !t.is_empty() && t.len() <= 32 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(LeadId(t.to_string()))
        } else {
            Err(format!("'{s}' is not a Zoho record id (expected digits, like 3652397000009851001)"))
        }
    }

    /// A Salesforce Lead id: 15 or 18 letters and digits (`00Q…`).
    pub fn salesforce(s: &str) -> Result<LeadId, String> {
        let t = s.trim();
        if (t.len() == 15 || t.len() == 18) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(LeadId(t.to_string()))
        } else {
            Err(format!(
                "'{}' is not a Salesforce record id (expected 15 or 18 letters and digits, like 00Q5g00000AbCdEFGH)",
                crate::crm::error::one_line(s)
            ))
        }
    }

    /// A lead id read back from the database, or typed by a person: either CRM's form.
    pub fn stored(s: &str) -> Result<LeadId, String> {
        LeadId::parse(s).or_else(|_| LeadId::salesforce(s)).map_err(|_| {
            format!(
                "'{}' is not a lead id (Zoho: digits, like 3652397000009851001; Salesforce: 15 or 18 letters \
                 and digits, like 00Q5g00000AbCdEFGH)",
                crate::crm::error::one_line(s)
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `s` is a record id of either CRM as it is stored and carried in Discord ids: Zoho's
/// digits (at most 20) or Salesforce's 15 or 18 letters and digits. The one test every codec
/// and input uses, so a Salesforce org's buttons work as a Zoho org's do.
pub fn is_record_id(s: &str) -> bool {
    let zoho = !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let salesforce = (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    zoho || salesforce
}

impl fmt::Display for LeadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_ids_are_digits() {
        assert_eq!(LeadId::parse(" 3652397000009851001 ").unwrap().as_str(), "3652397000009851001");
        assert!(LeadId::parse("").is_err());
        assert!(LeadId::parse("12a").is_err());
        assert!(LeadId::parse("-1").is_err());
    }

    #[test]
    fn record_ids_of_either_crm_pass_and_nothing_else_does() {
        for ok in ["3652397000009851001", "7", "00Q5g00000AbCdEFGH", "00Q5g00000AbCdE"] {
            assert!(is_record_id(ok), "{ok}");
            assert_eq!(LeadId::stored(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "00Q5g00000AbCd", "00Q5g00000AbCdEFGH1", "00Q5g00000AbCd.FGH", "123456789012345678901", "1 2"] {
            assert!(!is_record_id(bad), "{bad}");
        }
        let e = LeadId::stored("x\u{1b}[31m").unwrap_err();
        assert!(e.contains("not a lead id") && !e.contains('\u{1b}'), "{e}");
    }
}
