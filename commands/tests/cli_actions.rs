//! `panopticon lead <ID> reassign|note|task` and `panopticon report audit` end to end: the
//! binary syncs from the sandbox, then writes to it with --yes (read back from the sandbox's
//! org), refuses without a terminal or --yes, says a conflict wrote nothing, quotes Zoho's
//! refusal, and the audit shows every action with its outcome as a table, JSON and CSV. A
//! config with the actions off, an unknown user, a bad date write nothing.

mod support;

use std::path::PathBuf;

use chrono::TimeZone;
use panopticon_sandbox::org::{Lock, SUser};
use panopticon_sandbox::{Fault, FaultRule, Sandbox, Spec};
use serde_json::Value;
use support::ConfigFile;

struct Setup {
    sb: Sandbox,
    _dir: tempfile::TempDir,
    config: PathBuf,
    lead: String,
    owner: SUser,
    other: SUser,
}

impl Setup {
    /// A sandbox org synced by the binary, with `[actions]` as `actions` says.
    async fn new(actions: &str) -> Setup {
        Setup::with(actions, |c| c).await
    }

    /// The same, with more in the config (`edit`).
    async fn with(actions: &str, edit: impl FnOnce(ConfigFile) -> ConfigFile) -> Setup {
        let spec = Spec::scaled(5, 120, chrono::Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap());
        let sb = support::sandbox(&spec).await;
        let dir = tempfile::tempdir().unwrap();
        let config = edit(ConfigFile::sandbox(&sb, &dir.path().join("p.db")))
            .then(&format!("[actions]\n{actions}\n"))
            .write(&dir.path().join("config.toml"));
        let (code, out, err) = support::run(&config, &["sync"]).await;
        assert_eq!(code, Some(0), "{out}{err}");
        let (lead, owner, other) = sb.org(|o| {
            let active: Vec<SUser> = o.users.iter().filter(|u| u.status == "active").cloned().collect();
            let lead = o
                .leads
                .values()
                .find(|l| !l.converted && l.owner_id.as_ref().is_some_and(|id| active.iter().any(|u| &u.id == id)))
                .expect("a lead with an active owner")
                .clone();
            let owner = active.iter().find(|u| Some(&u.id) == lead.owner_id.as_ref()).unwrap().clone();
            let other = active.iter().find(|u| u.id != owner.id).unwrap().clone();
            (lead.id, owner, other)
        });
        Setup { sb, _dir: dir, config, lead, owner, other }
    }

