//! `[render] fallback_fonts`: names in scripts Noto Sans lacks (here Japanese) are drawn from
//! the fallback font instead of as boxes, and the embedded font stays the default. Its own
//! test binary, because fonts are installed once per process.
//!
//! The font is a 37-glyph subset of Noto Sans CJK shipped in tests/fonts (OFL), so this runs
//! the same on a machine without any system fonts.

use chrono::{TimeZone, Utc};
use panopticon::config::RulesConfig;
use panopticon::render::{font, table, Page};
use panopticon::rules::Status;
use panopticon::views::list::{self, ListKind, ListView};
use panopticon::views::{Context, Header, LeadRow};

const NAME: &str = "東京自動販売機";

fn view(name: &str) -> ListView {
    let row = LeadRow {
        id: "3652397000000001605".into(),
        name: name.into(),
        company: Some("山田花子".into()),
        stage: Some("Appt Set".into()),
        locator: Some("李王".into()),
        appointment_at: None,
        appointment_all_day: false,
        days_since_appointment: Some(9),
        last_stage_change_at: None,
        days_in_stage: Some(9),
        status: Status::Stale,
        stuck_in_green: false,
        next_appointment_at: None,
        snoozed: false,
        snoozed_until: None,
        snooze_reason: None,
    };
    let rows = vec![row];
    ListView {
        header: Header {
            view: "stale".into(),
            as_of: "2026-11-20T08:00:00-05:00".into(),
            last_sync_at: Some("2026-11-20T13:00:00Z".into()),
            warning: None,
            filters: vec![],
        },
        total: 1,
        per_locator: list::per_locator(&rows),
        rows,
        kind: ListKind::Stale,
        tz: chrono_tz::America::New_York,
        hidden: 0,
    }
}

#[test]
fn cjk_names_are_drawn_from_the_fallback_font() {
    let rules = RulesConfig::default();
    let as_of = Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap();
    let ctx = Context {
        as_of,
        now: as_of,
        rules: &rules,
        max_sync_age: std::time::Duration::from_secs(86_400),
        crm_url: String::new(),
    };
    // Without a fallback: Noto Sans has no 東, so every such character is the same empty box —
    // two different names draw the very same pixels.
    const OTHER: &str = "山田花子東京都";
    assert!(!font::covers('東', false));
    let boxed = table::list(&view(NAME), &ctx, Page::first(25)).unwrap();
    assert_eq!(boxed.png, table::list(&view(OTHER), &ctx, Page::first(25)).unwrap().png);

    // Bad settings are refused with the key named, and change nothing.
    let missing = std::path::PathBuf::from("/nonexistent/NotoSansCJK.ttc");
    let e = font::install_fallbacks(&[missing]).unwrap_err().to_string();
    assert!(e.starts_with("[render] fallback_fonts: cannot read /nonexistent/NotoSansCJK.ttc"), "{e}");
    let not_a_font = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let e = font::install_fallbacks(&[not_a_font]).unwrap_err().to_string();
    assert!(e.contains("is not a TrueType/OpenType font"), "{e}");
    assert!(!font::covers('東', false));

    let cjk = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fonts/NotoSansCJK-subset.otf");
    assert_eq!(font::install_fallbacks(std::slice::from_ref(&cjk)).unwrap(), 1);
    assert!(font::install_fallbacks(&[cjk]).is_err(), "fonts are set once, at start");
    for c in NAME.chars().chain("山田花子李王".chars()) {
        assert!(font::covers(c, false) && font::covers(c, true), "{c} has a glyph now");
        assert!(font::glyph(c, false).font >= 2, "{c} comes from the fallback");
    }
    // The embedded font stays the default for everything it has.
    for c in "Appt Set 9 — Lucía".chars() {
        assert!(font::glyph(c, false).font == 0 && font::glyph(c, true).font == 1, "{c:?}");
    }
    // CJK glyphs are a full em wide (Noto Sans's box is narrower), and are measured as drawn.
    assert!((font::width(NAME, 10.0, false) - 70.0).abs() < 0.01, "{}", font::width(NAME, 10.0, false));

    let drawn = table::list(&view(NAME), &ctx, Page::first(25)).unwrap();
    assert!(drawn.boxes.iter().any(|b| b.text == NAME), "the whole name fits and is written");
    // Now each character is its own glyph: the two names look different, and unlike the boxes.
    let other = table::list(&view(OTHER), &ctx, Page::first(25)).unwrap();
    assert_ne!(drawn.png, other.png);
    assert_ne!(drawn.png, boxed.png);
    let dir = std::env::temp_dir().join("panopticon-render");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cjk-fallback.png"), &drawn.png).unwrap();
    std::fs::write(dir.join("cjk-boxes.png"), &boxed.png).unwrap();
}

#[test]
fn fallback_fonts_are_a_list_of_files_in_the_render_section() {
    use panopticon::config::Config;
    let env = |name: &str| name.starts_with("ZOHO_").then(|| "from-env".to_string());
    let base = "[zoho]\nclient_id = \"1000.X\"\n";
    let cfg = Config::from_toml(base, &env).unwrap();
    assert!(cfg.fallback_fonts.is_empty(), "none by default: the embedded font alone");
    let text = format!("{base}[render]\nfallback_fonts = [\"/usr/share/fonts/a.ttc\", \"fonts/b.otf\"]\n");
    let cfg = Config::from_toml(&text, &env).unwrap();
    assert_eq!(cfg.fallback_fonts, vec![std::path::PathBuf::from("/usr/share/fonts/a.ttc"), "fonts/b.otf".into()]);
    let e = Config::from_toml(&format!("{base}[render]\nfallback_fonts = \"a.ttc\"\n"), &env).unwrap_err();
    assert!(e.to_string().contains("fallback_fonts"), "{e}");
}

#[test]
fn system_font_discovery_picks_a_file_per_missing_script() {
    // A "system" of one directory, so this does not depend on the machine's fonts.
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fonts");
    let mut db = fontdb::Database::new();
    db.load_fonts_dir(&dir);
    assert_eq!(font::discover(&db), vec![dir.join("NotoSansCJK-subset.otf")], "the one file with Han");
    // A font of a script Noto Sans already has is never picked.
    let latin_dir = tempfile::tempdir().unwrap();
    std::fs::write(latin_dir.path().join("NotoSans-Regular.ttf"), font::REGULAR).unwrap();
    let mut latin = fontdb::Database::new();
    latin.load_fonts_dir(latin_dir.path());
    assert_eq!(latin.len(), 1);
    assert!(font::discover(&latin).is_empty());
    latin.load_fonts_dir(&dir);
    assert_eq!(font::discover(&latin), vec![dir.join("NotoSansCJK-subset.otf")]);
    assert!(font::discover(&fontdb::Database::new()).is_empty());
}
