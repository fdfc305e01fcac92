//! After every sync (scheduled, /refresh, the digest's — it watches `Data::last_sync`), the
//! write-back actions a restart or a lost answer left pending are looked for in the CRM and
//! resolved (`actions::run::settle_pending`), beside the alerts pass.

use chrono::Utc;

use crate::kit::Data;

/// Runs for the life of the bot (started only with `[actions] enabled`).
pub async fn watch(data: Data) {
    let mut syncs = data.last_sync.subscribe();
    loop {
        if !data.ops.stopping() {
            match data.ops.crm(&data.cfg).await {
                Ok(crm) => match panopticon::actions::run::settle_pending(&data.store, crm, Utc::now()).await {
                    Ok(settled) if !settled.is_empty() => {
                        let states: Vec<&str> = settled.iter().map(|o| o.record().state.as_str()).collect();
                        tracing::info!(?states, "write-back actions left pending were settled");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("settling pending write-back actions failed: {e}"),
                },
                Err(e) => tracing::warn!("settling pending write-back actions: no CRM client ({e})"),
            }
        }
        if syncs.changed().await.is_err() || data.ops.stopping() {
            return;
        }
    }
}
