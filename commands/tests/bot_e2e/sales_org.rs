//! The small sales org the sales tests write by hand into the bot's database, beside the demo
//! org's leads: a rep (Dana), a teammate of the manager's, someone outside the team, their
//! deals, one account with a contact, a deal's stage history and a call — and what each of the
//! three people should see, computed here from the list, apart from the code under test.

use chrono::{Duration, NaiveDate, Utc};
use panopticon::crm::UserRef;
use panopticon::sales::{
    Account, Activity, ActivityKind, Contact, Deal, DealCategory, DealStage, RecordRef, Related, StageInfo,
};
use panopticon::store::{self, Connection, Store};
use panopticon::time::Stamp;

use crate::support::bot::TestBot;

pub const MANAGER_ROLE: u64 = 900_000_000_000_000_310;
pub const MEMBER_ROLE: u64 = 900_000_000_000_000_311;
pub const DANA: u64 = 700_000_000_000_000_011;
pub const MARCUS: u64 = 700_000_000_000_000_012;

/// The sales org's people by CRM user id.
pub struct Org {
    pub dana: String,
    pub marcus: String,
    pub teammate: String,
    pub outsider: String,
    /// Marcus's team as the CRM says (computed in SQL by the support code).
    pub team: Vec<String>,
    pub deals: Vec<Deal>,
    pub today: NaiveDate,
    pub conn: Connection,
}

pub fn tail() -> String {
    format!(
        "{}[sync]\nrefresh_cooldown = 0\n[roles]\nmanager = [{MANAGER_ROLE}]\nmember = [{MEMBER_ROLE}]\n",
        crate::support::bot::NO_DIGEST
    )
}

