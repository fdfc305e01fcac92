//! Salesforce record ids for the org's records: an 18-character id (key prefix, the org id in
//! base 62, the case-safe checksum of reference §1) made deterministically from the org id, and
//! read back the same way, so both faces of one org name the same record.

/// Base-62 digits in ASCII order, so ids of one prefix sort as their org numbers do.
const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The checksum Salesforce appends to a 15-character id: per 5-character chunk, a 5-bit number
/// whose bit i says "character i is an upper-case letter", mapped to `A`–`Z`, `0`–`5`.
pub fn checksum(id15: &str) -> String {
    let b = id15.as_bytes();
    (0..3)
        .map(|chunk| {
            let bits = (0..5).fold(0usize, |acc, i| {
                let c = b.get(chunk * 5 + i).copied().unwrap_or(b'0');
                acc | (usize::from(c.is_ascii_uppercase()) << i)
            });
            char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits])
        })
        .collect()
}

/// The Salesforce id of the org record `org_id` of the object with key `prefix` (`00Q` Lead…).
///
/// Org ids are numbers; one that is not (a test's hand-made id) is hashed, which stays stable
/// but cannot be read back with [`org_id`].
pub fn sf_id(prefix: &str, org_id: &str) -> String {
    let mut n = org_id.parse::<u64>().unwrap_or_else(|_| fnv(org_id));
    let mut body = [b'0'; 12];
    for slot in body.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    let id15 = format!("{prefix}{}", String::from_utf8_lossy(&body));
    let sum = checksum(&id15);
    format!("{id15}{sum}")
}

/// The org id and key prefix behind a Salesforce id (15 or 18 characters; an 18-character one
/// must carry the right checksum). `None` for anything this sandbox never issued.
pub fn org_id(sf: &str) -> Option<(String, String)> {
    if !(sf.len() == 15 || sf.len() == 18) || !sf.is_ascii() {
        return None;
    }
    let (id15, sum) = sf.split_at(15);
    if !sum.is_empty() && !sum.eq_ignore_ascii_case(&checksum(id15)) {
        return None;
    }
    let mut n: u64 = 0;
    for c in id15[3..].bytes() {
        let d = DIGITS.iter().position(|x| *x == c)? as u64;
        n = n.checked_mul(62)?.checked_add(d)?;
    }
    Some((id15[..3].to_string(), n.to_string()))
}

/// The org id behind `sf` if it names a record of the object with key `prefix`.
pub fn org_id_of(prefix: &str, sf: &str) -> Option<String> {
    org_id(sf).filter(|(p, _)| p == prefix).map(|(_, id)| id)
}

/// Two ids name the same record: the first 15 characters match (the checksum only encodes case).
pub fn same_id(a: &str, b: &str) -> bool {
    a.get(..15).is_some_and(|x| Some(x) == b.get(..15))
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)) >> 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_matches_salesforce_s_known_ids() {
        // A published pair: 001A0000006Vm9r is 001A0000006Vm9rIAC in its 18-character form.
        assert_eq!(checksum("001A0000006Vm9r"), "IAC");
        assert_eq!(checksum("00300000003T2PG"), "AA0");
    }

    #[test]
    fn an_org_id_survives_the_round_trip() {
        let id = sf_id("00Q", "3652397000000000123");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("00Q"));
        assert_eq!(org_id(&id), Some(("00Q".into(), "3652397000000000123".into())));
        assert_eq!(org_id_of("00Q", &id[..15]).as_deref(), Some("3652397000000000123"));
        assert_eq!(org_id_of("005", &id), None);
        let mut bad = id.clone();
        bad.replace_range(15.., "ZZZ");
        assert_eq!(org_id(&bad), None);
    }
}
