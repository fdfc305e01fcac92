//! The `panopticon` binary against hostile input: CRM data carrying terminal escapes and
//! spreadsheet formulas, readers that go away and disks that fill up, config files with
//! secrets pasted in or values that used to panic, and arguments far out of any real range.
//! Each answer is what a person should see: safe text, a quiet exit, or exit 2 with the key.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use chrono::TimeZone;
use panopticon_sandbox::{generate, Sandbox, Spec};
use serde_json::Value;
use support::{panopticon as command, run, text, ConfigFile};

/// A name and a company as an attacker would write them into the CRM: clear the screen, set
/// the window title, ring the bell, paint red, rewind the line, an 8-bit CSI, a right-to-left
/// override — and a formula for whoever opens the CSV.
const NAME_TAIL: &str = "Lee\x1b[2J\x1b]0;pwned\x07\x1b[31m\rX\u{9b}8m\u{202E}dcba";
const COMPANY: &str = "=HYPERLINK(\"http://evil.example\",\"Click\")";
const LOCATOR_LAST: &str = "Whit\x1b[8mfield";
const AS_OF: &str = "2026-11-20T09:00:00-05:00";

struct Setup {
    _sb: Sandbox,
    dir: tempfile::TempDir,
    config: PathBuf,
    /// What the first sync printed.
    sync_out: String,
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap()
}

/// The sandbox and `db`, quick to give up and retry (nine lines: a test's extra lines start at 10).
fn config_file(sb: &Sandbox, db: &Path) -> ConfigFile {
    ConfigFile::sandbox(sb, db).zoho("timeout_secs", 2).zoho("retry_base_ms", 20).zoho("max_retries", 2)
}

/// A small org whose every lead and locator carries the hostile text, synced once.
async fn setup() -> Setup {
    let mut org = generate(&Spec::scaled(11, 300, now()));
    for l in org.leads.values_mut() {
        l.last_name = Some(format!("{}{NAME_TAIL}", l.last_name.clone().unwrap_or_default()));
        l.company = Some(COMPANY.to_string());
    }
    for u in &mut org.users {
        u.last_name = LOCATOR_LAST.to_string();
    }
    // One record the sync cannot read, whose id is an escape sequence: it is named in a warning.
    let first = org.leads.keys().next().unwrap().clone();
    org.leads.get_mut(&first).unwrap().overrides.insert("id".into(), Value::from("\x1b]0;pwned\x07\x1b[2J42"));
    let sb = Sandbox::start(org).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(&sb, &dir.path().join("p.db")).write(&dir.path().join("config.toml"));
    let out = command(&config).arg("sync").output().await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    Setup { _sb: sb, dir, config, sync_out: text(&out) }
}

