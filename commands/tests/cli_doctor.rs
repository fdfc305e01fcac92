//! `panopticon doctor` against the Zoho sandbox and the fake Discord: all checks pass on a good
//! installation (exit 0), and each thing a person gets wrong — a wrong Discord token, a revoked
//! Zoho refresh token, a missing field, a channel overwrite denying Attach Files — is a FAIL
//! line naming what to fix, with exit 1 and no secret anywhere in the output.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::TimeZone;
use panopticon::store::Store;
use panopticon_sandbox::{Sandbox, Spec};
use support::bot::{assert_no_secret, secrets};
use support::fake_discord::guild::{ATTACH_FILES, BOT_ROLE};
use support::fake_discord::FakeDiscord;
use support::ConfigFile;

const DISCORD_TOKEN: &str = "fake.discord-bot-token.s3cr3t";

struct Setup {
    sb: Sandbox,
    discord: FakeDiscord,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        let spec = Spec::scaled(3, 40, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap());
        let sb = support::sandbox(&spec).await;
        let discord = FakeDiscord::start().await;
        let dir = tempfile::tempdir().unwrap();
        Store::open(&dir.path().join("p.db")).unwrap();
        Setup { sb, discord, dir }
    }

    /// A config for the sandbox and the fake Discord, with `more` (a `[zoho.fields]` table) last.
    fn config(&self, more: &str) -> PathBuf {
        ConfigFile::sandbox(&self.sb, &self.dir.path().join("p.db"))
            .zoho("timeout_secs", 2)
            .zoho("retry_base_ms", 20)
            .zoho("max_retries", 1)
            .discord(&self.discord.api)
            .then(more)
            .write(&self.dir.path().join("config.toml"))
    }

    async fn doctor(&self, config: &Path, discord_token: &str) -> (Option<i32>, String) {
        let out: Output = support::panopticon(config)
            .arg("doctor")
            .env("DISCORD_TOKEN", discord_token)
            .env("RUST_LOG", "debug")
            .output()
            .await
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let mut secrets = secrets(&self.sb);
        secrets.extend([DISCORD_TOKEN.to_string(), discord_token.to_string()]);
        assert_no_secret(&text, &secrets, &format!("doctor's output:\n{text}"));
        (out.status.code(), text)
    }
}

