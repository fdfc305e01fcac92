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

    pub fn as_str(&self) -> &str {
        &self.0
    }
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
}