/// The characters a terminal would obey: C0 but the line break, DEL, C1, bidi overrides.
fn obeyed(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || ('\u{202A}'..='\u{202E}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_text_reaches_the_terminal_shown_not_obeyed() {
    let s = setup().await;
    // The sync's warning names the unreadable record, its id made visible rather than obeyed.
    assert!(s.sync_out.contains("skipped Leads record \u{FFFD}]0;pwned\u{FFFD}\u{FFFD}[2J42"), "{}", s.sync_out);
    assert_eq!(obeyed(&s.sync_out), Vec::<char>::new(), "{:?}", s.sync_out);
    let doc: Value = {
        let (code, out, err) = run(&s.config, &["report", "leads", "--format", "json", "--as-of", AS_OF]).await;
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let rows = doc["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    // JSON is the contract: the data itself, exactly as the CRM has it, in valid JSON.
    assert!(rows.iter().all(|r| r["name"].as_str().unwrap().ends_with(NAME_TAIL)), "{}", rows[0]["name"]);
    assert!(rows.iter().all(|r| r["company"] == COMPANY));
    assert!(rows.iter().all(|r| r["locator"].as_str().unwrap().ends_with(LOCATOR_LAST)));
    let id = rows[0]["id"].as_str().unwrap().to_string();

    // Every text form, and the digest: no character the terminal would obey, but the text is
    // still there to read, with the hostile characters visible as U+FFFD.
    let views: &[&[&str]] = &[
        &["report", "leads", "--as-of", AS_OF],
        &["report", "stale", "--as-of", AS_OF],
        &["report", "calendar", "--as-of", AS_OF, "--period", "month"],
        &["report", "locators", "--as-of", AS_OF],
        &["report", "lead", &id, "--as-of", AS_OF],
        &["digest", "--dry-run", "--as-of", AS_OF],
        &["report", "leads", "--format", "json", "--as-of", AS_OF],
    ];
    for args in views {
        let (code, out, err) = run(&s.config, args).await;
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(obeyed(&out), Vec::<char>::new(), "{args:?}");
        if !args.contains(&"json") {
            assert!(out.contains('\u{FFFD}'), "{args:?}: {out}");
        }
    }
    // An error that lists leads by name (a query matching many) is made safe too.
    let (code, _, err) = run(&s.config, &["report", "lead", "Lee"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("give the id of one") && err.contains('\u{FFFD}'), "{err}");
    assert_eq!(obeyed(&err), Vec::<char>::new());

    // CSV: the headers as they were; no control characters; the formula is text, not a formula.
    let (code, csv, err) = run(&s.config, &["report", "leads", "--format", "csv", "--as-of", AS_OF]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(csv.starts_with("id,name,company,stage,locator,"), "{csv:.200}");
    assert_eq!(obeyed(&csv), Vec::<char>::new());
    let quoted = "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\"";
    assert_eq!(csv.matches(quoted).count(), rows.len(), "{csv:.400}");
    for line in csv.lines().skip(1) {
        assert!(!line.contains(",=") && !line.contains(",\"="), "a live formula: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_goes_away_is_a_quiet_exit_and_a_full_disk_an_error() {
    let s = setup().await;
    // `report … | head`: the reader closes before the report is written.
    for args in [
        &["report", "leads", "--as-of", AS_OF][..],
        &["report", "leads", "--format", "json", "--as-of", AS_OF],
        &["digest", "--dry-run", "--as-of", AS_OF],
    ] {
        let mut child = command(&s.config).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().await.unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
    // `> /dev/full`: a disk with no room is an error that says so, never a panic — for the
    // report and for the sync's summary alike.
    for args in [&["report", "leads", "--as-of", AS_OF][..], &["sync"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        // (spawn, not output(): tokio's output() would replace stdout with a pipe)
        let child = command(&s.config).args(args).stdout(Stdio::from(full)).stderr(Stdio::piped()).spawn().unwrap();
        let o = child.wait_with_output().await.unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("cannot write the output") && err.contains("No space left on device"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_arguments_exit_2_with_what_would_work() {
    let s = setup().await;
    let long = "Riverside Gym ".repeat(715);
    let (code, out, err) = run(&s.config, &["report", "lead", &long]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("at most 200 characters") && err.contains("part of its name or company"), "{err}");
    assert!(out.is_empty() && err.len() < 400, "{err}");

    let (code, out, err) =
        run(&s.config, &["report", "calendar", "--from", "0001-01-01", "--to", "9999-12-31", "--format", "json"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("at most 366 days") && err.contains("try --from 0001-01-01 --to 0002-01-01"), "{err}");
    assert!(out.is_empty());
    // A year is fine.
    let (code, out, err) =
        run(&s.config, &["report", "calendar", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.len() < 5_000_000);

    let (code, _, err) = run(&s.config, &["report", "stale", "--as-of", "9999-12-31"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("between 1970 and 2199"), "{err}");

    // Unknown values: plain sentences, a bounded list, and what was typed not echoed in full.
    let (code, _, err) = run(&s.config, &["report", "leads", "--locator", &"z".repeat(5_000)]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("Known locators: ") && !err.contains("?."), "{err}");
    assert!(err.len() < 1_000, "{}", err.len());
}

/// The setup's config file with more lines at its end (from line 10 on).
fn config_with(s: &Setup, extra: &str) -> PathBuf {
    let base = std::fs::read_to_string(&s.config).unwrap();
    let path = s.dir.path().join("edited.toml");
    std::fs::write(&path, format!("{base}{extra}")).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_mistakes_exit_2_naming_the_key_never_quoting_the_file() {
    let s = setup().await;
    const TOKEN: &str = "1000.5e3a91c07f2b4d6e8a1c.9f8e7d6c5b4a39281706";
    let cases: &[(&str, &[&str], &[&str])] = &[
        // A refresh token pasted into the file, with its closing quote lost.
        (
            &format!("[sync]\nrefresh_token = \"{TOKEN}\n"),
            &["report", "stale"],
            &["[sync] refresh_token (line 11)", "ZOHO_REFRESH_TOKEN"],
        ),
        // …or well-formed, where it belongs by name.
        (
            &format!("[discord]\ntoken = \"{TOKEN}\"\n"),
            &["report", "stale"],
            &["[discord] token (line 11)", "DISCORD_TOKEN"],
        ),
        // A value of the wrong type holding the token.
        (&format!("[sync]\nmax_age_hours = \"{TOKEN}\"\n"), &["report", "stale"], &["[sync] max_age_hours (line 11)"]),
        // Values that used to panic.
        ("[sync]\nmax_age_hours = inf\n", &["report", "stale"], &["[sync] max_age_hours", "8760"]),
        ("[sync]\nmax_age_hours = 1e16\n", &["report", "stale"], &["[sync] max_age_hours"]),
        ("[discord]\nchannel_id = 0\nguild_id = 1\n", &["digest"], &["[discord] channel_id", "0 is not a Discord id"]),
        ("[discord]\nguild_id = 0\n", &["report", "stale"], &["[discord] guild_id"]),
        // Values that were accepted silently.
        (
            "[rules]\nclosed_stages = [\"Dead\", \"Junk Lead\", \"Dead\"]\n",
            &["report", "stale"],
            &["[rules] closed_stages", "'Dead' twice"],
        ),
        (
            "[rules]\nclosed_stages = [\"Dead\", \"Green - Approved\"]\n",
            &["report", "stale"],
            &["[rules] green_stages", "'Green - Approved' is also in closed_stages"],
        ),
    ];
    for (extra, args, want) in cases {
        let cfg = config_with(&s, extra);
        let o = command(&cfg).args(*args).env("DISCORD_TOKEN", "t").output().await.unwrap();
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra}: {t}");
        for w in *want {
            assert!(t.contains(w), "{extra}: wanted {w:?} in {t}");
        }
        assert!(!t.contains("1000.5e3a") && !t.contains("9f8e7d6c") && !t.contains("panicked"), "{t}");
    }
    // An empty storage path used to open a throwaway database and fail with "no such table".
    let base = std::fs::read_to_string(&s.config).unwrap();
    let cut = base.find("[storage]").unwrap();
    let cfg = s.dir.path().join("empty-path.toml");
    std::fs::write(&cfg, format!("{}[storage]\npath = \"\"\n", &base[..cut])).unwrap();
    for args in [&["sync"][..], &["report", "stale"]] {
        let o = command(&cfg).args(args).output().await.unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("[storage] path") && text(&o).contains("is empty"), "{}", text(&o));
    }
}