    /// `panopticon <args>` as the operator `ann`, stdin empty (not a terminal).
    async fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let o = support::panopticon(&self.config)
            .args(args)
            .env("USER", "ann")
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("the binary runs");
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
    }

    fn zoho_owner(&self) -> Option<String> {
        self.sb.org(|o| o.lead(&self.lead).unwrap().owner_id.clone())
    }

    fn notes(&self) -> Vec<String> {
        self.sb.org(|o| o.notes_of(&self.lead).iter().map(|n| n.content.clone()).collect())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_are_written_with_yes_and_audited() {
    let s = Setup::new("enabled = true\nkeep_days = 30").await;
    let lead = s.lead.as_str();

    let (code, out, err) = s.run(&["lead", lead, "reassign", "--to", &s.other.email, "--yes"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("from:  {} ({})", s.owner.full_name(), s.owner.id)), "{out}");
    assert!(out.contains(&format!("to:    {} ({})", s.other.full_name(), s.other.id)), "{out}");
    assert!(out.contains(&format!("is now {}'s lead in Zoho", s.other.full_name())), "{out}");
    assert_eq!(s.zoho_owner(), Some(s.other.id.clone()));

    let (code, out, err) = s.run(&["lead", lead, "note", "=cmd|' /C calc'!A0 called, no answer", "-y"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("│ =cmd|' /C calc'!A0 called, no answer") && out.contains("Done: the note is on"), "{out}");
    let notes = s.notes();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].starts_with("=cmd|' /C calc'!A0 called, no answer\n\n— cli:ann, via Panopticon"), "{notes:?}");

    let (code, out, err) = s.run(&["lead", lead, "task", "Call back", "--due", "+3d", "--yes"]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Done: the task \"Call back\" due "), "{out}");
    assert!(out.contains(&format!("for:     {} ({}) (the lead's owner)", s.other.full_name(), s.other.id)), "{out}");
    let tasks =
        s.sb.org(|o| o.tasks_of(&s.lead).iter().map(|t| (t.subject.clone(), t.owner_id.clone())).collect::<Vec<_>>());
    assert_eq!(tasks, [("Call back".to_string(), s.other.id.clone())]);

    // The audit: newest first, in three forms.
    let (code, out, err) = s.run(&["report", "audit"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("AUDIT — 3 write-back actions, newest first"), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.contains(lead)).collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].contains("task") && rows[0].contains("Call back (due") && rows[0].contains("done"), "{out}");
    assert!(rows[2].contains("reassign") && rows[2].contains("cli:ann via cli"), "{out}");
    assert!(rows[2].contains(&format!("{} → {}", s.owner.full_name(), s.other.full_name())), "{out}");

    let (code, out, _) = s.run(&["report", "audit", "--format", "json", "--state", "done", "--limit", "2"]).await;
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], 2);
    let first = &v["rows"][0];
    assert_eq!(
        (first["action"].as_str(), first["state"].as_str(), first["via"].as_str()),
        (Some("task"), Some("done"), Some("cli"))
    );
    assert_eq!(first["to"]["id"].as_str(), Some(s.other.id.as_str()));
    assert_eq!(v["rows"][1]["detail"].as_str(), Some("=cmd|' /C calc'!A0 called, no answer"));
    assert!(v["rows"][1]["crm_id"].is_string() && v["rows"][1]["resolved_at"].is_string(), "{out}");

    let (code, out, _) = s.run(&["report", "audit", "--format", "csv", "--lead", lead]).await;
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "id,requested_at,lead_id,lead,action,by,via,from,to,detail,state,code,reason,crm_id,resolved_at,attempts"
    );
    assert!(out.contains(",\"'=cmd|' /C calc'!A0 called, no answer\",done,,,"), "defused:\n{out}");
    let (_, out, _) = s.run(&["report", "audit", "--user", &s.owner.email, "--format", "json"]).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], 1, "only the reassign concerns the old owner: {out}");

    // Housekeeping keeps what is younger than keep_days.
    let (code, out, err) = s.run(&["maintain"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Pruned 0 write-back actions from the audit older than 30 days"), "{out}");
    let (_, out, _) = s.run(&["report", "audit", "--format", "json"]).await;
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["total"], 3, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_or_yes_nothing_is_written() {
    let s = Setup::new("enabled = true").await;
    let (code, out, err) = s.run(&["lead", &s.lead, "note", "hello"]).await;
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.contains("Add a note to") && err.contains("pass --yes"), "{out}{err}");
    assert!(s.notes().is_empty());
    let (_, out, _) = s.run(&["report", "audit"]).await;
    assert!(out.contains("No write-back actions are recorded yet."), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_with_yes_writes_nothing_and_says_to_run_again() {
    let s = Setup::new("enabled = true").await;
    s.sb.org(|o| {
        o.edit_lead(&s.lead, |l| l.status = Some("Contacted".into()));
    });
    let (code, out, err) = s.run(&["lead", &s.lead, "reassign", "--to", &s.other.id, "--yes"]).await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("Zoho has it now:") && out.contains("stage Contacted"), "{out}");
    assert!(err.contains("changed in Zoho after it was shown; nothing was written. Run the command again"), "{err}");
    assert_eq!(s.zoho_owner(), Some(s.owner.id.clone()));
    let (_, out, _) = s.run(&["report", "audit", "--state", "conflict"]).await;
    assert!(out.contains("ALREADY_MODIFIED") && out.contains("conflict"), "{out}");
    // Run again: the lead as it is now is what is checked, so it goes through.
    let (code, _, err) = s.run(&["lead", &s.lead, "reassign", "--to", &s.other.id, "--yes"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(s.zoho_owner(), Some(s.other.id.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zohos_refusal_is_quoted_and_exits_1() {
    let s = Setup::new("enabled = true").await;
    s.sb.org(|o| o.lock(&s.lead, Lock::Locked));
    let (code, out, err) = s.run(&["lead", &s.lead, "note", "locked?", "--yes"]).await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("Zoho refused: You cannot perform this operation as the record is locked. (RECORD_LOCKED)."),
        "{err}"
    );
    assert!(s.notes().is_empty());
    // For scripts: the outcome and the audit record as JSON on stdout, the preview on stderr.
    let (code, out, err) = s.run(&["lead", &s.lead, "note", "locked?", "--yes", "--format", "json"]).await;
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("Add a note to") && err.contains("Zoho refused:"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!((v["outcome"].as_str(), v["exit"].as_u64()), (Some("refused"), Some(1)), "{out}");
    assert_eq!(v["action"]["code"].as_str(), Some("RECORD_LOCKED"), "{out}");
    assert_eq!(v["action"]["lead_id"].as_str(), Some(s.lead.as_str()), "{out}");
    // A grant without the notes scope: the scope is named.
    s.sb.org(|o| o.unlock(&s.lead));
    s.sb.set_granted_scopes("ZohoCRM.modules.leads.ALL ZohoCRM.users.READ");
    let (code, _, err) = s.run(&["lead", &s.lead, "note", "no scope", "--yes"]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("lacks the scope ZohoCRM.modules.notes.CREATE") && err.contains("Turning them on"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_unknown_and_bad_input_write_nothing() {
    let s = Setup::new("enabled = false").await;
    let (code, _, err) = s.run(&["lead", &s.lead, "note", "hi", "--yes"]).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("write-back actions are off: set [actions] enabled = true"), "{err}");

    let s = Setup::new("enabled = true").await;
    let (code, _, err) = s.run(&["lead", &s.lead, "reassign", "--to", "Nobody Atall", "--yes"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no CRM user has the id, email or name 'Nobody Atall'; nothing was written"), "{err}");
    let disabled = s.sb.org(|o| o.users.iter().find(|u| u.status != "active").unwrap().clone());
    let (code, _, err) = s.run(&["lead", &s.lead, "reassign", "--to", &disabled.email, "--yes"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is deactivated in the CRM"), "{err}");
    let (code, _, err) = s.run(&["lead", &s.lead, "task", "Call", "--due", "2001-01-01", "--yes"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--due: the due date 2001-01-01 is in the past"), "{err}");
    let (code, _, err) = s.run(&["lead", "12ab", "note", "x", "--yes"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is not a Zoho record id"), "{err}");
    let (code, _, err) = s.run(&["lead", "999999", "note", "x", "--yes"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no lead 999999 in the synced copy"), "{err}");
    let (code, _, err) = s.run(&["lead", &s.lead, "note", " \u{1b}\u{7}\n\t ", "--yes"]).await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the note is empty"), "{err}");
    let o = support::panopticon(&s.config)
        .args(["lead", &s.lead, "note", "x", "--yes"])
        .env_remove("ZOHO_REFRESH_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", support::text(&o));
    assert!(support::text(&o).contains("ZOHO_REFRESH_TOKEN is not set"), "{}", support::text(&o));
    assert_eq!(s.zoho_owner(), Some(s.owner.id.clone()));
    assert!(s.notes().is_empty() && s.sb.org(|o| o.tasks_of(&s.lead).is_empty()));
    let (_, out, _) = s.run(&["report", "audit", "--format", "json"]).await;
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["total"], 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_note_comes_from_standard_input() {
    let s = Setup::new("enabled = true").await;
    let text = "Line one\nLine two, with a tab\there\n".repeat(40);
    let mut child = support::panopticon(&s.config)
        .args(["lead", &s.lead, "note", "-", "--yes"])
        .env("USER", "ann")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).await.unwrap();
    drop(stdin);
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", support::text(&o));
    let notes = s.notes();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].starts_with(text.trim()), "{:?}", notes[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_with_no_answer_exits_3_and_stays_pending() {
    let s =
        Setup::with("enabled = true", |c| c.zoho("timeout_secs", 1).zoho("max_retries", 1).zoho("retry_base_ms", 20))
            .await;
    // The note lands but its answer comes after the client gave up; reading back fails too.
    s.sb.inject(FaultRule {
        path_contains: Some("/Notes".into()),
        skip: 1,
        times: u32::MAX,
        ..FaultRule::new(Fault::ServerError)
    });
    s.sb.inject(FaultRule {
        path_contains: Some("/Notes".into()),
        ..FaultRule::new(Fault::LateReply(std::time::Duration::from_secs(3)))
    });
    let (code, out, err) = s.run(&["lead", &s.lead, "note", "anyone there?", "--yes"]).await;
    assert_eq!(code, Some(3), "{out}{err}");
    assert!(
        err.contains("Sent to Zoho, but no answer came back") && err.contains("Panopticon will check again"),
        "{err}"
    );
    let (_, out, _) = s.run(&["report", "audit", "--state", "pending", "--format", "json"]).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["total"].as_u64(), v["rows"][0]["action"].as_str()), (Some(1), Some("note")), "{out}");
    assert_eq!(s.notes().len(), 1, "it did land; the next run finds it by its marker");
}

/// `panopticon <args>` on a terminal (util-linux `script` gives it one), typing `answers`.
/// `None` where `script` is not installed.
fn on_a_terminal(s: &Setup, args: &[&str], answers: &str) -> Option<(Option<i32>, String)> {
    use std::io::Write;
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let mut line = vec![quote(support::BIN), "--config".into(), quote(&s.config.display().to_string())];
    line.extend(args.iter().map(|a| quote(a)));
    let mut c = std::process::Command::new("script");
    support::bin::clean_env(&mut c).env("USER", "ann").args(["-qec", &line.join(" "), "/dev/null"]);
    let mut child = c
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    Some((o.status.code(), support::text(&o)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_it_asks_and_asks_again_after_a_conflict() {
    let s = Setup::new("enabled = true").await;
    let to = s.other.id.clone();
    let args = ["lead", s.lead.as_str(), "reassign", "--to", to.as_str()];
    let Some((code, t)) = on_a_terminal(&s, &args, "n\n") else {
        eprintln!("util-linux `script` is not installed: the terminal cases are not run here");
        return;
    };
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("Proceed? [y/N]") && t.contains("cancelled; nothing was written"), "{t}");
    assert_eq!(s.zoho_owner(), Some(s.owner.id.clone()));

    // Someone moves the lead in Zoho meanwhile: shown as it is now, and asked again.
    s.sb.org(|o| {
        o.edit_lead(&s.lead, |l| l.status = Some("Contacted".into()));
    });
    let (code, t) = on_a_terminal(&s, &args, "y\ny\n").unwrap();
    assert_eq!(code, Some(0), "{t}");
    assert!(t.contains("Zoho has it now:") && t.contains("Here is the same action on the lead as it is now."), "{t}");
    assert_eq!(t.matches("Proceed? [y/N]").count(), 2, "{t}");
    assert_eq!(s.zoho_owner(), Some(to.clone()));
    let (_, out, _) = s.run(&["report", "audit", "--format", "json"]).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    let states: Vec<&str> = v["rows"].as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["done", "conflict"], "a new key for the second try: {out}");
}
