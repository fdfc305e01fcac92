//! The sales dashboard through the fake Discord, on a small org written by hand
//! (`sales_org.rs`): /deals as a rep, a manager and an executive (each sees their own numbers),
//! paging, the closing-range preset and filter selects, a deal's story, /search's suggestions
//! and opening one, a forged id refused; the KPI commands are in `sales_kpi.rs`.

use serde_json::{json, Value};

use super::sales_org::{self, dollars, Org, DANA, MANAGER_ROLE, MARCUS, MEMBER_ROLE};
use crate::support::bot::*;
use crate::support::fake_discord::*;

pub fn rep() -> Who {
    Who { user: DANA, roles: vec![MEMBER_ROLE], admin: false, dm: false }
}

pub fn manager() -> Who {
    Who { user: MARCUS, roles: vec![MANAGER_ROLE], admin: false, dm: false }
}

/// The coordinator (an executive: they see everything).
pub fn executive() -> Who {
    Who::member()
}

pub fn desc(m: &Value) -> String {
    embed(m)["description"].as_str().unwrap_or_default().to_string()
}

pub fn select(m: &Value, words: &str) -> Value {
    components(m)
        .into_iter()
        .find(|c| c["placeholder"].as_str().is_some_and(|p| p.contains(words)))
        .unwrap_or_else(|| panic!("no {words} select in {m:#}"))
}

