//! The morning digest: posted once with its images and working buttons (even when Zoho is
//! down, and after a crash between posting and recording), and the scheduler finding it due.

use panopticon::store::Store;
use panopticon_sandbox::{Fault, FaultRule};
use serde_json::json;

use crate::support::bot::*;
use crate::support::fake_discord::*;
use crate::support::panopticon;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_posts_once_with_images_and_working_buttons() {
    let bot = spawn_bot(NO_DIGEST).await;
    let fake = &bot.fake;
    let me = Who::member();
    // No scheduled days in the test config: the digest is posted with `panopticon digest`.
    let post = || panopticon(&bot.cfg).arg("digest").env("DISCORD_TOKEN", DISCORD_TOKEN).output();
    // Zoho is down this morning: the digest still goes out, from the last good data, and says so.
    bot.sandbox.inject(FaultRule::new(Fault::ServerError).always());
    let out = post().await.unwrap();
    bot.sandbox.clear_faults();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Posted today's digest"));
    let posted: Vec<Recorded> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
        .collect();
    assert_eq!(posted.len(), 1);
    let msg = &posted[0];
    let e = &msg.body["embeds"][0];
    assert!(e["title"].as_str().unwrap().starts_with("☀️ Morning digest"), "{e}");
    let d = e["description"].as_str().unwrap();
    assert!(d.contains("**Stale** ") && d.contains("**At risk** ") && d.contains("Stale + at risk by locator"), "{d}");
    assert!(d.contains("⚠️") && d.contains("The last sync failed") && d.contains("showing data from"), "{d}");
    assert!(e["footer"]["text"].as_str().unwrap().starts_with("Panopticon digest "));
    assert!(
        msg.files.len() >= 3 && msg.files.iter().all(|f| f.1.starts_with(b"\x89PNG")),
        "card, stale pages and the month"
    );
    assert!(msg.files[0].0.starts_with("digest-0-digest-"), "the headline card comes first");
    let buttons = components(&msg.body);
    assert_eq!(buttons.len(), 4);

    // Exactly once: a second run posts nothing.
    let out = post().await.unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already posted"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
            .count(),
        1
    );

    // A crash between posting and recording: the claim is left behind, 20 minutes old. The next
    // run finds the digest in the channel and records it instead of posting twice.
    {
        let c = Store::open(&bot.db).unwrap().connect().unwrap();
        let old = panopticon::time::utc_text(chrono::Utc::now() - chrono::Duration::minutes(20));
        c.execute(
            "UPDATE digests SET state = 'claimed', claimed_by = 'crashed', claimed_at = ?1, sent_at = NULL",
            [old],
        )
        .unwrap();
    }
    let out = post().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("already in the channel"), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
            .count(),
        1
    );

    // Its buttons open the views privately and leave the digest alone.
    let stale = button(&buttons, "Open stale")["custom_id"].as_str().unwrap().to_string();
    let t = fake.click(&stale, None, &message_json(77, &msg.body), &me, CHANNEL);
    let (view, files) = answer(fake, &t).await;
    assert!(embed(&view)["title"].as_str().unwrap().contains("Stale"), "{view}");
    assert!(view["flags"].as_u64().is_some_and(|f| f & 64 != 0), "only the clicker sees it");
    assert!(!files.is_empty());
    assert!(!fake.for_token(&t).iter().any(|r| r.method == "PATCH"), "the digest message was not replaced");
    // And /digest previews it privately.
    let t = fake.slash("digest", json!([]), &me, CHANNEL);
    let (m, _) = answer(fake, &t).await;
    assert!(embed(&m)["title"].as_str().unwrap().starts_with("☀️ Morning digest"));
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// A fixed-offset zone where it is now about noon, with the digest set two hours earlier and
/// the cut-off two hours later: the real scheduler, on the real clock, must find it due.
pub(crate) fn noon_somewhere() -> String {
    let now = chrono::Utc::now();
    let mut offset = 12 - chrono::Timelike::hour(&now) as i32;
    if offset > 14 {
        offset -= 24;
    }
    if offset < -12 {
        offset += 24;
    }
    // Etc/GMT zones have the sign reversed: Etc/GMT-3 is UTC+3.
    let zone = match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let local = now + chrono::Duration::hours(offset as i64);
    let day = local.format("%a").to_string();
    format!("[rules]\ntimezone = \"{zone}\"\n[digest]\ntime = \"10:00\"\ncutoff = \"14:00\"\ndays = [\"{day}\"]\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_posts_the_due_digest_on_start_and_not_again_after_a_restart() {
    let extra = noon_somewhere();
    let mut bot = spawn_bot(&extra).await;
    let channel_posts = |fake: &FakeDiscord| {
        fake.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages"))
            .count()
    };
    // Started after 10:00 and before the 14:00 cut-off: it catches up by itself.
    let posted = bot
        .fake
        .wait_for(60, |log| {
            log.iter().find(|r| r.method == "POST" && r.path == format!("/channels/{CHANNEL}/messages")).cloned()
        })
        .await;
    assert!(posted.body["embeds"][0]["title"].as_str().unwrap().starts_with("☀️ Morning digest"), "{extra}");
    // A restart the same morning: the day is recorded as sent, so nothing more is posted.
    let _ = bot.child.start_kill();
    let _ = bot.child.wait().await;
    let log2 = bot.log.with_extension("2.log");
    let mut again = run_bot(&bot.cfg, &log2);
    bot.fake
        .wait_for(60, |log| {
            (log.iter().filter(|r| r.method == "PUT" && r.path.ends_with("/commands")).count() >= 2).then_some(())
        })
        .await;
    // Give the new scheduler its first decision (it decides right after start-up).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let logged = std::fs::read_to_string(&log2).unwrap_or_default();
        if logged.contains("commands registered") {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(channel_posts(&bot.fake), 1, "exactly one digest that day");
    let _ = again.start_kill();
}
