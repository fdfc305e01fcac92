//! The Salesforce face over HTTP, as the sync's client meets it: token grants and refusals
//! (refresh token, JWT bearer, revoke), the headers every data reply carries, SOQL records and
//! errors, paging through snapshot cursors, LeadHistory and tracking, the replication
//! resources, the daily allowance, each injected fault, hostile records and the demo org whole.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use panopticon_sandbox::salesforce::{
    ids, pem_der, sf_id, SalesforceSandbox, CLIENT_ID, CLIENT_SECRET, JWT_KEY_PEM, JWT_USERNAME, QUEUE_ORG_ID,
    REFRESH_TOKEN,
};
use panopticon_sandbox::{generate, Org, Spec};
use reqwest::StatusCode;
use serde_json::{json, Value};

// The crate root sits in tests/, so its submodules are named by path.
#[path = "salesforce/faults.rs"]
mod faults;
#[path = "salesforce/objects.rs"]
mod objects;

const LEADS: &str = "SELECT Id, FirstName, LastName, Name, Company, Email, Phone, LeadSource, Status, OwnerId, Owner.Name, IsConverted, CreatedDate, SystemModstamp, Appointment_At__c FROM Lead ORDER BY SystemModstamp, Id";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

fn org(leads: usize) -> Org {
    let mut spec = Spec::scaled(7, leads, now());
    spec.locators = 3;
    generate(&spec)
}

struct Sf {
    sb: SalesforceSandbox,
    token: String,
    http: reqwest::Client,
}

async fn token_reply(http: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = http.post(format!("{url}/services/oauth2/token")).form(form).send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

fn refresh_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", REFRESH_TOKEN),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ]
}

impl Sf {
    async fn new(org: Org) -> Sf {
        let sb = SalesforceSandbox::start(org).await.unwrap();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let (status, reply) = token_reply(&http, &sb.url(), &refresh_form()).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        let token = reply["access_token"].as_str().unwrap().to_string();
        Sf { sb, token, http }
    }

    async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.sb.url()))
            .bearer_auth(&self.token)
            .header("Sforce-Query-Options", "batchSize=2000")
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get_raw(path).await;
        (r.status(), r.json().await.unwrap())
    }

    async fn query(&self, soql: &str) -> (StatusCode, Value) {
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        self.get(&format!("/services/data/v62.0/query?q={q}")).await
    }

    /// Every record of a query, following nextRecordsUrl; also the page sizes.
    async fn all(&self, soql: &str) -> (Vec<Value>, Vec<usize>) {
        let (status, mut page) = self.query(soql).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let total = page["totalSize"].as_u64().unwrap() as usize;
        let (mut records, mut sizes) = (vec![], vec![]);
        loop {
            let batch = page["records"].as_array().unwrap().clone();
            sizes.push(batch.len());
            records.extend(batch);
            if page["done"] == true {
                break;
            }
            let next = page["nextRecordsUrl"].as_str().unwrap().to_string();
            let (status, p) = self.get(&next).await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!(p["totalSize"].as_u64().unwrap() as usize, total);
            page = p;
        }
        assert_eq!(records.len(), total);
        (records, sizes)
    }
}

fn error_code(v: &Value) -> &str {
    v[0]["errorCode"].as_str().unwrap_or("")
}

