//! The bot's own syncs (`[sync] every`, `[sync] hours`): one loop that keeps the data fresh
//! without `/refresh`. A sync is due one interval (plus a little jitter, so bots started together
//! do not call Zoho in step) after the last one recorded in the database — whoever ran it — so a
//! `/refresh` or the digest's sync pushes the next back, and a restarted bot with fresh data does
//! not sync at once. It never waits for another sync: if one is running, it waits for it to end
//! and decides again. Outside `[sync] hours` (wall-clock time in `[rules] timezone`, so DST
//! changes move nothing) it does not sync.

use std::hash::BuildHasher;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use panopticon::config::SyncHours;
use panopticon::store;
use panopticon::sync::NoProgress;

use crate::kit::syncing::{run_sync, Trigger};
use crate::kit::Data;

/// The longest single sleep: the clock may jump (suspend, NTP), and the hours window opens.
const RECHECK: Duration = Duration::from_secs(60);

/// What the loop does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Sync,
    Wait(Duration),
}

/// Whether to sync at `now`: `last` is when the last sync (recorded or tried) ended, `None` if
/// never; `jitter` is added to `every`.
pub fn decide(
    now: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
    every: Duration,
    jitter: Duration,
    hours: Option<(SyncHours, Tz)>,
) -> Next {
    if let Some((h, tz)) = hours {
        if !h.contains(now.with_timezone(&tz).time()) {
            return Next::Wait(RECHECK);
        }
    }
    let Some(last) = last else { return Next::Sync };
    let due = last + chrono::Duration::from_std(every + jitter).unwrap_or(chrono::Duration::MAX);
    match (due - now).to_std() {
        Ok(wait) if !wait.is_zero() => Next::Wait(wait.min(RECHECK)),
        _ => Next::Sync,
    }
}

/// Up to 5% of `every`, drawn afresh for each interval.
fn jitter(every: Duration) -> Duration {
    let r = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    every.mul_f64((r % 1000) as f64 / 1000.0 * 0.05)
}

/// When the last recorded sync ended (any result), from the database.
async fn last_recorded(data: &Data) -> Option<DateTime<Utc>> {
    let store = data.store.clone();
    let run = tokio::task::spawn_blocking(move || store.connect().and_then(|c| store::last_run(&c))).await;
    let finished = run.ok()?.ok()??.finished_at;
    DateTime::parse_from_rfc3339(&finished).ok().map(|t| t.with_timezone(&Utc))
}

/// Syncs every `[sync] every` for the life of the bot (returns at once when it is off).
pub async fn scheduler(data: Data) {
    let Some(every) = data.cfg.sync.every else { return };
    let hours = data.cfg.sync.hours.map(|h| (h, data.cfg.rules.timezone));
    // When this loop last tried: a sync that fails before it is recorded (a secret not set)
    // still waits an interval before the next try.
    let mut tried: Option<DateTime<Utc>> = None;
    let mut extra = jitter(every);
    while !data.ops.stopping() {
        let last = last_recorded(&data).await.max(tried);
        match decide(Utc::now(), last, every, extra, hours) {
            Next::Wait(d) => tokio::time::sleep(d).await,
            Next::Sync => {
                let Ok(guard) = data.sync_lock.try_lock() else {
                    // Someone else is syncing: that run counts; decide again once it ends.
                    tracing::debug!("scheduled sync skipped: a sync is running");
                    drop(data.sync_lock.lock().await);
                    continue;
                };
                // The result is logged and published by run_sync; a failure keeps the last
                // good data, and /status and the views' warning say so.
                let _ = run_sync(&data, Trigger::Schedule, &NoProgress).await;
                drop(guard);
                tried = Some(Utc::now());
                extra = jitter(every);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeZone};

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::America::New_York.with_ymd_and_hms(2026, 3, 8, h, m, 0).unwrap().with_timezone(&Utc)
    }

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn due_one_interval_and_its_jitter_after_the_last_sync() {
        let every = 15 * MIN;
        assert_eq!(decide(at(10, 0), None, every, Duration::ZERO, None), Next::Sync);
        assert_eq!(decide(at(10, 15), Some(at(10, 0)), every, Duration::ZERO, None), Next::Sync);
        assert_eq!(decide(at(10, 14), Some(at(10, 0)), every, Duration::ZERO, None), Next::Wait(MIN));
        // Never sleeps past a minute, so a clock jump or an opening window is seen.
        assert_eq!(decide(at(10, 1), Some(at(10, 0)), every, Duration::ZERO, None), Next::Wait(RECHECK));
        assert_eq!(
            decide(at(10, 15), Some(at(10, 0)), every, 30 * Duration::from_secs(1), None),
            Next::Wait(Duration::from_secs(30))
        );
    }

    #[test]
    fn outside_the_hours_in_the_business_zone_it_waits_across_a_dst_change() {
        let tz = chrono_tz::America::New_York;
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let hours = Some((SyncHours { start: t("07:00"), end: t("19:00") }, tz));
        let long_ago = Some(at(0, 0) - chrono::Duration::days(1));
        // 8 March 2026 is the spring-forward day in New York: 06:59 and 07:00 are local times.
        assert_eq!(decide(at(6, 59), long_ago, MIN, Duration::ZERO, hours), Next::Wait(RECHECK));
        assert_eq!(decide(at(7, 0), long_ago, MIN, Duration::ZERO, hours), Next::Sync);
        assert_eq!(decide(at(19, 0), long_ago, MIN, Duration::ZERO, hours), Next::Wait(RECHECK));
    }

    #[test]
    fn jitter_stays_within_five_percent() {
        for _ in 0..100 {
            assert!(jitter(15 * MIN) <= 45 * Duration::from_secs(1));
        }
    }
}
