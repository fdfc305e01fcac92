//! The write-back wire (issue 15): the real Zoho client writing to the sandbox on 127.0.0.1 —
//! what lands in the org, what Zoho refuses and why, and what happens when an answer is lost.
//! `happy` reads each write back from the org, `refusals` covers conflicts, locks, validation,
//! scopes and shapes the client never sends, `faults` the lost and retried calls.

mod faults;
mod happy;
mod refusals;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use panopticon::config::{AppointmentSource, ZohoConfig};
use panopticon::crm::zoho::ZohoClient;
use panopticon::crm::{NewNote, NewTask};
use panopticon::domain::LeadId;
use panopticon::time::Stamp;
use panopticon_sandbox::{generate, Org, Sandbox, Spec, CREDENTIALS};

pub struct W {
    pub sandbox: Sandbox,
    pub client: ZohoClient,
    /// A lead of the org, its owner, and another active user to hand it to.
    pub lead: LeadId,
    pub owner: String,
    pub other: String,
}

pub fn cfg(sandbox: &Sandbox, timeout: Duration) -> ZohoConfig {
    let mut cfg = ZohoConfig::local(&sandbox.url(), CREDENTIALS);
    cfg.timeout = timeout;
    cfg
}

pub fn client(sandbox: &Sandbox, timeout: Duration) -> ZohoClient {
    ZohoClient::new(&cfg(sandbox, timeout), AppointmentSource::Events).unwrap()
}

impl W {
    pub async fn new() -> W {
        let org = generate(&Spec {
            seed: 15,
            leads: 12,
            appointed: 4,
            events: 4,
            locators: 5,
            now: Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap(),
            user_tz: chrono_tz::America::New_York,
            appointments_module: false,
            sales: panopticon_sandbox::SalesSpec::none(),
        });
        let sandbox = Sandbox::start(org).await.unwrap();
        let client = client(&sandbox, Duration::from_secs(5));
        let (lead, owner, other) = sandbox.org(|o| {
            // A lead with no meetings yet: its activities are only what a test gives it.
            let met: Vec<&str> = o.event_appointments().into_iter().map(|(_, l)| l).collect();
            let l = o
                .leads
                .values()
                .find(|l| !l.converted && l.owner_id.is_some() && !met.contains(&l.id.as_str()))
                .expect("a lead");
            let owner = l.owner_id.clone().unwrap();
            let other = o
                .users
                .iter()
                .find(|u| u.status == "active" && u.id != owner && u.profile == "Standard")
                .expect("another user")
                .id
                .clone();
            (l.id.clone(), owner, other)
        });
        W { sandbox, client, lead: LeadId::parse(&lead).unwrap(), owner, other }
    }

    /// The lead's Modified_Time as the sync stored it (Zoho's text, with its offset).
    pub fn stamp(&self) -> Stamp {
        self.sandbox.org(|o| stamp_of(o, self.lead.as_str()))
    }

    pub fn owner_now(&self) -> Option<String> {
        self.sandbox.org(|o| o.leads[self.lead.as_str()].owner_id.clone())
    }

    /// A user who is not active in the org.
    pub fn inactive_user(&self) -> String {
        self.sandbox.org(|o| o.users.iter().find(|u| u.status != "active").expect("a disabled user").id.clone())
    }
}

pub fn stamp_of(o: &Org, lead: &str) -> Stamp {
    Stamp::from_fixed(o.leads[lead].modified.with_timezone(&o.user_tz).fixed_offset())
}

pub fn note(text: &str, marker: &str) -> NewNote {
    NewNote { title: "Panopticon note".into(), content: format!("{text}\n\n{marker}") }
}

pub fn task(w: &W, subject: &str, marker: &str) -> NewTask {
    NewTask {
        subject: subject.into(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        owner_id: w.owner.clone(),
        description: format!("Follow up.\n\n{marker}"),
    }
}