fn user(conn: &Connection, id: &str) -> UserRef {
    let name: String = conn.query_row("SELECT name FROM users WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    UserRef { id: id.to_string(), name }
}

/// A deal as the tests write it: amount in whole units, closing `days` from today.
pub fn deal(id: &str, name: &str, stage: &str, owner: &UserRef, amount: i64, closing: NaiveDate) -> Deal {
    let now = Stamp::from_utc(Utc::now() - Duration::days(30));
    Deal {
        id: id.into(),
        name: name.into(),
        stage: stage.into(),
        pipeline: Some("Standard (Standard)".into()),
        amount: Some(amount * 100),
        probability: None,
        expected_revenue: None,
        closing_date: Some(closing),
        account: None,
        contact: None,
        lead_source: Some("Web".into()),
        owner: Some(owner.clone()),
        kind: None,
        created_at: now,
        modified_at: now,
    }
}

const STAGES: [(&str, u8, &str); 9] = [
    ("Qualification", 10, "Open"),
    ("Needs Analysis", 20, "Open"),
    ("Value Proposition", 40, "Open"),
    ("Id. Decision Makers", 60, "Open"),
    ("Proposal/Price Quote", 75, "Open"),
    ("Negotiation/Review", 90, "Open"),
    ("Closed Won", 100, "Closed Won"),
    ("Closed Lost", 0, "Closed Lost"),
    ("Closed Lost to Competition", 0, "Closed Lost"),
];

/// Writes the org into the bot's database (before any sales command, so the bot's first load
/// reads it) and links Dana as a member and Marcus as a manager.
pub fn write(bot: &TestBot) -> Org {
    let mut conn = Store::open(&bot.db).unwrap().connect().unwrap();
    let marcus: String = conn
        .query_row(
            "SELECT u.id FROM users u JOIN crm_roles r ON r.id = u.role_id WHERE r.name = 'Sales Manager East'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let dana: String = conn.query_row("SELECT id FROM users WHERE name LIKE 'Dana %'", [], |r| r.get(0)).unwrap();
    let team = crate::support::team_in_crm(&conn, &marcus);
    let all: Vec<String> = conn
        .prepare("SELECT id FROM users ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let teammate = team.iter().find(|u| **u != dana && **u != marcus).cloned().expect("the manager has a team");
    let outsider = all.iter().find(|u| !team.contains(u) && **u != dana).cloned().expect("someone outside the team");
    for (discord, crm) in [(DANA, &dana), (MARCUS, &marcus)] {
        bot.fake.join(discord);
        store::link(&mut conn, discord, crm, "test", Utc::now()).unwrap().unwrap();
    }
    let tz = chrono_tz::America::New_York;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let (d, t, o) = (user(&conn, &dana), user(&conn, &teammate), user(&conn, &outsider));
    let acme = RecordRef { id: "4100000000000000001".into(), name: "Acme Corp".into() };
    let ann = RecordRef { id: "4200000000000000001".into(), name: "Ann Smith".into() };
    let mut deals = vec![
        Deal {
            account: Some(acme.clone()),
            contact: Some(ann.clone()),
            ..deal("4300000000000000001", "Acme renewal", "Negotiation/Review", &d, 10_000, today)
        },
        deal("4300000000000000002", "Dana won deal", "Closed Won", &d, 5_000, today),
        deal("4300000000000000003", "Team proposal", "Proposal/Price Quote", &t, 20_000, today + Duration::days(40)),
        Deal {
            lead_source: Some("Trade Show".into()),
            ..deal("4300000000000000004", "Outside deal", "Qualification", &o, 40_000, today)
        },
    ];
    for i in 0..11 {
        deals.push(deal(
            &format!("43000000000000001{i:02}"),
            &format!("Bulk deal {i:02}"),
            "Needs Analysis",
            &o,
            100 + i,
            today,
        ));
    }
    let tx = conn.transaction().unwrap();
    // Only this org: whatever sales records the demo sync brought are not the tests' to count.
    tx.execute_batch("DELETE FROM deal_stages; DELETE FROM activities; DELETE FROM contacts; DELETE FROM accounts; DELETE FROM deals;").unwrap();
    let meta: Vec<StageInfo> = STAGES
        .iter()
        .enumerate()
        .map(|(i, (s, p, f))| StageInfo {
            pipeline: None,
            stage: s.to_string(),
            sequence: i as u32 + 1,
            probability: Some(*p),
            category: DealCategory::from_zoho(f).unwrap(),
            forecast_category: None,
        })
        .collect();
    store::replace_stage_meta(&tx, &meta).unwrap();
    for x in &deals {
        store::upsert_deal(&tx, x).unwrap();
    }
    let at = |days: i64| Stamp::from_utc(Utc::now() - Duration::days(days));
    let history = [("Qualification", 20), ("Negotiation/Review", 5)].map(|(s, ago)| DealStage {
        id: format!("44000000000000000{ago:02}"),
        deal_id: deals[0].id.clone(),
        stage: s.into(),
        at: at(ago),
        amount: Some(1_000_000),
        probability: None,
        closing_date: Some(today),
        by: Some(d.name.clone()),
    });
    store::replace_deal_stages(&tx, &deals[0].id, &history).unwrap();
    store::upsert_account(
        &tx,
        &Account {
            id: acme.id.clone(),
            name: acme.name.clone(),
            owner: Some(d.clone()),
            industry: Some("Retail".into()),
            modified_at: at(3),
        },
    )
    .unwrap();
    store::upsert_contact(
        &tx,
        &Contact {
            id: ann.id.clone(),
            name: ann.name.clone(),
            email: Some("ann@acme.test".into()),
            account: Some(acme.clone()),
            owner: Some(d.clone()),
            modified_at: at(3),
        },
    )
    .unwrap();
    store::upsert_activity(
        &tx,
        &Activity {
            id: "Calls:4500000000000000001".into(),
            kind: ActivityKind::Call,
            subject: "Pricing call with Ann".into(),
            owner: Some(d.clone()),
            what: Some(Related { module: "Deals".into(), id: deals[0].id.clone(), name: Some(deals[0].name.clone()) }),
            who: Some(ann),
            at: Some(at(2)),
            due: None,
            status: Some("Completed".into()),
            completed_at: Some(at(2)),
            call_type: Some("Outbound".into()),
            duration_secs: Some(600),
            created_at: at(2),
            modified_at: at(2),
        },
    )
    .unwrap();
    tx.commit().unwrap();
    Org { dana, marcus, teammate, outsider, team, deals, today, conn }
}

impl Org {
    /// The sum of `pick`'s amounts among the deals `who` sees.
    pub fn sum(&self, who: &str, pick: impl Fn(&Deal) -> bool) -> i64 {
        self.seen_by(who).into_iter().filter(|d| pick(d)).filter_map(|d| d.amount).sum()
    }

    /// The deals whose owner `who` sees: Dana hers, Marcus his team's, a coordinator all.
    pub fn seen_by(&self, who: &str) -> Vec<&Deal> {
        let owner = |x: &Deal| x.owner.as_ref().unwrap().id.clone();
        match who {
            "rep" => self.deals.iter().filter(|x| owner(x) == self.dana).collect(),
            "manager" => self.deals.iter().filter(|x| self.team.contains(&owner(x))).collect(),
            _ => self.deals.iter().collect(),
        }
    }
}

/// Whole units as the bot writes money: `$12,345`.
pub fn dollars(cents: i64) -> String {
    let s = (cents / 100).to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("${out}")
}