/// The line of check `name`.
fn line<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines().find(|l| l.contains(&format!("  {name} "))).unwrap_or_else(|| panic!("no {name} line:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_installation_passes_every_check() {
    let s = Setup::new().await;
    let (code, t) = s.doctor(&s.config(""), DISCORD_TOKEN).await;
    assert_eq!(code, Some(0), "{t}");
    for name in [
        "config",
        "database file",
        "database integrity",
        "database schema",
        "Zoho sign-in",
        "Zoho fields",
        "Zoho leads",
        "Zoho appointments",
        "Zoho users",
        "Zoho sales",
        "Discord token",
        "Discord guild",
        "Discord channel",
        "Discord permissions",
    ] {
        assert!(line(&t, name).starts_with("✓ PASS"), "{name}:\n{t}");
    }
    assert!(line(&t, "Zoho fields").contains("Lead_Status (picklist), Owner (ownerlookup)"), "{t}");
    assert!(line(&t, "Discord channel").contains("#pipeline"), "{t}");
    let sales = line(&t, "Zoho sales");
    assert!(
        sales.contains("Deals, Calls, Tasks, Events, Accounts, Contacts readable") && sales.contains("9 stages"),
        "{t}"
    );
    assert!(t.contains("Verdict: all 14 checks passed."), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_discord_token_fails_naming_the_variable() {
    let s = Setup::new().await;
    s.discord.accept_only(DISCORD_TOKEN, true);
    let (code, t) = s.doctor(&s.config(""), "an.old-token.that-was-reset").await;
    assert_eq!(code, Some(1), "{t}");
    let l = line(&t, "Discord token");
    assert!(l.starts_with("✗ FAIL") && l.contains("Discord rejected DISCORD_TOKEN (401"), "{t}");
    assert!(line(&t, "Discord permissions").starts_with("- SKIP"), "{t}");
    assert!(line(&t, "Zoho leads").starts_with("✓ PASS"), "Zoho is checked all the same:\n{t}");
    assert!(t.contains("Verdict: 1 of 14 checks failed (Discord token), 3 skipped."), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_fails_naming_the_setting_never_the_secret() {
    let s = Setup::new().await;
    s.sb.reject_refresh_token(true);
    let (code, t) = s.doctor(&s.config(""), DISCORD_TOKEN).await;
    assert_eq!(code, Some(1), "{t}");
    let l = line(&t, "Zoho sign-in");
    assert!(l.starts_with("✗ FAIL") && l.contains("invalid_code") && l.contains("set ZOHO_REFRESH_TOKEN"), "{t}");
    for name in ["Zoho fields", "Zoho leads", "Zoho appointments", "Zoho users", "Zoho sales"] {
        assert!(line(&t, name).starts_with("- SKIP"), "{name}:\n{t}");
    }
    assert!(line(&t, "Discord permissions").starts_with("✓ PASS"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_misspelt_field_is_named_with_its_setting() {
    let s = Setup::new().await;
    // An admin deleted the field the locators live in.
    s.sb.remove_field("Leads", "Owner");
    let (code, t) = s.doctor(&s.config(""), DISCORD_TOKEN).await;
    assert_eq!(code, Some(1), "{t}");
    let l = line(&t, "Zoho fields");
    assert!(l.starts_with("✗ FAIL") && l.contains("[zoho.fields] locator = \"Owner\" is not a field of Leads"), "{t}");
    let l = line(&t, "Zoho leads");
    assert!(l.starts_with("✗ FAIL") && l.contains("'Owner' is not known to Zoho"), "the sync would fail too:\n{t}");
    assert!(line(&t, "Zoho users").starts_with("✓ PASS"), "{t}");

    // A typo in the stage field's name: the org's closest field is suggested.
    let s = Setup::new().await;
    let (code, t) = s.doctor(&s.config("[zoho.fields]\nstage = \"Lead_Stauts\"\n"), DISCORD_TOKEN).await;
    assert_eq!(code, Some(1), "{t}");
    let l = line(&t, "Zoho fields");
    assert!(l.contains("[zoho.fields] stage = \"Lead_Stauts\"") && l.contains("(did you mean Lead_Status?)"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_overwrite_denying_attach_files_is_found() {
    let s = Setup::new().await;
    s.discord.deny_in_channel(BOT_ROLE, false, ATTACH_FILES);
    let (code, t) = s.doctor(&s.config(""), DISCORD_TOKEN).await;
    assert_eq!(code, Some(1), "{t}");
    let l = line(&t, "Discord permissions");
    assert!(l.starts_with("✗ FAIL"), "{t}");
    assert!(
        l.contains("in #pipeline the bot lacks Attach Files (the channel's overwrite for role @Panopticon denies it)"),
        "{t}"
    );
    assert!(!l.contains("Embed Links"), "only what is missing is named:\n{t}");
    assert!(t.contains("Verdict: 1 of 14 checks failed (Discord permissions)."), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_config_exits_2_and_a_missing_database_fails() {
    let s = Setup::new().await;
    let bad = s.dir.path().join("bad.toml");
    std::fs::write(&bad, "[zoho]\nclient_id = \"x\"\n[storage]\nkeep_runs_days = 1\n").unwrap();
    let (code, t) = s.doctor(&bad, DISCORD_TOKEN).await;
    assert_eq!(code, Some(2), "{t}");
    assert!(line(&t, "config").starts_with("✗ FAIL") && t.contains("[storage] keep_runs_days"), "{t}");

    let cfg = s.config("");
    std::fs::remove_file(s.dir.path().join("p.db")).unwrap();
    let (code, t) = s.doctor(&cfg, DISCORD_TOKEN).await;
    assert_eq!(code, Some(1), "{t}");
    assert!(line(&t, "database file").contains("there is no database at"), "{t}");
    assert!(!s.dir.path().join("p.db").exists(), "doctor never creates the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_write_back_action_says_whether_the_token_has_its_scope() {
    let s = Setup::new().await;
    // Off: one line that says so, not a check.
    let (code, t) = s.doctor(&s.config(""), DISCORD_TOKEN).await;
    assert_eq!(code, Some(0), "{t}");
    assert!(line(&t, "write-back").ends_with("write-back actions off ([actions] enabled)"), "{t}");
    assert!(t.contains("Verdict: all 14 checks passed."), "{t}");

    let on = s.config("[actions]\nenabled = true\n");
    let (code, t) = s.doctor(&on, DISCORD_TOKEN).await;
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(line(&t, "reassign"), "✓ PASS  reassign             scope ZohoCRM.modules.leads.UPDATE granted");
    assert!(line(&t, "note").contains("scope ZohoCRM.modules.notes.CREATE and ZohoCRM.modules.notes.READ granted"));
    assert!(line(&t, "task").contains("scope ZohoCRM.modules.tasks.CREATE and ZohoCRM.modules.tasks.READ granted"));
    assert!(t.contains("Verdict: all 17 checks passed."), "{t}");

    // A refresh token granted without notes and tasks: warned, named, not failed.
    s.sb.set_granted_scopes("ZohoCRM.modules.leads.ALL ZohoCRM.modules.events.READ ZohoCRM.users.READ");
    let (code, t) = s.doctor(&on, DISCORD_TOKEN).await;
    assert_eq!(code, Some(0), "{t}");
    assert!(line(&t, "reassign").starts_with("✓ PASS"), "{t}");
    assert_eq!(
        line(&t, "note"),
        "! WARN  note                 scope ZohoCRM.modules.notes.CREATE missing — Discord hides the button; add it \
         to a new refresh token (README, Turning them on)"
    );
    assert!(line(&t, "task").starts_with("! WARN") && line(&t, "task").contains("ZohoCRM.modules.tasks.CREATE"));
    // The sales modules too: the sync keeps what it holds of them and goes on.
    let sales = line(&t, "Zoho sales");
    assert!(
        sales.starts_with("! WARN") && sales.contains("Deals (OAUTH_SCOPE_MISMATCH: add ZohoCRM.modules.deals.READ)"),
        "{t}"
    );
    assert!(t.contains("Verdict: all 17 checks passed, 3 with a warning (Zoho sales, note, task)"), "{t}");

    // The sign-in fails: the actions cannot be checked.
    s.sb.reject_refresh_token(true);
    let (code, t) = s.doctor(&on, DISCORD_TOKEN).await;
    assert_eq!(code, Some(1), "{t}");
    assert!(line(&t, "task").starts_with("- SKIP") && line(&t, "task").contains("needs the Zoho sign-in"), "{t}");
}
