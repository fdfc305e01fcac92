//! Each injected fault of the Salesforce face, answered as Salesforce (or what stands in front
//! of it) would.

use std::time::Duration;

use panopticon_sandbox::salesforce::{SfFault, SfFaultRule};
use reqwest::StatusCode;
use serde_json::Value;

use super::{error_code, org, Sf};

#[tokio::test]
async fn every_fault_answers_as_salesforce_would() {
    let sf = Sf::new(org(5)).await;
    let limits = "/services/data/v62.0/limits";
    let cases = [
        (SfFault::SessionNotForRest, 401, "INVALID_SESSION_ID"),
        (SfFault::TotalRequestsLimit, 403, "REQUEST_LIMIT_EXCEEDED"),
        (SfFault::ConcurrentRequestsLimit, 403, "REQUEST_LIMIT_EXCEEDED"),
        (SfFault::InvalidQueryLocator, 400, "INVALID_QUERY_LOCATOR"),
        (SfFault::QueryTimeout, 400, "QUERY_TIMEOUT"),
        (SfFault::ServerUnavailable, 503, "SERVER_UNAVAILABLE"),
        (SfFault::UnknownException, 500, "UNKNOWN_EXCEPTION"),
        (SfFault::ExpireTokens, 401, "INVALID_SESSION_ID"),
    ];
    for (fault, status, code) in cases {
        sf.sb.inject(SfFaultRule::new(fault.clone()).on("/limits"));
        let (s, v) = sf.get(limits).await;
        assert_eq!((s.as_u16(), error_code(&v)), (status, code), "{fault:?}");
        if fault == SfFault::SessionNotForRest {
            assert_eq!(v[0]["message"], "This session is not valid for use with the REST API");
        }
    }
    let sf = Sf::new(org(5)).await;
    sf.sb.inject(SfFaultRule::new(SfFault::UnavailableHtml));
    let r = sf.get_raw(limits).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().starts_with("<html>"));
    sf.sb.inject(SfFaultRule::new(SfFault::MalformedJson));
    assert!(sf.get_raw(limits).await.json::<Value>().await.is_err());
    sf.sb.inject(SfFaultRule::new(SfFault::DropConnection));
    // The cut may come before or after the status line; either way no body arrives whole.
    let dropped = sf.http.get(format!("{}{limits}", sf.sb.url())).bearer_auth(&sf.token).send().await;
    match dropped {
        Ok(r) => assert!(r.bytes().await.is_err()),
        Err(e) => assert!(!e.is_timeout(), "{e}"),
    }
    sf.sb.inject(SfFaultRule::new(SfFault::RedirectTo("http://127.0.0.1:9".into())));
    let r = sf.get_raw(limits).await;
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()["location"], "http://127.0.0.1:9/services/data/v62.0/limits");
    sf.sb.inject(SfFaultRule::new(SfFault::Slow(Duration::from_millis(400))));
    let quick = sf
        .http
        .get(format!("{}{limits}", sf.sb.url()))
        .bearer_auth(&sf.token)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(quick.is_err_and(|e| e.is_timeout()));
    // Faults are spent: the next call is answered normally, and each was logged.
    assert_eq!(sf.get(limits).await.0, StatusCode::OK);
    assert!(sf.sb.requests().iter().any(|r| r.status == 307 && r.path.ends_with("/limits")));
}
