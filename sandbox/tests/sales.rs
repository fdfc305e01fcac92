//! The sandbox's sales side over HTTP, as the sync's client meets it: each module's records in
//! the contract's shape, paging and If-Modified-Since, the recycle bin, Deals' Stage_History
//! rules, the Stage picklist, scope refusals, faults and hostile deals.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use panopticon_sandbox::{
    generate, Fault, FaultRule, Org, SalesSpec, Sandbox, Spec, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DEALS: &str = "Deal_Name,Stage,Pipeline,Amount,Probability,Expected_Revenue,Closing_Date,Account_Name,Contact_Name,Lead_Source,Owner,Type,Created_Time,Modified_Time";
const HISTORY: &str = "Stage,Amount,Probability,Closing_Date,Modified_Time,Modified_By";
const CALLS: &str = "Subject,Call_Type,Call_Start_Time,Call_Duration,Call_Duration_in_seconds,Outgoing_Call_Status,What_Id,$se_module,Who_Id,Owner,Created_Time,Modified_Time";
const TASKS: &str =
    "Subject,Due_Date,Status,Priority,What_Id,$se_module,Who_Id,Owner,Closed_Time,Created_Time,Modified_Time";
const EVENTS: &str =
    "Event_Title,Start_DateTime,End_DateTime,All_day,What_Id,$se_module,Who_Id,Owner,Created_Time,Modified_Time";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

/// Three users, no leads, no generated sales: the tests add what they need.
fn bare() -> Org {
    let mut spec = Spec::scaled(4, 0, now());
    spec.locators = 3;
    spec.user_tz = chrono_tz::UTC;
    generate(&spec)
}

struct Client {
    sb: Sandbox,
    token: String,
    http: reqwest::Client,
}

impl Client {
    async fn new(org: Org) -> Client {
        let sb = Sandbox::start(org).await.unwrap();
        let http = reqwest::Client::new();
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH_TOKEN),
        ];
        let reply: Value =
            http.post(format!("{}/oauth/v2/token", sb.url())).form(&form).send().await.unwrap().json().await.unwrap();
        let token = reply["access_token"].as_str().unwrap().to_string();
        Client { sb, token, http }
    }

    async fn get_since(&self, path: &str, since: Option<&str>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .get(format!("{}/crm/v7/{path}", self.sb.url()))
            .header("Authorization", format!("Zoho-oauthtoken {}", self.token));
        if let Some(s) = since {
            req = req.header("If-Modified-Since", s);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.get_since(path, None).await
    }

    /// Every record of a listing, page by page (`per_page` a page), ascending Modified_Time.
    async fn all(&self, module: &str, fields: &str, per_page: usize) -> Vec<Value> {
        let mut out = vec![];
        let mut page = 1;
        loop {
            let (status, body) = self
                .get(&format!(
                    "{module}?fields={fields}&per_page={per_page}&page={page}&sort_by=Modified_Time&sort_order=asc"
                ))
                .await;
            if status == StatusCode::NO_CONTENT {
                return out;
            }
            assert_eq!(status, StatusCode::OK, "{body}");
            out.extend(body["data"].as_array().unwrap().iter().cloned());
            if body["info"]["more_records"] != json!(true) {
                return out;
            }
            page += 1;
        }
    }
}

/// A small sales org: an account, a contact there, a deal moved twice, a call, a task, a meeting.
struct Small {
    account: String,
    contact: String,
    deal: String,
    call: String,
    task: String,
    meeting: String,
}

fn small(org: &mut Org) -> Small {
    let account = org.add_account("Harbor Foods Inc", Some("Hospitality"), 0);
    let contact = org.add_contact("Ada", "Lovelace", Some(&account), 1);
    let closing = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    let deal = org.add_deal(
        "Harbor – Coffee service",
        "Qualification",
        "Standard (Standard)",
        Some(12_500.5),
        closing,
        0,
        Some(&account),
        Some(&contact),
        Some("Referral"),
    );
    org.set_deal_stage(&deal, "Value Proposition", 1);
    org.set_deal_stage(&deal, "Proposal/Price Quote", 0);
    let start = now() - Duration::days(2);
    let call = org.add_call("Discovery call", "Outbound", start, 330, Some(("Deals", &deal)), 0);
    let task =
        org.add_task("Send proposal", Some(NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()), Some(("Deals", &deal)), 1);
    let meeting = org.add_meeting("Site survey", now() + Duration::days(3), 60, Some(("Accounts", &account)), 2);
    Small { account, contact, deal, call, task, meeting }
}

