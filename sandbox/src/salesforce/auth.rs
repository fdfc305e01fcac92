//! OAuth for the Salesforce face: `POST /services/oauth2/token` (the refresh-token grant and the
//! JWT bearer grant, RS256 verified with the public half of `sandbox/keys/jwt-test.pem`) and
//! `POST /services/oauth2/revoke`, with Salesforce's token-endpoint error shape.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};

use super::ids::sf_id;
use super::state::Shared;
use super::{CLIENT_ID, CLIENT_SECRET, JWT_KEY_PEM, JWT_USERNAME, REFRESH_TOKEN};

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How far ahead a JWT's `exp` may be (Salesforce: 3 minutes), plus a few seconds of skew.
const JWT_MAX_AHEAD_SECS: i64 = 180 + 5;

fn oauth_error(error: &str, description: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"error": error, "error_description": description}))).into_response()
}

/// The sandbox's own base URL as the client reached it: the `instance_url` and the JWT audience.
fn own_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

pub(crate) async fn token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let json_body = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"))
        || body.trim_ascii_start().starts_with(b"{");
    if json_body {
        return oauth_error("invalid_request", "the request must be form-encoded (application/x-www-form-urlencoded)");
    }
    let p: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let url = own_url(&headers);
    match get("grant_type") {
        "refresh_token" => {
            if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            if s.tokens().reject_refresh || get("refresh_token") != REFRESH_TOKEN {
                return oauth_error("invalid_grant", "expired access/refresh token");
            }
            issue(&s, &url, true)
        }
        JWT_GRANT => match verify_jwt(get("assertion"), &url) {
            Ok(()) => issue(&s, &url, false),
            Err(description) => oauth_error("invalid_grant", description),
        },
        _ => oauth_error("unsupported_grant_type", "grant type not supported"),
    }
}

/// A new access token and Salesforce's reply for it (no `expires_in`, no new refresh token).
fn issue(s: &Shared, url: &str, by_refresh: bool) -> Response {
    let n = s.next();
    let access = format!("00D000000000001!AQ{:016x}{:08x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15), n);
    let mut t = s.tokens();
    t.issued += 1;
    t.all.push(access.clone());
    let life = Duration::from_secs(t.lifetime_secs);
    t.valid.insert(access.clone(), (Instant::now() + life, by_refresh));
    drop(t);
    let user = {
        let org = s.org.read().expect("org lock");
        let admin = org.users.iter().find(|u| u.profile == "Administrator").or(org.users.first());
        admin.map(|u| sf_id("005", &u.id)).unwrap_or_else(|| sf_id("005", "1"))
    };
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let id = format!("{url}/id/00D000000000001AAA/{user}");
    let signature = STANDARD.encode(format!("{id}{issued_at}"));
    let scope = if by_refresh { "api refresh_token" } else { "api" };
    axum::Json(json!({
        "access_token": access,
        "instance_url": url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
        "scope": scope,
    }))
    .into_response()
}

/// `POST /services/oauth2/revoke`: revoking the refresh token ends every access token it
/// minted and refuses it from then on; revoking an access token ends that one.
pub(crate) async fn revoke(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let p: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let token = p.get("token").map(String::as_str).unwrap_or("");
    let mut t = s.tokens();
    if token == REFRESH_TOKEN {
        t.reject_refresh = true;
        t.valid.retain(|_, (_, by_refresh)| !*by_refresh);
        return StatusCode::OK.into_response();
    }
    match t.valid.remove(token) {
        Some(_) => StatusCode::OK.into_response(),
        None => oauth_error("invalid_token", "invalid token"),
    }
}

/// The DER of the PEM's base64 body (between its BEGIN and END lines).
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    STANDARD.decode(body).ok()
}

/// The RSA public key (PKCS#1 DER) that verifies assertions: the test key's public half.
fn public_key() -> Option<Vec<u8>> {
    let der = pem_der(JWT_KEY_PEM)?;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).ok()?;
    use ring::signature::KeyPair;
    Some(pair.public_key().as_ref().to_vec())
}

/// Checks a JWT bearer assertion; the error is the `error_description` to send.
fn verify_jwt(assertion: &str, audience: &str) -> Result<(), &'static str> {
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("invalid assertion");
    };
    let decode = |x: &str| URL_SAFE_NO_PAD.decode(x.trim_end_matches('=')).map_err(|_| "invalid assertion");
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| "invalid assertion")?;
    if header["alg"] != "RS256" {
        return Err("invalid assertion: the algorithm must be RS256");
    }
    let key = public_key().ok_or("the sandbox's test key is unreadable")?;
    let signed = &assertion[..h.len() + 1 + c.len()];
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(signed.as_bytes(), &decode(sig)?)
        .map_err(|_| "invalid assertion: bad signature")?;
    let claims: Value = serde_json::from_slice(&decode(c)?).map_err(|_| "invalid assertion")?;
    if claims["iss"] != CLIENT_ID {
        return Err("invalid client identifier");
    }
    if claims["sub"] != JWT_USERNAME {
        return Err("user hasn't approved this consumer");
    }
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a.trim_end_matches('/') == audience,
        Value::Array(list) => list.iter().any(|a| a.as_str().is_some_and(|a| a.trim_end_matches('/') == audience)),
        _ => false,
    };
    if !aud_ok {
        return Err("audience is invalid");
    }
    // `exp` is checked against the real clock: the client signs with its own.
    let now = chrono::Utc::now().timestamp();
    match claims["exp"].as_i64() {
        Some(exp) if exp <= now => Err("expired authorization code"),
        Some(exp) if exp > now + JWT_MAX_AHEAD_SECS => Err("invalid assertion: exp is more than 3 minutes ahead"),
        Some(_) => Ok(()),
        None => Err("invalid assertion: no exp"),
    }
}
