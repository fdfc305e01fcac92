//! Tests of the signed view state: round trips, the 100-character worst case, forgeries.

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap()
}

fn key() -> ViewKey {
    ViewKey::from_bytes(*b"0123456789abcdef0123456789abcdef")
}

fn sample() -> ViewState {
    ViewState {
        view: ViewKind::LEADS,
        page: 12,
        as_of: now(),
        stages: vec![short_hash("Appt Set"), short_hash("Green - Install Scheduled"), short_hash("Follow Up")],
        locators: vec![short_hash("Lucía Fernández"), short_hash("Kenji Watanabe"), short_hash("(no locator)")],
        statuses: vec![Status::Stale, Status::AtRisk],
        period: Some((PeriodKind::Month, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())),
        from: Some(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
        to: Some(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
        sort: Some(SortKey::DaysInStage),
        lead: Some("3652397000000001605".into()),
        tag: 'n',
    }
}

/// `payload` signed with the test key, to reach the parser behind the tag.
fn signed(payload: &str) -> String {
    format!("{payload}.{}", tag_text(&key().tag(payload)))
}

#[test]
fn round_trips_within_100_chars() {
    let s = sample();
    let id = s.encode(&key());
    assert!(id.len() <= MAX_LEN, "{} chars: {id}", id.len());
    assert_eq!(ViewState::parse(&id, &key(), now()).unwrap(), s);
    let plain = ViewState::new(ViewKind::STALE, s.as_of);
    assert_eq!(ViewState::parse(&plain.encode(&key()), &key(), now()).unwrap(), plain);
    assert_eq!(format!("{:?}", key()), "ViewKey(…)", "the key never reaches a log");
}

#[test]
fn unsigned_tampered_and_foreign_ids_are_expired() {
    let id = sample().encode(&key());
    let other = ViewKey::from_bytes([7; 32]);
    assert_eq!(ViewState::parse(&id, &other, now()), Err(Expired), "another database's key");
    let (payload, _) = id.rsplit_once('.').unwrap();
    assert_eq!(ViewState::parse(payload, &key(), now()), Err(Expired), "no tag");
    assert_eq!(ViewState::parse(&format!("{payload}.AAAAAAAAAAAA"), &key(), now()), Err(Expired));
    // Version 1 ids (unsigned) from messages posted before the upgrade.
    assert_eq!(ViewState::parse("pn1.s.1.0.-.-.0.-.-.-.-.n", &key(), now()), Err(Expired));
    // Every one-character change, anywhere, is caught.
    for (i, c) in id.char_indices() {
        for r in ['0', 'a', 'Z', '-', '_', '.', '~'] {
            if r != c {
                let forged = format!("{}{r}{}", &id[..i], &id[i + 1..]);
                assert_eq!(ViewState::parse(&forged, &key(), now()), Err(Expired), "{forged}");
            }
        }
    }
}

#[test]
fn dates_far_from_now_are_expired_even_when_signed() {
    // What a forged click once showed: "Stale — 400 leads, as of 22 Jan 4018".
    let far = Utc.with_ymd_and_hms(4018, 1, 22, 9, 0, 0).unwrap();
    let st = ViewState::new(ViewKind::STALE, far);
    assert_eq!(ViewState::parse(&st.encode(&key()), &key(), now()), Err(Expired));
    let past = ViewState::new(ViewKind::STALE, Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap());
    assert_eq!(ViewState::parse(&past.encode(&key()), &key(), now()), Err(Expired));
    let d = |y| NaiveDate::from_ymd_opt(y, 6, 1).unwrap();
    for bad in [
        ViewState { period: Some((PeriodKind::Day, d(2040))), ..sample() },
        ViewState { from: Some(d(2000)), ..sample() },
        ViewState { to: Some(d(2035)), ..sample() },
    ] {
        assert!(!bad.dates_near(now()));
        assert_eq!(ViewState::parse(&bad.encode(&key()), &key(), now()), Err(Expired), "{bad:?}");
    }
    let edge = ViewState { to: Some(d(2031)), ..sample() };
    assert_eq!(ViewState::parse(&edge.encode(&key()), &key(), now()), Ok(edge), "within 5 years");
}

#[test]
fn malformed_payloads_are_expired_even_when_signed() {
    assert!(ViewState::parse(&signed("pn2.s.0.zhmg00.-.-.0.-.-.-.-.v"), &key(), now()).is_err(), "as_of 2038");
    let ok = "pn2.s.0.tosxg0.-.-.0.-.-.-.-.v";
    assert!(ViewState::parse(&signed(ok), &key(), now()).is_ok(), "the plainest valid id");
    for p in [
        "",
        "next_page",
        "pn1.s.0.tosxg0.-.-.0.-.-.-.-.v",
        "pn2.s.0.tosxg0.-.-.0.-.-.-.-",
        "pn2.x.0.tosxg0.-.-.0.-.-.-.-.v",
        "pn2.s.-1.tosxg0.-.-.0.-.-.-.-.v",
        "pn2.s.01.tosxg0.-.-.0.-.-.-.-.v",
        "pn2.s.99999999.tosxg0.-.-.0.-.-.-.-.v",
        "pn2.s.0.WGD2W.-.-.0.-.-.-.-.v",
        "pn2.s.0.tosxg0.abc.-.0.-.-.-.-.v",
        "pn2.s.0.tosxg0.AAAABBBBCCCCDDDD.-.0.-.-.-.-.v",
        "pn2.s.0.tosxg0.AA!A.-.0.-.-.-.-.v",
        "pn2.s.0.tosxg0.-.-.zz.-.-.-.-.v",
        "pn2.s.0.tosxg0.-.-.0.q1.-.-.-.v",
        "pn2.s.0.tosxg0.-.-.0.-.~.-.-.v",
        "pn2.s.0.tosxg0.-.-.0.-.zz~a.-.-.v",
        "pn2.s.0.tosxg0.-.-.0.-.-.x.-.v",
        "pn2.s.0.tosxg0.-.-.0.-.-.-.12a.v",
        "pn2.s.0.tosxg0.-.-.0.-.-.-.123456789012345678901.v",
        "pn2.s.0.tosxg0.-.-.0.-.-.-.-.vv",
        "pn2.s.0.tosxg0.-.-.0.-.-.-.-.v.extra",
    ] {
        assert_eq!(ViewState::parse(&signed(p), &key(), now()), Err(Expired), "{p:?}");
    }
    // A filter that is not a hash (a forged select value) encodes to an id that never parses.
    let bad = ViewState { stages: vec!["not-a-hash".into()], ..sample() };
    assert_eq!(ViewState::parse(&bad.encode(&key()), &key(), now()), Err(Expired));
}

#[test]
fn every_view_and_period_keeps_the_letters_ids_already_posted_carry() {
    let payload = |v: ViewKind, period: Option<(PeriodKind, NaiveDate)>| {
        let id = ViewState { period, ..ViewState::new(v, now()) }.encode(&key());
        id.rsplit_once('.').unwrap().0.to_string()
    };
    let letters: Vec<String> = ViewKind::ALL.iter().map(|v| payload(*v, None)).collect();
    let expect: Vec<String> = "srlcpod".chars().map(|c| format!("pn2.{c}.0.tosxg0.-.-.0.-.-.-.-.v")).collect();
    assert_eq!(letters, expect);
    let nov = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let periods: Vec<String> = PeriodKind::NAMED.iter().map(|k| payload(ViewKind::Calendar, Some((*k, nov)))).collect();
    assert_eq!(
        periods,
        ["d", "w", "m"].map(|k| format!("pn2.c.0.tosxg0.-.-.0.{k}g0m.-.-.-.v")).to_vec(),
        "a named period: its letter and its date"
    );
    // A range is carried by from/to; as a named period it has no encoding.
    let range = ViewState { period: Some((PeriodKind::Range, nov)), ..ViewState::new(ViewKind::Calendar, now()) };
    assert_eq!(ViewState::parse(&range.encode(&key()), &key(), now()), Err(Expired));
}

fn date_near() -> impl Strategy<Value = NaiveDate> {
    (-(MAX_YEARS_FROM_NOW * 365)..=MAX_YEARS_FROM_NOW * 365).prop_map(|d| now().date_naive() + Duration::days(d))
}

fn hashes() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec((0u32..1 << 24).prop_map(|n| format!("{n:06x}")), 0..=MAX_FILTER_VALUES)
}

prop_compose! {
    /// Any state the bot can make, up to the longest of everything.
    fn any_state()(
        view in proptest::sample::select(ViewKind::ALL.to_vec()),
        page in any::<u16>(),
        secs in -(MAX_YEARS_FROM_NOW * 365 * 86_400)..=MAX_YEARS_FROM_NOW * 365 * 86_400,
        stages in hashes(),
        locators in hashes(),
        statuses in proptest::sample::subsequence(Status::ALL.to_vec(), 0..=6),
        period in proptest::option::of((proptest::sample::select(PeriodKind::NAMED.to_vec()), date_near())),
        (from, to) in (proptest::option::of(date_near()), proptest::option::of(date_near()))
            .prop_map(|(a, b)| match (a, b) { (Some(a), Some(b)) if a > b => (Some(b), Some(a)), x => x }),
        sort in proptest::option::of(proptest::sample::select(SORTS.map(|s| s.0).to_vec())),
        lead in proptest::option::of("[1-9][0-9]{0,19}"),
        tag in proptest::char::ranges(vec!['a'..='z', 'A'..='Z', '0'..='9'].into()),
    ) -> ViewState {
        ViewState { view, page, as_of: now() + Duration::seconds(secs), stages, locators, statuses, period,
            from, to, sort, lead, tag }
    }
}

proptest! {
    /// Every state the bot can make fits Discord's 100 characters and comes back unchanged.
    #[test]
    fn every_state_fits_and_round_trips(st in any_state()) {
        let id = st.encode(&key());
        prop_assert!(id.len() <= MAX_LEN, "{} chars: {}", id.len(), id);
        prop_assert_eq!(ViewState::parse(&id, &key(), now()), Ok(st));
    }

    /// Arbitrary text never panics the decoder, and is never accepted.
    #[test]
    fn arbitrary_strings_are_expired(s in ".{0,120}") {
        prop_assert_eq!(ViewState::parse(&s, &key(), now()), Err(Expired));
    }

    /// Changing one character of a valid id never panics and is never accepted.
    #[test]
    fn mutations_are_expired(st in any_state(), pos in 0usize..100, c in proptest::char::any()) {
        let id = st.encode(&key());
        let mut chars: Vec<char> = id.chars().collect();
        let p = pos % chars.len();
        prop_assume!(chars[p] != c);
        chars[p] = c;
        let m: String = chars.into_iter().collect();
        prop_assert_eq!(ViewState::parse(&m, &key(), now()), Err(Expired));
    }
}

/// A Salesforce org's ids (18 letters and digits) ride in every kind of signed id as Zoho's
/// digits do, and something that is neither CRM's id still never parses (issue 17).
#[test]
fn salesforce_ids_ride_in_every_signed_id() {
    let lead = "00Q5g00000AbCdEFGH";
    let st = ViewState { lead: Some(lead.into()), ..sample() };
    let id = st.encode(&key());
    assert!(id.len() <= MAX_LEN, "{} chars: {id}", id.len());
    assert_eq!(ViewState::parse(&id, &key(), now()).unwrap().lead.as_deref(), Some(lead));
    let a = Action::new(ActionKind::Unsnooze, lead);
    assert_eq!(Action::parse(&a.encode(&key()), &key()).unwrap().lead, lead);
    let w = Write::on(WriteKind::Reassign, lead);
    assert_eq!(Write::parse(&w.encode(&key()), &key()).unwrap().lead.as_deref(), Some(lead));
    let r = RecordKey::new(RecordKind::Deal, "006Ab00000XyZ12AAA").expect("a Salesforce deal id");
    assert_eq!(RecordKey::parse(&r.text()), Some(r));
    for bad in ["00Q5g00000AbCd", "00Q5g00000AbCdEF.H", "00Q5g00000AbCdEFGHI"] {
        let st = ViewState { lead: Some(bad.into()), ..sample() };
        assert_eq!(ViewState::parse(&st.encode(&key()), &key(), now()), Err(Expired), "{bad}");
        assert_eq!(Action::parse(&Action::new(ActionKind::Unsnooze, bad).encode(&key()), &key()), Err(Expired));
        assert!(RecordKey::new(RecordKind::Lead, bad).is_none(), "{bad}");
    }
}