#[tokio::test]
async fn each_module_serves_the_contract_shape() {
    let mut org = bare();
    let s = small(&mut org);
    let c = Client::new(org).await;
    let (marcus, dana) = c.sb.org(|o| (o.users[0].clone(), o.users[1].clone()));
    let owner = |u: &panopticon_sandbox::org::SUser| json!({"name": u.full_name(), "id": u.id, "email": u.email});

    let deals = c.all("Deals", DEALS, 200).await;
    assert_eq!(deals.len(), 1);
    let d = &deals[0];
    assert_eq!(d["id"], json!(s.deal));
    assert_eq!(d["Deal_Name"], json!("Harbor – Coffee service"));
    assert_eq!(d["Stage"], json!("Proposal/Price Quote"));
    assert_eq!(d["Pipeline"], json!("Standard (Standard)"));
    assert_eq!(d["Amount"], json!(12_500.5));
    assert_eq!(d["Probability"], json!(75), "the stage's default after the move");
    assert_eq!(d["Expected_Revenue"], json!(9_375.38));
    assert_eq!(d["Closing_Date"], json!("2027-01-15"));
    assert_eq!(d["Account_Name"], json!({"name": "Harbor Foods Inc", "id": s.account}));
    assert_eq!(d["Contact_Name"], json!({"name": "Ada Lovelace", "id": s.contact}));
    assert_eq!(d["Lead_Source"], json!("Referral"));
    assert_eq!(d["Owner"], owner(&marcus));
    assert_eq!(d["Type"], json!("New Business"));
    assert!(d["Modified_Time"].as_str().unwrap().ends_with("+00:00"), "{d}");
    assert!(d["Created_Time"].as_str().unwrap() < d["Modified_Time"].as_str().unwrap(), "{d}");

    let calls = c.all("Calls", CALLS, 200).await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call["id"], json!(s.call));
    assert_eq!(call["Call_Type"], json!("Outbound"));
    assert_eq!(call["Outgoing_Call_Status"], json!("Completed"), "a past outbound call");
    assert_eq!(call["Call_Start_Time"], json!("2026-11-18T14:00:00+00:00"));
    assert_eq!((call["Call_Duration"].clone(), call["Call_Duration_in_seconds"].clone()), (json!("05:30"), json!(330)));
    assert_eq!(call["What_Id"], json!({"name": "Harbor – Coffee service", "id": s.deal}));
    assert_eq!(call["$se_module"], json!("Deals"));
    assert_eq!(call["Who_Id"], Value::Null);

    let tasks = c.all("Tasks", TASKS, 200).await;
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(
        (t["id"].clone(), t["Subject"].clone(), t["Due_Date"].clone()),
        (json!(s.task), json!("Send proposal"), json!("2026-11-18"))
    );
    assert_eq!((t["Status"].clone(), t["Closed_Time"].clone()), (json!("Not Started"), Value::Null));
    assert_eq!(t["Owner"], owner(&dana));
    assert_eq!(t["$se_module"], json!("Deals"));

    let events = c.all("Events", EVENTS, 200).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["id"], json!(s.meeting));
    assert_eq!(e["What_Id"], json!({"name": "Harbor Foods Inc", "id": s.account}));
    assert_eq!(e["$se_module"], json!("Accounts"));
    assert_eq!(e["Start_DateTime"], json!("2026-11-23T14:00:00+00:00"));
    assert_eq!(e["End_DateTime"], json!("2026-11-23T15:00:00+00:00"));
    assert_eq!(e["All_day"], json!(false));
    assert_eq!(e["Owner"]["id"], json!(c.sb.org(|o| o.users[2].id.clone())));

    let accounts = c.all("Accounts", "Account_Name,Owner,Industry,Modified_Time", 200).await;
    assert_eq!(accounts.len(), 1);
    assert_eq!(
        (accounts[0]["Account_Name"].clone(), accounts[0]["Industry"].clone()),
        (json!("Harbor Foods Inc"), json!("Hospitality"))
    );
    assert_eq!(accounts[0]["Owner"], owner(&marcus));
    let contacts =
        c.all("Contacts", "Full_Name,First_Name,Last_Name,Email,Account_Name,Owner,Modified_Time", 200).await;
    assert_eq!(contacts.len(), 1);
    let ct = &contacts[0];
    assert_eq!(
        (ct["Full_Name"].clone(), ct["First_Name"].clone(), ct["Last_Name"].clone()),
        (json!("Ada Lovelace"), json!("Ada"), json!("Lovelace"))
    );
    assert_eq!(ct["Email"], json!("ada.lovelace@example.com"));
    assert_eq!(ct["Account_Name"], json!({"name": "Harbor Foods Inc", "id": s.account}));

    // Completing the task moves it and stamps its Closed_Time.
    let done = c.sb.org(|o| o.complete_task(&s.task));
    let t = &c.all("Tasks", TASKS, 200).await[0];
    assert_eq!(
        (t["Status"].clone(), t["Closed_Time"].clone()),
        (json!("Completed"), json!(done.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()))
    );
}