/// The value of `select`'s option whose label contains `label`.
pub fn option(select: &Value, label: &str) -> String {
    select["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["label"].as_str().is_some_and(|l| l.contains(label)))
        .and_then(|o| o["value"].as_str())
        .unwrap_or_else(|| panic!("no {label} in {select:#}"))
        .to_string()
}

/// Picks `value` in `select` of message `m` (shown as `private` or not) as `who`; the answer.
pub async fn pick(
    fake: &FakeDiscord,
    m: &Value,
    select: &Value,
    value: &str,
    who: &Who,
    private: bool,
) -> (String, Value) {
    let mut msg = message_json(77, m);
    msg["flags"] = json!(if private { 64 } else { 0 });
    let t = fake.click(select["custom_id"].as_str().unwrap(), Some(vec![value.to_string()]), &msg, who, CHANNEL);
    let (a, _) = answer(fake, &t).await;
    (t, a)
}

fn total_line(org: &Org, who: &str) -> String {
    let seen = org.seen_by(who);
    let sum: i64 = seen.iter().filter_map(|d| d.amount).sum();
    format!("Deals — {} ({})", seen.len(), dollars(sum))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deals_per_person_paged_filtered_and_opened() {
    let bot = spawn_bot(&sales_org::tail()).await;
    let fake = &bot.fake;
    let org = sales_org::write(&bot);

    // Each sees their own scope's deals, with the totals computed from the org here.
    for (who, as_) in [(rep(), "rep"), (manager(), "manager"), (executive(), "exec")] {
        let t = fake.slash("deals", json!([]), &who, CHANNEL);
        let (m, _) = answer(fake, &t).await;
        assert_eq!(title(&m), total_line(&org, as_), "{as_}: {m:#}");
        let names: Vec<&str> = org.seen_by(as_).iter().map(|d| d.name.as_str()).collect();
        for d in &org.deals {
            let shown = desc(&m).contains(&format!("**{}**", d.name));
            assert!(!shown || names.contains(&d.name.as_str()), "{as_} sees {} in {}", d.name, desc(&m));
        }
        // Reps and managers are answered privately.
        assert_eq!(fake.seen(&t)[0].ephemeral, as_ != "exec", "{as_}");
    }
    assert!(desc(&answer(fake, &fake.slash("deals", json!([]), &rep(), CHANNEL)).await.0).contains("**Acme renewal**"));

    // The executive pages through every deal.
    let n = org.deals.len();
    let t = fake.slash("deals", json!([{"name": "sort", "type": 4, "value": 1}]), &executive(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    let d = desc(&m);
    assert!(d.contains(&format!("rows 1–10 of {n}")) && d.contains("1. **Outside deal**"), "{d}");
    let next = custom_id(&m, "Next");
    let t2 = fake.click(&next, None, &message_json(2, &m), &executive(), CHANNEL);
    let (p2, _) = answer(fake, &t2).await;
    assert!(desc(&p2).contains(&format!("rows 11–{n} of {n}")), "{}", desc(&p2));
    assert_eq!(button(&components(&p2), "Next")["disabled"], json!(true));
    assert_eq!(first_callback(fake, &t2), Some(6), "the shared list is edited in place");

    // A filter: the Trade Show source leaves one deal.
    let f = select(&m, "Filter");
    let (_, only) = pick(fake, &m, &f, &option(&f, "Source: Trade Show"), &executive(), false).await;
    assert_eq!(title(&only), "Deals — 1 ($40,000)", "{only:#}");
    assert!(desc(&only).contains("Filters: source = Trade Show"), "{}", desc(&only));

    // The closing-range select: next month's deal is not closing this month.
    let (_, month) = pick(fake, &m, &select(&m, "Closing in"), "this-month", &executive(), false).await;
    let this_month = org.deals.iter().filter(|d| d.closing_date.unwrap() <= org.today).count();
    assert!(title(&month).starts_with(&format!("Deals — {this_month} (")), "{}", title(&month));
    assert!(!desc(&month).contains("Team proposal"));

    // The deal's story, privately: its stage history, its call, its account and contact.
    let t = fake.slash("deals", json!([]), &rep(), CHANNEL);
    let (mine, _) = answer(fake, &t).await;
    let open = select(&mine, "story");
    let (t, story) = pick(fake, &mine, &open, &option(&open, "Acme renewal"), &rep(), true).await;
    assert_eq!(title(&story), "Deal: Acme renewal");
    let s = desc(&story);
    for want in [
        "Stage: **Negotiation/Review**",
        "Amount: **$10,000**",
        "→ Qualification",
        "→ Negotiation/Review",
        "Pricing call with Ann",
        "Account: Acme Corp · contact: Ann Smith",
    ] {
        assert!(s.contains(want), "{want} in {s}");
    }
    assert!(fake.seen(&t).iter().all(|m| m.ephemeral), "the story is the clicker's alone");
    // From the story to the account.
    let rel = select(&story, "related");
    let (_, acct) = pick(fake, &story, &rel, &option(&rel, "Account: Acme"), &rep(), true).await;
    assert_eq!(title(&acct), "Account: Acme Corp");
    assert!(desc(&acct).contains("Ann Smith · ann@acme.test"), "{}", desc(&acct));

    // The manager cannot open the outsider's deal, even from the executive's message.
    let exec_open = select(&m, "story");
    let outside = option(&exec_open, "Outside deal");
    let (_, refused) = pick(fake, &m, &exec_open, &outside, &manager(), false).await;
    let c = refused["content"].as_str().unwrap_or_default();
    assert!(c.contains("not among what you see"), "{refused:#}");

    // A forged id (the owner filter changed by hand) is refused before anything is read.
    let mut parts: Vec<&str> = next.split('.').collect();
    parts[3] = "abcdef";
    let forged = parts.join(".");
    assert_ne!(forged, next);
    let t = fake.click(&forged, None, &message_json(3, &m), &rep(), CHANNEL);
    let said = last_content(fake, &t, "not Panopticon's").await;
    assert!(said.contains("run the command again"), "{said}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_suggests_what_each_sees_and_opens_it() {
    let bot = spawn_bot(&sales_org::tail()).await;
    let fake = &bot.fake;
    let org = sales_org::write(&bot);
    let suggested = |t: String| async move {
        let body = fake
            .wait_for(20, |log| log.iter().find(|r| r.path.contains(&format!("/{t}/callback"))).map(|r| r.body.clone()))
            .await;
        body["data"]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_string(), c["value"].as_str().unwrap().to_string()))
            .collect::<Vec<_>>()
    };
    // Dana's "acme": her account, contact's account, and deal.
    let mine = suggested(fake.autocomplete("search", "query", "acme", &rep())).await;
    let names: Vec<&str> = mine.iter().map(|c| c.0.as_str()).collect();
    assert!(
        names.contains(&"Account: Acme Corp") && names.contains(&"Deal: Acme renewal — Negotiation/Review"),
        "{names:?}"
    );
    // "outside": the executive finds the outsider's deal, the rep does not.
    let all = suggested(fake.autocomplete("search", "query", "outside", &executive())).await;
    assert_eq!(all.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), vec!["Deal: Outside deal — Qualification"]);
    let hers = suggested(fake.autocomplete("search", "query", "outside", &rep())).await;
    assert!(hers.iter().all(|c| !c.0.starts_with("Deal:")), "{hers:?}");

    // Choosing the contact opens her story.
    let ann = mine.iter().find(|c| c.0.starts_with("Contact: Ann")).expect("Ann suggested").1.clone();
    let t = fake.slash("search", json!([{"name": "query", "type": 3, "value": ann}]), &rep(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert_eq!(title(&m), "Contact: Ann Smith");
    assert!(desc(&m).contains("Acme renewal") && desc(&m).contains("Pricing call with Ann"), "{}", desc(&m));

    // Typed text with several matches lists them; a lead of hers opens the lead story.
    let t = fake.slash("search", json!([{"name": "query", "type": 3, "value": "deal"}]), &executive(), CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(title(&m).starts_with("Search “deal” — "), "{}", title(&m));
    let snap = panopticon::views::Snapshot::load(&org.conn).unwrap();
    let l = snap.leads.iter().find(|l| l.owner_id.as_deref() == Some(org.dana.as_str())).expect("Dana has leads");
    let lead = (l.id.clone(), l.name.clone());
    let t =
        fake.slash("search", json!([{"name": "query", "type": 3, "value": format!("L{}", lead.0)}]), &rep(), CHANNEL);
    let (m, files) = answer(fake, &t).await;
    assert!(title(&m).starts_with(&lead.1), "{}: {m:#}", lead.1);
    assert!(files[0].0.starts_with("lead-"));
    // The outsider's deal by its key, asked by the rep: nothing found.
    let t = fake.slash(
        "search",
        json!([{"name": "query", "type": 3, "value": format!("D{}", org.deals[3].id)}]),
        &rep(),
        CHANNEL,
    );
    let (m, _) = answer(fake, &t).await;
    assert!(title(&m).ends_with("— 0 found"), "{m:#}");
    let _ = (&org.marcus, &org.teammate, &org.outsider);
}
