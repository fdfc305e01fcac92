//! The fake's gateway: a plain ws:// server that says HELLO, acks heartbeats, answers a good
//! IDENTIFY with READY (and a bad token with close code 4004, as Discord does), then delivers
//! the interactions a test sends.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Ws;

use super::rest::bare_token;
use super::{Shared, APP, BOT, GUILD};

/// Accepts gateway connections on `ws` for the life of the test, one task each.
pub(super) async fn serve(ws: TcpListener, shared: Arc<Shared>) {
    while let Ok((tcp, _)) = ws.accept().await {
        tokio::spawn(connection(tcp, shared.clone()));
    }
}

/// One bot connection, from HELLO until either side closes it.
async fn connection(tcp: TcpStream, s: Arc<Shared>) {
    let Ok(stream) = tokio_tungstenite::accept_async(tcp).await else { return };
    let (mut tx, mut rx) = stream.split();
    let _ = tx.send(Ws::Text(json!({"op": 10, "d": {"heartbeat_interval": 41250}}).to_string())).await;
    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<String>();
    loop {
        tokio::select! {
            Some(Ok(msg)) = rx.next() => {
                let Ws::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                match v.get("op").and_then(Value::as_u64) {
                    Some(1) => { let _ = tx.send(Ws::Text(json!({"op": 11}).to_string())).await; }
                    Some(2) => {
                        let sent = v["d"]["token"].as_str().map(bare_token).map(str::to_string);
                        let wanted = s.accepted.lock().unwrap().clone().map(|a| a.0);
                        if wanted.is_some() && sent != wanted {
                            // Discord closes the gateway: 4004 Authentication failed.
                            let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
                                code: 4004.into(),
                                reason: "Authentication failed.".into(),
                            };
                            let _ = tx.send(Ws::Close(Some(frame))).await;
                            break;
                        }
                        let seq = s.seq.fetch_add(1, Ordering::SeqCst) + 1;
                        let ready = json!({"op": 0, "s": seq, "t": "READY", "d": {
                            "v": 10, "user": {"id": BOT.to_string(), "username": "panopticon", "discriminator": "0", "avatar": null, "bot": true},
                            "guilds": [{"id": GUILD.to_string(), "unavailable": true}],
                            "session_id": "fake", "resume_gateway_url": "ws://127.0.0.1:1",
                            "shard": [0, 1], "application": {"id": APP.to_string(), "flags": 0}}});
                        let _ = tx.send(Ws::Text(ready.to_string())).await;
                        *s.gateway.lock().unwrap() = Some(events_tx.clone());
                        s.changed.notify_waiters();
                    }
                    _ => {}
                }
            }
            Some(ev) = events_rx.recv() => { let _ = tx.send(Ws::Text(ev)).await; }
            else => break,
        }
    }
}