#[tokio::test]
async fn the_refresh_grant_answers_as_salesforce_and_refusals_name_the_problem() {
    let sf = Sf::new(org(5)).await;
    let url = sf.sb.url();
    let (_, ok) = token_reply(&sf.http, &url, &refresh_form()).await;
    assert_eq!(ok["instance_url"], url);
    assert_eq!(ok["token_type"], "Bearer");
    assert_eq!(ok["scope"], "api refresh_token");
    assert!(ok["issued_at"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(ok.get("expires_in").is_none() && ok.get("refresh_token").is_none());

    let mut wrong_secret = refresh_form();
    wrong_secret[3].1 = "nope";
    let (status, r) = token_reply(&sf.http, &url, &wrong_secret).await;
    assert_eq!(
        (status, r),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_client", "error_description": "invalid client credentials"})
        )
    );
    let mut wrong_refresh = refresh_form();
    wrong_refresh[1].1 = "5Aep-other";
    let (status, r) = token_reply(&sf.http, &url, &wrong_refresh).await;
    assert_eq!((status, r["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert_eq!(r["error_description"], "expired access/refresh token");
    let json_body = sf
        .http
        .post(format!("{url}/services/oauth2/token"))
        .json(&json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body.json::<Value>().await.unwrap()["error"], "invalid_request");

    sf.sb.reject_refresh_token(true);
    assert_eq!(token_reply(&sf.http, &url, &refresh_form()).await.1["error"], "invalid_grant");
    sf.sb.reject_refresh_token(false);

    // No token, an unknown one, and expired ones: INVALID_SESSION_ID.
    let bare = sf.http.get(format!("{url}/services/data/v62.0/limits")).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        bare.json::<Value>().await.unwrap(),
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert_eq!(sf.get("/services/data/v62.0/limits").await.0, StatusCode::OK);
    sf.sb.expire_tokens();
    let (status, body) = sf.get("/services/data/v62.0/limits").await;
    assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID"));

    // Revoking the refresh token ends its access tokens and the token itself.
    let fresh = Sf {
        token: token_reply(&sf.http, &url, &refresh_form()).await.1["access_token"].as_str().unwrap().into(),
        ..sf
    };
    assert_eq!(fresh.get("/services/data/v62.0/limits").await.0, StatusCode::OK);
    let revoke = fresh
        .http
        .post(format!("{url}/services/oauth2/revoke"))
        .form(&[("token", REFRESH_TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(fresh.get("/services/data/v62.0/limits").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(token_reply(&fresh.http, &url, &refresh_form()).await.1["error"], "invalid_grant");
    assert_eq!(fresh.sb.tokens_issued(), 3);
}

fn jwt(claims: &Value) -> String {
    let der = pem_der(JWT_KEY_PEM).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut sig)
        .unwrap();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

#[tokio::test]
async fn the_jwt_grant_takes_only_a_signed_fresh_assertion_for_the_known_user() {
    let sb = SalesforceSandbox::start(org(5)).await.unwrap();
    let http = reqwest::Client::new();
    let url = sb.url();
    let exp = Utc::now().timestamp() + 170;
    let good = json!({"iss": CLIENT_ID, "sub": JWT_USERNAME, "aud": url, "exp": exp});
    let grant = |assertion: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let form =
                [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer".to_string()), ("assertion", assertion)];
            let r = http.post(format!("{url}/services/oauth2/token")).form(&form).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, ok) = grant(jwt(&good)).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let data = http
        .get(format!("{url}/services/data/v62.0/limits"))
        .bearer_auth(ok["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(data.status(), StatusCode::OK);

    // A signature over other claims, an unknown user, another audience, an expired one.
    let signed = jwt(&good);
    let forged_claims =
        URL_SAFE_NO_PAD.encode(json!({"iss": CLIENT_ID, "sub": "admin@x", "aud": url, "exp": exp}).to_string());
    let parts: Vec<&str> = signed.split('.').collect();
    let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
    let mut unknown = good.clone();
    unknown["sub"] = json!("someone@else.example");
    let mut other_aud = good.clone();
    other_aud["aud"] = json!("https://login.salesforce.com");
    let mut expired = good.clone();
    expired["exp"] = json!(Utc::now().timestamp() - 10);
    let mut too_far = good.clone();
    too_far["exp"] = json!(Utc::now().timestamp() + 3600);
    for (what, assertion) in [
        ("forged", forged),
        ("unknown sub", jwt(&unknown)),
        ("aud", jwt(&other_aud)),
        ("expired", jwt(&expired)),
        ("far exp", jwt(&too_far)),
        ("garbage", "a.b".into()),
    ] {
        let (status, r) = grant(assertion).await;
        assert_eq!((status, r["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{what}: {r}");
        assert!(r["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{what}");
    }
    assert_eq!(sb.tokens_issued(), 1);
}

#[tokio::test]
async fn data_replies_carry_usage_and_the_org_s_date_and_stop_at_the_allowance() {
    let sf = Sf::new(org(5)).await;
    let versions = sf.http.get(format!("{}/services/data/", sf.sb.url())).send().await.unwrap();
    assert_eq!(versions.status(), StatusCode::OK);
    assert!(versions.headers().get("sforce-limit-info").is_none());
    let list: Value = versions.json().await.unwrap();
    assert!(list.as_array().unwrap().iter().any(|v| v["url"] == "/services/data/v62.0"));
    assert_eq!(sf.get("/services/data/v99.0/limits").await.1[0]["errorCode"], "NOT_FOUND");

    sf.sb.set_api_limit(4);
    let used_before = sf.sb.api_usage();
    let r = sf.get_raw("/services/data/v62.0/limits").await;
    assert_eq!(r.headers()["sforce-limit-info"], format!("api-usage={}/4", used_before + 1).as_str());
    let date = httpdate::parse_http_date(r.headers()["date"].to_str().unwrap()).unwrap();
    assert_eq!(DateTime::<Utc>::from(date), sf.sb.org(|o| o.now));
    let limits: Value = r.json().await.unwrap();
    assert_eq!(limits["DailyApiRequests"], json!({"Max": 4, "Remaining": 4 - used_before - 1}));
    while sf.sb.api_usage() < 4 {
        assert_eq!(sf.query("SELECT Id FROM User ORDER BY Id").await.0, StatusCode::OK);
    }
    let r = sf.get_raw("/services/data/v62.0/limits").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.headers()["sforce-limit-info"], "api-usage=4/4");
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
}

#[tokio::test]
async fn records_come_with_attributes_first_canonical_names_and_salesforce_formats() {
    let sf = Sf::new(org(20)).await;
    let (lead_id, owner) = sf.sb.org(|o| {
        let l = o.leads.values().next().unwrap().clone();
        (l.id.clone(), o.user_name(l.owner_id.as_deref().unwrap()).unwrap())
    });
    let id = sf_id("00Q", &lead_id);
    let soql = format!("select id, name, owner.name, ownerid, createddate, isconverted from lead where Id = '{id}'");
    let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    let text = sf.get_raw(&format!("/services/data/v62.0/query?q={q}")).await.text().await.unwrap();
    assert!(text.contains(&format!("\"records\":[{{\"attributes\":{{\"type\":\"Lead\",\"url\":\"/services/data/v62.0/sobjects/Lead/{id}\"}},\"Id\":\"{id}\",\"Name\":")), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    let rec = &v["records"][0];
    assert_eq!(rec["Owner"]["attributes"]["type"], "User");
    assert_eq!(rec["Owner"]["Name"], owner);
    assert_eq!(rec["IsConverted"], false);
    let created = rec["CreatedDate"].as_str().unwrap();
    assert!(created.ends_with("+0000") && created.len() == 28 && &created[19..20] == ".", "{created}");
    // Ids carry the checksum and read back to the org record.
    assert_eq!(ids::org_id_of("00Q", &id).as_deref(), Some(lead_id.as_str()));
    assert_eq!(&id[15..], ids::checksum(&id[..15]));
    assert_eq!(rec["OwnerId"].as_str().unwrap()[..3], *"005");

    // A lead owned by a queue shows a Group owner; hostile overrides go out raw.
    sf.sb.org(|o| {
        o.edit_lead(&lead_id, |l| {
            l.owner_id = Some(QUEUE_ORG_ID.into());
            l.overrides.insert("LastName".into(), json!(42));
        })
    });
    let (_, v) = sf.query(&format!("SELECT Id, LastName, Owner.Name FROM Lead WHERE Id = '{}'", &id[..15])).await;
    assert_eq!(v["records"][0]["Owner"]["attributes"]["type"], "Group");
    assert_eq!(v["records"][0]["LastName"], 42);
}

#[tokio::test]
async fn date_time_filters_compare_instants_in_any_spelling() {
    let sf = Sf::new(org(30)).await;
    let stamps: Vec<DateTime<Utc>> = sf.sb.org(|o| o.leads.values().map(|l| l.modified).collect());
    let mid = stamps[stamps.len() / 2];
    let expected = stamps.iter().filter(|t| **t > mid).count();
    for literal in [
        mid.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        mid.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string(),
        mid.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap()).format("%Y-%m-%dT%H:%M:%S+01:00").to_string(),
    ] {
        let (_, v) = sf
            .query(&format!("SELECT Id FROM Lead WHERE SystemModstamp > {literal} ORDER BY SystemModstamp, Id"))
            .await;
        assert_eq!(v["totalSize"], expected, "{literal}");
    }
}

#[tokio::test]
async fn bad_soql_gets_salesforce_s_error_codes() {
    let sf = Sf::new(org(5)).await;
    let cases = [
        ("SELECT Id, Bogus FROM Lead", "INVALID_FIELD", "No such column 'Bogus' on entity 'Lead'"),
        ("SELECT Id, Nope.Name FROM Lead", "INVALID_FIELD", "Didn't understand relationship 'Nope'"),
        ("SELECT Id FROM Leed", "INVALID_TYPE", "sObject type 'Leed' is not supported"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY", ""),
        ("SELECT Id Lead", "MALFORMED_QUERY", ""),
        (
            "SELECT Id FROM Lead WHERE SystemModstamp > '2026-11-20T09:00:00Z'",
            "INVALID_FIELD",
            "must be of type datetime",
        ),
        ("SELECT Id FROM Task WHERE Description = 'x'", "INVALID_FIELD", "can not be filtered"),
    ];
    for (soql, code, message) in cases {
        let (status, v) = sf.query(soql).await;
        assert_eq!((status, error_code(&v)), (StatusCode::BAD_REQUEST, code), "{soql}: {v}");
        assert!(v[0]["message"].as_str().unwrap().contains(message), "{soql}: {v}");
    }
}

#[tokio::test]
async fn pages_vary_in_size_and_a_cursor_is_a_snapshot() {
    let sf = Sf::new(org(300)).await;
    sf.sb.set_max_page(60);
    let (first, sizes) = sf.all(LEADS).await;
    assert_eq!(first.len(), 300);
    assert!(sizes.iter().all(|s| *s <= 60) && sizes.iter().any(|s| *s != sizes[0]), "{sizes:?}");
    let ids: std::collections::BTreeSet<&str> = first.iter().map(|r| r["Id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 300);
    // The same ids next time: stable.
    let (again, _) = sf.all(LEADS).await;
    assert_eq!(
        again.iter().map(|r| r["Id"].clone()).collect::<Vec<_>>(),
        first.iter().map(|r| r["Id"].clone()).collect::<Vec<_>>()
    );

    // A lead edited between page 1 and page 2 keeps its old values in this query's snapshot.
    let target = sf.sb.org(|o| o.leads.keys().next().unwrap().clone());
    let moved = target.clone();
    sf.sb.before_request("/query/", 0, move |o| {
        o.set_stage(&moved, "Converted", 0);
    });
    let (snap, _) = sf.all(LEADS).await;
    let sid = sf_id("00Q", &target);
    let seen: Vec<&Value> = snap.iter().filter(|r| r["Id"] == sid.as_str()).collect();
    assert_eq!(seen.len(), 1);
    assert_ne!(seen[0]["Status"], "Converted");
    assert_eq!(snap.len(), 300);
}

#[tokio::test]
async fn locators_serve_once_expire_when_idle_and_the_eleventh_cursor_releases_the_oldest() {
    let sf = Sf::new(org(120)).await;
    sf.sb.set_max_page(20);
    let open = || async { sf.query(LEADS).await.1["nextRecordsUrl"].as_str().unwrap().to_string() };
    let next = open().await;
    assert_eq!(sf.get(&next).await.0, StatusCode::OK);
    let (status, v) = sf.get(&next).await;
    assert_eq!(
        (status, v),
        (StatusCode::BAD_REQUEST, json!([{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]))
    );

    let oldest = open().await;
    for _ in 0..10 {
        open().await;
    }
    assert_eq!(error_code(&sf.get(&oldest).await.1), "INVALID_QUERY_LOCATOR");

    sf.sb.set_cursor_idle(Duration::from_millis(50));
    let idle = open().await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(error_code(&sf.get(&idle).await.1), "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn lead_history_has_status_rows_only_while_tracking_is_on() {
    let sf = Sf::new(org(5)).await;
    let lead = sf.sb.org(|o| {
        let id = o.add_lead("Ada", "Quist", "Acme", 0);
        o.set_stage(&id, "Contacted", 1);
        id
    });
    let id = sf_id("00Q", &lead);
    let soql = format!("SELECT Id, LeadId, Field, OldValue, NewValue, CreatedDate, CreatedById, CreatedBy.Name FROM LeadHistory WHERE Field = 'Status' AND LeadId IN ('{id}') ORDER BY LeadId, CreatedDate, Id");
    let (_, v) = sf.query(&soql).await;
    assert_eq!(v["totalSize"], 1);
    let row = &v["records"][0];
    assert_eq!(
        (row["OldValue"].as_str(), row["NewValue"].as_str(), row["LeadId"].as_str()),
        (Some("New"), Some("Contacted"), Some(id.as_str()))
    );
    assert_eq!(row["CreatedBy"]["attributes"]["type"], "User");
    sf.sb.set_history_tracking(false);
    assert_eq!(sf.query(&soql).await.1["totalSize"], 0);
}

#[tokio::test]
async fn deletions_are_served_within_the_window_and_after_the_last_purge() {
    let sf = Sf::new(org(10)).await;
    let lead = sf.sb.org(|o| o.leads.keys().next().unwrap().clone());
    let gone_at = sf.sb.org(|o| o.delete_lead(&lead));
    let fmt = |t: DateTime<Utc>| {
        let s = t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
    };
    let path = |start: DateTime<Utc>, end: DateTime<Utc>| {
        format!("/services/data/v62.0/sobjects/Lead/deleted/?start={}&end={}", fmt(start), fmt(end))
    };
    let day = chrono::Duration::days(1);
    let now = sf.sb.org(|o| o.now);
    let (status, v) = sf.get(&path(now - day, now)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["deletedRecords"][0]["id"], sf_id("00Q", &lead));
    assert_eq!(v["deletedRecords"][0]["deletedDate"], gone_at.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string());
    assert_eq!(v["earliestDateAvailable"], (now - day * 15).format("%Y-%m-%dT%H:%M:%S.000+0000").to_string());
    assert!(v["latestDateCovered"].as_str().unwrap().ends_with(":00.000+0000"));

    // Sixteen days on, the deletion has aged out; a purge moves earliestDateAvailable up.
    sf.sb.org(|o| o.advance(day * 16));
    let later = sf.sb.org(|o| o.now);
    let (_, v) = sf.get(&path(later - day * 20, later)).await;
    assert_eq!(v["deletedRecords"], json!([]));
    sf.sb.purge_deleted();
    let (_, v) = sf.get(&path(later - day, later)).await;
    assert_eq!(v["earliestDateAvailable"], later.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string());
    let (status, v) = sf.get(&path(later, later - day)).await;
    assert_eq!((status, error_code(&v)), (StatusCode::BAD_REQUEST, "INVALID_REPLICATION_DATE"));

    // /updated/ lists what changed in the window, and only that.
    let other = sf.sb.org(|o| o.leads.keys().next().unwrap().clone());
    sf.sb.org(|o| o.set_stage(&other, "Contacted", 0));
    let now = sf.sb.org(|o| o.now);
    let (_, v) = sf.get(&path(later, now).replace("/deleted/", "/updated/")).await;
    assert_eq!(v["ids"], json!([sf_id("00Q", &other)]));
}
