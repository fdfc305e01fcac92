//! The command line as clap declares it: a view's flags belong to that view, so a wrong flag or
//! value is clap's error (exit 2) before any config is read; `--help` says what each view
//! shows; and the completion scripts and man pages are generated from the same declaration.

use std::path::Path;
use std::process::Output;

/// Runs the binary with a config file that does not exist: anything that gets as far as the
/// config fails with "cannot read …", so an error without it came from the command line alone.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), args)
}

fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out: Output = std::process::Command::new(env!("CARGO_BIN_EXE_panopticon"))
        .arg("--config")
        .arg(dir.join("no-such-config.toml"))
        .args(args)
        .env_remove("PANOPTICON_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn a_flag_or_value_that_does_not_fit_is_clap_error_before_the_config() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["report", "stale", "--status", "stale"],
            &["unexpected argument '--status' found", "Usage: panopticon report stale"],
        ),
        (&["report", "at-risk", "--period", "week"], &["unexpected argument '--period' found"]),
        (&["report", "calendar", "--sort", "name"], &["unexpected argument '--sort' found"]),
        (&["report", "lead", "Riverside", "--stage", "Dead"], &["unexpected argument '--stage' found"]),
        (&["report", "stale", "extra"], &["unexpected argument 'extra' found"]),
        (
            &["report", "leads", "--status", "stail"],
            &[
                "invalid value 'stail' for '--status <STATUS>'",
                "[possible values: stale, at_risk, awaiting, progressed, upcoming, closed]",
                "a similar value exists: 'stale'",
            ],
        ),
        (
            &["report", "leads", "--sort", "dayz"],
            &[
                "invalid value 'dayz' for '--sort <KEY>'",
                "[possible values: staleness, days-since, appointment, stage, locator, name, days-in-stage]",
            ],
        ),
        (
            &["report", "calendar", "--period", "fortnight"],
            &["invalid value 'fortnight' for '--period <P>'", "[possible values: today, week, month]"],
        ),
        (
            &["report", "calendar", "--period", "week", "--from", "2026-11-01"],
            &["the argument '--period <P>' cannot be used with '--from <DATE>'"],
        ),
        (
            &["report", "stale", "--format", "xml"],
            &["invalid value 'xml' for '--format <FORMAT>'", "[possible values: table, json, csv]"],
        ),
        (&["report", "stael"], &["unrecognized subcommand 'stael'", "a similar subcommand exists: 'stale'"]),
        (&["report", "lead"], &["the following required arguments were not provided", "<ID_OR_NAME>"]),
        (&["completions", "tcsh"], &["invalid value 'tcsh' for '<SHELL>'", "bash", "zsh", "fish"]),
    ];
    for (args, expect) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {out}{err}");
        for e in *expect {
            assert!(err.contains(e), "{args:?}: expected {e:?} in:\n{err}");
        }
        assert!(!err.contains("cannot read"), "{args:?}: the config was read first:\n{err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn views_are_named_in_any_case_or_by_their_other_spellings() {
    // These get past the command line to the config, which does not exist.
    for view in ["AT-RISK", "atrisk", "At_Risk", "Stale", "LEADS"] {
        let (code, _, err) = run(&["report", view, "--format", "json"]);
        assert_eq!(code, Some(2), "{view}: {err}");
        assert!(err.contains("cannot read") && err.contains("no-such-config.toml"), "{view}: {err}");
    }
    // --as-of and --format may come before the view, too.
    let (code, _, err) = run(&["report", "--format", "csv", "--as-of", "2026-11-16", "Calendar", "--period", "Month"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn help_says_what_each_view_shows_and_which_flags_it_takes() {
    let (code, out, err) = run(&["report", "--help"]);
    assert_eq!(code, Some(0), "{err}");
    for line in [
        // The column is as wide as the longest name, `interventions`.
        "stale          Leads gone cold, most overdue first",
        "at-risk        Leads about to go cold",
        "leads          Every appointed lead and its status",
        "calendar       Appointments day by day",
        "pipeline       Leads per stage",
        "locators       Per locator",
        "lead           One lead's story",
        "interventions  Follow-up KPIs: time to intervention and locator response time",
    ] {
        assert!(out.contains(line), "{line:?} in:\n{out}");
    }
    let (_, stale, _) = run(&["report", "stale", "--help"]);
    assert!(stale.starts_with("Leads gone cold, most overdue first"), "{stale}");
    assert!(stale.contains("--sort <KEY>") && stale.contains("--stage <S>") && stale.contains("--as-of <T>"));
    assert!(!stale.contains("--status") && !stale.contains("--period"), "{stale}");
    let (_, leads, _) = run(&["report", "leads", "--help"]);
    assert!(leads.contains("--status <STATUS>") && leads.contains("--sort <KEY>"), "{leads}");
    assert!(leads.contains("[possible values: stale, at_risk, awaiting, progressed, upcoming, closed]"), "{leads}");
    let (_, lead, _) = run(&["report", "lead", "--help"]);
    assert!(lead.contains("<ID_OR_NAME>") && lead.contains("The Zoho id, or part of the lead's name or company"));
    assert!(!lead.contains("--stage"), "{lead}");
}

#[test]
fn completion_scripts_know_report_and_its_views() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {err}");
        // (fish names a flag without its dashes.)
        for word in ["report", "at-risk", "calendar", "locators", "period", "status", "days-since", "completions"] {
            assert!(out.contains(word), "{shell}: no {word:?}");
        }
    }
    // The other shells clap_complete knows get a script as well.
    for shell in ["elvish", "powershell"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {err}");
        assert!(out.contains("report") && out.contains("at-risk"), "{shell}");
    }
}

#[test]
fn man_pages_are_roff_with_every_command() {
    let (code, page, err) = run(&["man"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(page.contains(".TH panopticon 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section} in:\n{page}");
    }
    // roff escapes a hyphen in a name: panopticon\-report.
    for sub in ["panopticon\\-report(1)", "panopticon\\-sync(1)", "panopticon\\-completions(1)"] {
        assert!(page.contains(sub), "{sub} in:\n{page}");
    }
    // Every line is text or a request: no stray control characters.
    assert!(page.chars().all(|c| c == '\n' || !c.is_control()), "{page}");

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man1");
    let (code, out, err) = run_in(dir.path(), &["man", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Wrote the man pages to"), "{out}");
    for name in ["panopticon.1", "panopticon-report.1", "panopticon-report-at-risk.1", "panopticon-report-lead.1"] {
        let text = std::fs::read_to_string(out_dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH ") && text.contains(".SH NAME"), "{name}:\n{text}");
    }
    let at_risk = std::fs::read_to_string(out_dir.join("panopticon-report-at-risk.1")).unwrap();
    assert!(at_risk.contains("Leads about to go cold") && at_risk.contains("\\-\\-sort"), "{at_risk}");
}
