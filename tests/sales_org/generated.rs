//! A seeded generator of larger sales orgs, for the checks against an independent computation.

use super::*;

/// A tiny deterministic generator (xorshift64*): the same org for the same seed, everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

pub const OWNERS: [&str; 4] = ["u1", "u2", "u3", "u4"];
pub const SOURCES: [&str; 4] = ["Web", "Referral", "Trade Show", "Cold Call"];
pub const LEAD_STAGES: [&str; 7] =
    ["New", "Appt Set", "Follow Up", "Proposal", "Green - Approved", "Delivered", "Lost Lead"];

/// A generated org: `deals` deals (1–7 history rows each, 4 on average), `leads` leads, `activities`
/// activities, spread over September 2026 to March 2027. Closed deals always carry a closing
/// date (the fallback to history is the hand-worked org's part).
pub fn generated(seed: u64, deals: usize, leads: usize, activities: usize) -> (SalesData, Vec<LeadFact>) {
    let mut r = Rng::new(seed);
    let meta = stage_meta();
    let base = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
    let at = |r: &mut Rng, days: u64| Stamp::from_utc(base + chrono::Duration::minutes(r.below(days * 24 * 60) as i64));
    let mut data = SalesData { stage_meta: meta.clone(), ..Default::default() };
    for i in 0..deals {
        let id = format!("{:08}", i);
        let created = at(&mut r, 120);
        let m = r.pick(&meta).clone();
        let mut closing = Some(created.date_in(tz()) + chrono::Duration::days(r.below(150) as i64));
        if m.category == DealCategory::Open && r.below(10) == 0 {
            closing = None;
        }
        let amount = if r.below(20) == 0 { None } else { Some(r.below(5_000_000) as i64 + 1) };
        let probability = if r.below(3) == 0 { Some(r.below(101) as u8) } else { None };
        let owner = if r.below(50) == 0 { None } else { Some(user(OWNERS[r.below(OWNERS.len() as u64) as usize])) };
        let source = if r.below(10) == 0 { None } else { Some(r.pick(&SOURCES).to_string()) };
        let pipeline = Some(if r.below(4) == 0 { "Renewals" } else { STD }.to_string());
        let n = 1 + r.below(7);
        for k in 0..n {
            let stage = if k + 1 == n { m.stage.clone() } else { r.pick(&meta[..6]).stage.clone() };
            data.stages.push(DealStage {
                id: format!("{id}-{k}"),
                deal_id: id.clone(),
                stage,
                at: Stamp::from_utc(created.utc() + chrono::Duration::hours(k as i64 * 24)),
                amount,
                probability: None,
                closing_date: None,
                by: None,
            });
        }
        data.deals.push(Deal {
            id: id.clone(),
            name: format!("Deal {i}"),
            stage: m.stage.clone(),
            pipeline,
            amount,
            probability,
            expected_revenue: None,
            closing_date: closing,
            account: None,
            contact: None,
            lead_source: source,
            owner,
            kind: None,
            created_at: created,
            modified_at: created,
        });
    }
    let kinds = [ActivityKind::Call, ActivityKind::Task, ActivityKind::Meeting];
    for i in 0..activities {
        let kind = *r.pick(&kinds);
        let when = at(&mut r, 200);
        let owner = if r.below(40) == 0 { None } else { Some(user(OWNERS[r.below(OWNERS.len() as u64) as usize])) };
        let mut a = Activity {
            id: format!("{}:{i}", kind.module().api_name()),
            kind,
            subject: format!("Activity {i}"),
            owner,
            what: Some(Related {
                module: "Deals".into(),
                id: format!("{:08}", r.below(deals.max(1) as u64)),
                name: None,
            }),
            who: None,
            at: None,
            due: None,
            status: None,
            completed_at: None,
            call_type: None,
            duration_secs: None,
            created_at: when,
            modified_at: when,
        };
        match kind {
            ActivityKind::Call => {
                a.at = Some(when);
                a.call_type = Some(r.pick(&["Outbound", "Inbound", "Missed"]).to_string());
                if a.call_type.as_deref() == Some("Outbound") {
                    a.status = Some(r.pick(&["Scheduled", "Completed"]).to_string());
                }
            }
            ActivityKind::Meeting => a.at = Some(when),
            ActivityKind::Task => {
                a.due = Some(when.date_in(tz()));
                if r.below(2) == 0 {
                    a.status = Some("Completed".into());
                    a.completed_at = Some(Stamp::from_utc(when.utc() + chrono::Duration::hours(r.below(72) as i64)));
                } else {
                    a.status = Some("Not Started".into());
                }
            }
        }
        data.activities.push(a);
    }
    let mut out = Vec::new();
    for i in 0..leads {
        let stage = *r.pick(&LEAD_STAGES);
        let reached: Vec<StageName> = (0..r.below(3)).map(|_| StageName::from(*r.pick(&LEAD_STAGES))).collect();
        let owner = if r.below(40) == 0 { None } else { Some(r.pick(&OWNERS).to_string()) };
        out.push(LeadFact {
            id: format!("{}", 100_000 + i),
            name: format!("Lead {i}"),
            company: None,
            stage: Some(stage.into()),
            lead_source: if r.below(10) == 0 { None } else { Some(r.pick(&SOURCES).to_string()) },
            owner_name: owner.as_deref().map(|o| user(o).name),
            owner_id: owner,
            created_at: at(&mut r, 200),
            converted: false,
            appointed: r.below(2) == 0,
            reached,
        });
    }
    (data, out)
}