#[tokio::test]
async fn the_generated_demo_pages_and_answers_304_when_nothing_moved() {
    let org = generate(&Spec { sales: SalesSpec::demo(), ..Spec::scaled(8, 0, now()) });
    let truth: Vec<String> = org.deals().iter().map(|d| d.id.clone()).collect();
    let c = Client::new(org).await;
    let paged = c.all("Deals", DEALS, 50).await;
    assert_eq!(paged.len(), 120);
    let mut ids: Vec<String> = paged.iter().map(|d| d["id"].as_str().unwrap().to_string()).collect();
    let times: Vec<&str> = paged.iter().map(|d| d["Modified_Time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ascending Modified_Time across pages");
    ids.sort();
    assert_eq!(ids, truth);
    assert_eq!(c.all("Calls", CALLS, 200).await.len(), 400);
    assert_eq!(c.all("Tasks", TASKS, 200).await.len(), 240);
    assert_eq!(c.all("Events", EVENTS, 200).await.len(), 160);

    let last = times.last().unwrap().to_string();
    let list = format!("Deals?fields={DEALS}&per_page=200&sort_by=Modified_Time&sort_order=asc");
    let (status, _) = c.get_since(&list, Some(&last)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let moved = truth[3].clone();
    c.sb.org(|o| o.set_deal_stage(&moved, "Negotiation/Review", 2));
    let (status, body) = c.get_since(&list, Some(&last)).await;
    assert_eq!(status, StatusCode::OK);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(
        (data[0]["id"].clone(), data[0]["Stage"].clone(), data[0]["Probability"].clone()),
        (json!(moved), json!("Negotiation/Review"), json!(90))
    );
}

#[tokio::test]
async fn stage_history_follows_the_related_list_rules() {
    let mut org = bare();
    let s = small(&mut org);
    let empty = org.add_deal(
        "Imported",
        "Qualification",
        "Renewals",
        None,
        NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
        2,
        None,
        None,
        None,
    );
    org.edit_deal(&empty, |d| d.history.clear());
    let c = Client::new(org).await;

    let (status, body) = c.get(&format!("Deals/{}/Stage_History", s.deal)).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::BAD_REQUEST, json!("REQUIRED_PARAM_MISSING")));

    let (status, body) = c.get(&format!("Deals/{}/Stage_History?fields={HISTORY}&per_page=200", s.deal)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["data"].as_array().unwrap();
    let stages: Vec<&str> = rows.iter().map(|r| r["Stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["Qualification", "Value Proposition", "Proposal/Price Quote"]);
    let probs: Vec<&Value> = rows.iter().map(|r| &r["Probability"]).collect();
    assert_eq!(probs, [&json!(10), &json!(40), &json!(75)]);
    let dana = c.sb.org(|o| o.users[1].clone());
    assert_eq!(rows[1]["Modified_By"], json!({"name": dana.full_name(), "id": dana.id}));
    assert_eq!(rows[1]["Amount"], json!(12_500.5));
    assert_eq!(rows[1]["Closing_Date"], json!("2027-01-15"));
    let truth = c.sb.org(|o| o.deal_history(&s.deal).to_vec());
    for (row, t) in rows.iter().zip(&truth) {
        assert_eq!(row["id"], json!(t.id));
        assert_eq!(row["Modified_Time"], json!(t.at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()));
    }
    assert_eq!(body["info"]["more_records"], json!(false));
    let (status, body) = c.get(&format!("Deals/{}/Stage_History?fields={HISTORY}&per_page=2", s.deal)).await;
    assert_eq!(
        (status, body["data"].as_array().unwrap().len(), body["info"]["more_records"].clone()),
        (StatusCode::OK, 2, json!(true))
    );

    let (status, _) = c.get(&format!("Deals/{empty}/Stage_History?fields={HISTORY}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    c.sb.org(|o| o.delete_deal(&s.deal));
    let (status, body) = c.get(&format!("Deals/{}/Stage_History?fields={HISTORY}", s.deal)).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::BAD_REQUEST, json!("INVALID_DATA")));
}

#[tokio::test]
async fn deleted_records_are_listed_per_module() {
    let mut org = bare();
    let s = small(&mut org);
    let c = Client::new(org).await;
    let (status, _) = c.get("Deals/deleted?type=all").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    c.sb.org(|o| {
        o.delete_deal(&s.deal);
        o.delete_activity("Calls", &s.call);
        o.delete_activity("Tasks", &s.task);
        o.delete_activity("Events", &s.meeting);
        o.delete_contact(&s.contact);
        o.delete_account(&s.account);
    });
    for (module, id, name) in [
        ("Deals", &s.deal, "Harbor – Coffee service"),
        ("Calls", &s.call, "Discovery call"),
        ("Tasks", &s.task, "Send proposal"),
        ("Events", &s.meeting, "Site survey"),
        ("Contacts", &s.contact, "Ada Lovelace"),
        ("Accounts", &s.account, "Harbor Foods Inc"),
    ] {
        let (status, body) = c.get(&format!("{module}/deleted?type=all")).await;
        assert_eq!(status, StatusCode::OK, "{module}");
        let data = body["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{module}: {body}");
        assert_eq!((data[0]["id"].clone(), data[0]["display_name"].clone()), (json!(id), json!(name)), "{module}");
    }
    // Gone from the listings too.
    assert!(c.all("Deals", DEALS, 200).await.is_empty());
    assert!(c.all("Tasks", TASKS, 200).await.is_empty());
}

#[tokio::test]
async fn the_stage_picklist_and_the_scopes() {
    let c = Client::new(bare()).await;
    let (status, body) = c.get("settings/fields?module=Deals").await;
    assert_eq!(status, StatusCode::OK);
    let stage = body["fields"].as_array().unwrap().iter().find(|f| f["api_name"] == "Stage").unwrap();
    let values = stage["pick_list_values"].as_array().unwrap();
    let table: Vec<(String, u64, u64, String)> = values
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (
                s("actual_value"),
                v["sequence_number"].as_u64().unwrap(),
                v["probability"].as_u64().unwrap(),
                s("forecast_type"),
            )
        })
        .collect();
    assert_eq!(table.len(), 9);
    assert_eq!(table[3], ("Id. Decision Makers".into(), 4, 60, "Open".into()));
    assert_eq!(table[6], ("Closed Won".into(), 7, 100, "Closed Won".into()));
    assert_eq!(table[8], ("Closed Lost to Competition".into(), 9, 0, "Closed Lost".into()));
    assert_eq!(values[6]["forecast_category"]["name"], json!("Closed"));

    c.sb.set_granted_scopes("ZohoCRM.modules.leads.ALL ZohoCRM.users.READ");
    for path in [
        format!("Deals?fields={DEALS}"),
        format!("Calls?fields={CALLS}"),
        "Deals/deleted?type=all".into(),
        "settings/fields?module=Deals".into(),
    ] {
        let (status, body) = c.get(&path).await;
        assert_eq!((status, body["code"].clone()), (StatusCode::UNAUTHORIZED, json!("OAUTH_SCOPE_MISMATCH")), "{path}");
    }
    c.sb.set_granted_scopes("ZohoCRM.modules.deals.READ ZohoCRM.settings.ALL");
    assert_eq!(c.get(&format!("Deals?fields={DEALS}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(c.get("settings/fields?module=Deals").await.0, StatusCode::OK);
    assert_eq!(c.get(&format!("Calls?fields={CALLS}")).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn faults_and_hostile_deals_reach_the_sales_endpoints() {
    let mut org = bare();
    let s = small(&mut org);
    let hostile = org.add_hostile_deals();
    let c = Client::new(org).await;
    c.sb.inject(FaultRule::new(Fault::TooManyRequests { retry_after: Some(1) }).on("/Stage_History"));
    let history = format!("Deals/{}/Stage_History?fields={HISTORY}", s.deal);
    let (status, body) = c.get(&history).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::TOO_MANY_REQUESTS, json!("TOO_MANY_REQUESTS")));
    assert_eq!(c.get(&history).await.0, StatusCode::OK, "the fault hit once");
    c.sb.inject(FaultRule::new(Fault::MalformedJson).on("/Deals"));
    let resp = c
        .http
        .get(format!("{}/crm/v7/Deals?fields={DEALS}", c.sb.url()))
        .header("Authorization", format!("Zoho-oauthtoken {}", c.token))
        .send()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&resp.text().await.unwrap()).is_err(), "a cut-short body");

    let deals = c.all("Deals", DEALS, 200).await;
    assert_eq!(deals.len(), 6);
    let by_name = |n: &str| deals.iter().find(|d| d["Deal_Name"] == json!(n)).cloned();
    assert_eq!(by_name("Hostile deal 1").unwrap()["Amount"], json!("12,500.00"));
    assert_eq!(by_name("Hostile deal 2").unwrap()["Probability"], json!(150));
    assert!(by_name("Hostile deal 3").unwrap()["Stage"].as_str().unwrap().contains('\u{202E}'));
    assert!(deals.iter().any(|d| d["Deal_Name"].as_str().is_some_and(|n| n.len() == 10 * 1024)));
    let no_id = by_name("Hostile deal 5").unwrap();
    assert!(no_id.get("id").is_none(), "{no_id}");
    assert_eq!(deals.iter().filter(|d| d.get("id").is_some()).count(), 5);
    assert_eq!(hostile.len(), 5);
}

#[tokio::test]
async fn a_task_written_back_is_in_the_tasks_listing() {
    let mut org = bare();
    let s = small(&mut org);
    let c = Client::new(org).await;
    let body = json!({"data": [{"Subject": "Call back about pricing", "Due_Date": "2026-11-25", "Status": "Not Started"}], "trigger": []});
    let resp = c
        .http
        .post(format!("{}/crm/v7/Tasks", c.sb.url()))
        .header("Authorization", format!("Zoho-oauthtoken {}", c.token))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let made: Value = resp.json().await.unwrap();
    let id = made["data"][0]["details"]["id"].clone();
    let tasks = c.all("Tasks", TASKS, 200).await;
    let ids: Vec<&Value> = tasks.iter().map(|t| &t["id"]).collect();
    assert_eq!(ids, [&json!(s.task), &id], "one store, in Modified_Time order");
    assert_eq!(tasks[1]["Due_Date"], json!("2026-11-25"));
    assert_eq!((tasks[1]["Status"].clone(), tasks[1]["Closed_Time"].clone()), (json!("Not Started"), Value::Null));
}
