//! The PNGs: every view renders on empty, one-row, exactly-a-page and many-page data; hostile
//! names never panic or leave their cell; chips have the colour of their status; the same input
//! gives the same bytes.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use panopticon::config::RulesConfig;
use panopticon::render::{calendar as cal_img, chart, font, table, theme, Image, Page};
use panopticon::rules::Status;
use panopticon::time::Stamp;
use panopticon::views::calendar::{self, Period};
use panopticon::views::list::{self, ListKind, ListView};
use panopticon::views::{lead, locators, pipeline, Context, Filter, Header, LeadRow, Snapshot};
use panopticon_sandbox::generate;

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap()
}

fn ctx(rules: &RulesConfig) -> Context<'_> {
    Context {
        as_of: as_of(),
        now: as_of() + Duration::minutes(5),
        rules,
        max_sync_age: std::time::Duration::from_secs(86_400),
        crm_url: "https://crm.zoho.com/crm".into(),
    }
}

const HOSTILE: &[&str] = &[
    "Maximilian Alexander Bartholomew Christopherson-Vanderbilt-Montgomery-Fitzwilliam the Third of the Greater Springfield Metropolitan Vending and Snack Distribution Cooperative Association of North America",
    "مطعم الياسمين للوجبات السريعة والمشروبات",
    "שלום עליכם — מסעדת הגליל",
    "😀 Snack Shack 🍫🥤 Vending 🎉🎉🎉🎉🎉🎉🎉🎉🎉",
    "東京自動販売機株式会社 新宿支店 東京都新宿区西新宿",
    "Zoe\u{308} Ba\u{301}rbara Nguye\u{302}\u{303}n Dương",
    "Line\nbreak\tand\u{7} bell",
    "<script>alert('x')</script> & \"quotes\"",
];

fn row(i: usize, name: &str, status: Status) -> LeadRow {
    LeadRow {
        id: format!("36523970000{i:08}"),
        name: name.to_string(),
        company: Some(HOSTILE[i % HOSTILE.len()].to_string()),
        stage: Some(["Appt Set", "Appt Not Acknowledged", "Green - Install Scheduled"][i % 3].to_string()),
        locator: Some(["Lucía Fernández", "Kenji Watanabe", HOSTILE[0]][i % 3].to_string()),
        appointment_at: Some(Stamp::parse("2026-11-09T14:30:00-05:00").unwrap()),
        days_since_appointment: Some(11 + i as i64),
        last_stage_change_at: None,
        days_in_stage: if i.is_multiple_of(5) { None } else { Some(40 + i as i64) },
        status,
        stuck_in_green: i % 3 == 2,
        next_appointment_at: None,
        snoozed: false,
        snoozed_until: None,
        snooze_reason: None,
        appointment_all_day: false,
    }
}

fn list_view(n: usize, kind: ListKind) -> ListView {
    let rows: Vec<LeadRow> = (0..n).map(|i| row(i, HOSTILE[i % HOSTILE.len()], Status::ALL[i % 6])).collect();
    ListView {
        header: Header {
            view: kind.name().into(),
            as_of: "2026-11-20T08:00:00-05:00".into(),
            last_sync_at: Some("2026-11-20T13:00:00Z".into()),
            warning: (n == 1).then(|| "The last sync failed (server error 500); showing data from 5 h ago.".into()),
            filters: vec!["stage = Appt Set".into()],
        },
        total: n,
        per_locator: list::per_locator(&rows),
        rows,
        kind,
        tz: chrono_tz::America::New_York,
        hidden: 0,
    }
}

/// The PNG decoded: (width, height, RGBA rows).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "opaque: no alpha channel");
    buf.truncate(info.buffer_size());
    let rgba = buf.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    (info.width, info.height, rgba)
}

/// What must hold for every image: a PNG of the promised size, and every text inside its box.
fn check(img: &Image) {
    assert_eq!(&img.png[..8], b"\x89PNG\r\n\x1a\n", "{}", img.name);
    assert_eq!(img.width, (theme::WIDTH * theme::SCALE) as u32, "{}", img.name);
    assert!(img.png.len() < 400 * 1024, "{} is {} bytes", img.name, img.png.len());
    let (w, h, _) = decode(&img.png);
    assert_eq!((w, h), (img.width, img.height));
    // Nothing is drawn under the legibility floor: capitals (0.714 em in Noto Sans) at least
    // 10 px tall in the PNG.
    for size in img.svg.split("font-size=\"").skip(1).map(|s| s.split('"').next().unwrap().parse::<f32>().unwrap()) {
        assert!(size * 0.714 * theme::SCALE >= 10.0, "{}: font size {size} gives capitals under 10 px", img.name);
    }
    for b in &img.boxes {
        assert!(b.width <= b.box_w + 0.01, "{}: '{}' is {:.1} wide in a {:.1} box", img.name, b.text, b.width, b.box_w);
        assert!(
            b.x >= b.box_x - 0.01 && b.x + b.width <= b.box_x + b.box_w + 0.01,
            "{}: '{}' leaves its box",
            img.name,
            b.text
        );
    }
}

fn texts(img: &Image) -> Vec<&str> {
    img.boxes.iter().map(|b| b.text.as_str()).collect()
}

#[test]
fn lists_render_at_every_size_with_hostile_names() {
    let rules = RulesConfig::default();
    let c = ctx(&rules);
    for kind in [ListKind::Stale, ListKind::AtRisk, ListKind::Leads] {
        for n in [0usize, 1, 25, 60] {
            let v = list_view(n, kind);
            let pages = Page::first(25).count(n);
            for p in 0..pages {
                let img = table::list(&v, &c, Page { index: p, per_page: 25 }).unwrap();
                check(&img);
                let t = texts(&img);
                // One chip per row on the page, and the footer says which rows these are.
                let chips = t
                    .iter()
                    .filter(|s| ["STALE", "AT RISK", "AWAITING", "PROGRESSED", "UPCOMING", "CLOSED"].contains(s))
                    .count();
                let on_page = n.saturating_sub(p * 25).min(25);
                assert_eq!(chips, on_page, "{} rows, page {p}", n);
                if n > 0 {
                    let want = format!("rows {}–{} of {n} · page {} of {pages}", p * 25 + 1, p * 25 + on_page, p + 1);
                    assert!(t.iter().any(|s| s.starts_with(&want)), "{want} in {t:?}");
                } else {
                    assert!(t.iter().any(|s| s.starts_with("Nothing is") || s.starts_with("No appointed")), "{t:?}");
                }
            }
        }
    }
    // A page past the end shows the last page rather than nothing.
    let v = list_view(60, ListKind::Leads);
    let img = table::list(&v, &c, Page { index: 99, per_page: 25 }).unwrap();
    assert!(texts(&img).iter().any(|s| s.starts_with("rows 51–60 of 60")));
    // The warning is shown, its sign drawn as a shape (see the_warning_sign_is_drawn).
    let img = table::list(&list_view(1, ListKind::Stale), &c, Page::first(25)).unwrap();
    assert!(texts(&img).iter().any(|s| s.starts_with("The last sync failed")));
}

/// The y of the baseline of the text run `text` in the image's SVG.
fn baseline_of(img: &Image, text: &str) -> f32 {
    img.svg
        .split("<text ")
        .find(|t| t.contains(&format!(">{text}</text>")))
        .and_then(|t| t.split("y=\"").nth(1))
        .and_then(|t| t.split('"').next())
        .and_then(|t| t.parse::<f32>().ok())
        .unwrap_or_else(|| panic!("no text run {text:?} in {}", img.name))
}

fn pixel(img: &Image, x: f32, y: f32) -> u32 {
    let (w, _, rgba) = decode(&img.png);
    let i = (((y * theme::SCALE) as u32 * w + (x * theme::SCALE) as u32) * 4) as usize;
    ((rgba[i] as u32) << 16) | ((rgba[i + 1] as u32) << 8) | rgba[i + 2] as u32
}

#[test]
fn the_warning_sign_is_drawn_not_a_missing_glyph() {
    // Noto Sans has no ⚠: as text it was an empty box. Now it is a triangle in the banner.
    let rules = RulesConfig::default();
    let img = table::list(&list_view(1, ListKind::Stale), &ctx(&rules), Page::first(25)).unwrap();
    check(&img);
    keep(&img);
    let warning = "The last sync failed (server error 500); showing data from 5 h ago.";
    assert!(texts(&img).contains(&warning), "{:?}", texts(&img));
    for b in &img.boxes {
        assert!(!b.text.contains('⚠'), "no ⚠ glyph is asked of the font: {:?}", b.text);
    }
    assert_eq!(img.svg.matches("<polygon").count(), 1, "one warning sign");
    // Inside the triangle (left of its "!"), the sign's colour; right of it, the banner's.
    let banner_top = baseline_of(&img, warning) - 12.5;
    let want = u32::from_str_radix(&theme::WARNING_TEXT[1..], 16).unwrap();
    let bg = u32::from_str_radix(&theme::WARNING_BG[1..], 16).unwrap();
    let (sx, sy) = (14.0 + 6.0, banner_top + 3.5);
    assert_eq!(pixel(&img, sx + 3.5, sy + 8.5), want, "the triangle is filled");
    assert_eq!(pixel(&img, sx + 5.5, sy + 5.0), bg, "the exclamation mark shows through");
    assert_eq!(pixel(&img, sx + 1.0, sy + 1.0), bg, "outside the triangle, the banner");
}

#[test]
fn long_names_are_ellipsized_not_dropped() {
    let rules = RulesConfig::default();
    let img = table::list(&list_view(8, ListKind::Leads), &ctx(&rules), Page::first(25)).unwrap();
    check(&img);
    let t = texts(&img);
    assert!(HOSTILE[0].chars().count() >= 200);
    assert!(t.iter().any(|s| s.starts_with("Maximilian Alexander") && s.ends_with('…')), "{t:?}");

    // Every hostile name still has its row, each cut at a character boundary or kept whole.
    for h in HOSTILE {
        use unicode_normalization::UnicodeNormalization;
        let clean: String = h.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let prefix: String = clean.chars().take(3).collect();
        assert!(t.iter().any(|s| s.starts_with(&prefix)), "{h:?} is missing: {t:?}");
    }
    // Markup is text, not SVG.
    assert!(img.svg.contains("&lt;script&gt;") && !img.svg.contains("<script>"));
}

#[test]
fn chips_have_the_colour_of_their_status() {
    let rules = RulesConfig::default();
    let v = list_view(6, ListKind::Leads);
    let img = table::list(&v, &ctx(&rules), Page::first(25)).unwrap();
    let (w, _, rgba) = decode(&img.png);
    let chip_boxes: Vec<_> =
        img.boxes.iter().filter(|b| Status::ALL.iter().any(|s| theme::chip(*s).2 == b.text)).collect();
    assert_eq!(chip_boxes.len(), 6);
    for (b, r) in chip_boxes.iter().zip(&v.rows) {
        let (fill, _, label) = theme::chip(r.status);
        assert_eq!(b.text, label);
        // A pixel inside the chip, at the left end of its label's line (each status once).
        let x = ((b.box_x + 1.5) * theme::SCALE) as u32;
        let text_y = img
            .svg
            .split("<text ")
            .find(|t| t.contains(&format!(">{label}</text>")))
            .and_then(|t| t.split("y=\"").nth(1))
            .and_then(|t| t.split('"').next())
            .and_then(|t| t.parse::<f32>().ok())
            .unwrap();
        let y = ((text_y - 2.6) * theme::SCALE) as u32;
        let i = ((y * w + x) * 4) as usize;
        let want = u32::from_str_radix(&fill[1..], 16).unwrap();
        let got = ((rgba[i] as u32) << 16) | ((rgba[i + 1] as u32) << 8) | rgba[i + 2] as u32;
        assert_eq!(got, want, "{label}: pixel #{got:06X}, chip #{want:06X}");
    }
}

/// Chips drawn in an image: one per row on the page.
fn chips(img: &Image) -> usize {
    texts(img)
        .iter()
        .filter(|s| ["STALE", "AT RISK", "AWAITING", "PROGRESSED", "UPCOMING", "CLOSED"].contains(s))
        .count()
}

#[test]
fn the_hostile_sample_left_for_eyes_is_whole() {
    // Leaves the images where a person can look at them (the temp dir's panopticon-render/), and
    // checks what that person would: the file is the image, of its size, every text in its cell,
    // a chip on every row, and markup in a name drawn as text rather than obeyed.
    let rules = RulesConfig::default();
    let img = table::list(&list_view(8, ListKind::Leads), &ctx(&rules), Page::first(25)).unwrap();
    let dir = std::env::temp_dir().join("panopticon-render");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hostile.png"), &img.png).unwrap();
    let big = table::list(&list_view(25, ListKind::Leads), &ctx(&rules), Page::first(25)).unwrap();
    std::fs::write(dir.join("table25.svg"), &big.svg).unwrap();

    check(&img);
    check(&big);
    let written = std::fs::read(dir.join("hostile.png")).unwrap();
    assert_eq!(written, img.png);
    let (w, h, _) = decode(&written);
    assert_eq!((w, h), (img.width, img.height));
    assert_eq!(std::fs::read_to_string(dir.join("table25.svg")).unwrap(), big.svg);
    assert_eq!(chips(&img), 8);
    assert_eq!(chips(&big), 25);
    assert!(big.height > img.height, "25 rows ({} px) are taller than 8 ({} px)", big.height, img.height);
    assert!(texts(&img).iter().any(|t| t.starts_with("Maximilian")), "{:?}", texts(&img));
    assert!(!img.svg.contains("<script>"), "a name's markup reached the SVG unescaped");
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let rules = RulesConfig::default();
    let v = list_view(30, ListKind::Stale);
    let a = table::list(&v, &ctx(&rules), Page::first(25)).unwrap();
    let b = table::list(&v, &ctx(&rules), Page::first(25)).unwrap();
    assert_eq!(a.png, b.png);
    assert_eq!(a.svg, b.svg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_and_chart_renders_full_and_empty() {
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules);
    let all = Filter::default();
    let nobody = Filter { locators: vec!["(no locator)".into()], ..Filter::default() };
    for f in [&all, &nobody] {
        let loc = locators::build(&s, &c, f);
        check(&table::locators(&loc, &c, Page::first(25)).unwrap());
        let chart = chart::locators(&loc, &c).unwrap();
        check(&chart);
        let p = pipeline::build(&s, &c, f);
        check(&chart::stages(&p, &c).unwrap());
        check(&chart::funnel(&p, &c).unwrap());
        for period in [Period::month(c.today()), Period::month(c.today()).next()] {
            let cal = chart::month(&calendar::build(&s, &c, period, f), &c).unwrap();
            check(&cal);
            let days = cal.boxes.iter().filter(|b| b.text.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d))).count();
            assert!(days >= 30, "every day of the month is labelled");
        }
        if f == &all {
            // Numbers on the chart are the view's numbers.
            for r in loc.rows.iter().filter(|r| r.stale + r.at_risk > 0) {
                let want = format!("{} stale · {} at risk", r.stale, r.at_risk);
                assert!(texts(&chart).contains(&want.as_str()), "{want}");
            }
        } else {
            assert!(texts(&chart).contains(&"No locator has a stale or at-risk lead."));
        }
    }
    // Lead stories: the oldest stale lead, and one with a long history.
    let stale = list::build(&s, &c, ListKind::Stale, &all, None);
    let d = lead::build(&env.conn(), &s, &c, &stale.rows[0].id).unwrap().unwrap();
    let img = table::lead(&d, &c, Page::first(25)).unwrap();
    check(&img);
    assert!(texts(&img).iter().any(|t| t.contains(&stale.rows[0].id)), "the Zoho link is on the image");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_card_shows_numbers_and_their_movement() {
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules);
    let first = panopticon::digest::compose(&s, &c, None);
    let mut prev = first.record.clone();
    prev.stale -= 3;
    prev.at_risk += 2;
    prev.stale_ids.drain(..2);
    let d = panopticon::digest::compose(&s, &c, Some(&prev));
    let img = chart::digest_card(&d, &c).unwrap();
    check(&img);
    let t = texts(&img);
    assert!(t.contains(&"▲ 3 more") && t.contains(&"▼ 2 fewer"), "{t:?}");
    assert!(t.contains(&d.stale.total.to_string().as_str()));
    assert!(t.iter().any(|s| s.starts_with("2 new since the last digest")));
    let dir = std::env::temp_dir().join("panopticon-render");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("digest.png"), &img.png).unwrap();
    // The first digest has nothing to compare with, and says so.
    let img = chart::digest_card(&first, &c).unwrap();
    assert!(texts(&img).contains(&"first digest"));
}

/// Writes an image where a person can look at it.
fn keep(img: &Image) {
    let dir = std::env::temp_dir().join("panopticon-render");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&img.name), &img.png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_draws_the_period_asked_for() {
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    let c = ctx(&rules);
    let all = Filter::default();
    let week = calendar::build(&s, &c, Period::week(c.today()), &all);
    assert!(week.total > 0, "the sample has appointments this week");

    // A day: its own list, every appointment a row with its time and status, not the month.
    let busiest = week.days.iter().max_by_key(|d| d.appointments.len()).unwrap();
    let day = calendar::build(&s, &c, Period::day(busiest.date), &all);
    let img = cal_img::image(&day, &c).unwrap();
    check(&img);
    keep(&img);
    assert_eq!(img.name, format!("calendar-{}.png", busiest.date));
    let t = texts(&img);
    let n = busiest.appointments.len();
    assert_eq!(
        t[0],
        format!("{} — {n} appointment{}", Period::day(busiest.date).describe(), if n == 1 { "" } else { "s" })
    );
    let chips = t.iter().filter(|s| Status::ALL.iter().any(|st| theme::chip(*st).2 == **s)).count();
    assert_eq!(chips, n.min(cal_img::DAY_ROWS), "one row per appointment");
    for a in &busiest.appointments {
        assert!(t.contains(&a.time.as_str()), "{} in {t:?}", a.time);
        let prefix: String = a.name.chars().take(4).collect();
        assert!(t.iter().any(|s| s.starts_with(&prefix)), "{} in {t:?}", a.name);
    }
    assert!(!t.iter().any(|s| s.contains("Mon") && s.len() == 3), "no month grid headers");
    // A day busier than one image holds says how many are left out.
    let mut busy = day.clone();
    let one = busy.days[0].appointments[0].clone();
    busy.days[0].appointments = vec![one; cal_img::DAY_ROWS + 5];
    busy.total = cal_img::DAY_ROWS + 5;
    let img = cal_img::image(&busy, &c).unwrap();
    check(&img);
    let t = texts(&img);
    let chips = t.iter().filter(|s| Status::ALL.iter().any(|st| theme::chip(*st).2 == **s)).count();
    assert_eq!(chips, cal_img::DAY_ROWS);
    let more = format!("first {} of {} shown, 5 more", cal_img::DAY_ROWS, cal_img::DAY_ROWS + 5);
    assert!(t.iter().any(|s| s.starts_with(&more)), "{more} in {t:?}");

    // A week: seven columns, each day's count in its header and a card per appointment.
    let img = cal_img::image(&week, &c).unwrap();
    check(&img);
    keep(&img);
    assert!(img.name.starts_with("calendar-week-"), "{}", img.name);
    let t = texts(&img);
    assert!(t[0].starts_with(&format!("week of {}", week.period.from.format("%d %b %Y"))), "{}", t[0]);
    for d in &week.days {
        let head = format!("{} · {}", d.date.format("%d %b"), d.appointments.len());
        assert!(t.contains(&head.as_str()), "{head} in {t:?}");
        assert!(t.contains(&d.weekday.as_str()));
        let more = d.appointments.len().saturating_sub(cal_img::WEEK_CARDS);
        assert_eq!(t.contains(&format!("+{more} more").as_str()), more > 0, "{}: +{more} more", d.date);
    }
    let cards = week.days.iter().map(|d| d.appointments.len().min(cal_img::WEEK_CARDS)).sum::<usize>();
    let letters = t.iter().filter(|s| Status::ALL.iter().any(|st| theme::letter(*st) == **s)).count();
    assert_eq!(letters, cards + Status::ALL.len(), "a status letter per card, plus the legend");

    // A month is still the month grid; an empty day and an empty week say so.
    let month = cal_img::image(&calendar::build(&s, &c, Period::month(c.today()), &all), &c).unwrap();
    assert!(texts(&month)[0].starts_with(&Period::month(c.today()).describe()));
    let far = c.today() + Duration::days(400);
    let empty = cal_img::image(&calendar::build(&s, &c, Period::day(far), &all), &c).unwrap();
    check(&empty);
    assert!(texts(&empty).contains(&"No appointments this day."));
    let empty = cal_img::image(&calendar::build(&s, &c, Period::week(far), &all), &c).unwrap();
    check(&empty);
    assert!(texts(&empty).contains(&"No appointments this week."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_symbol_the_images_write_is_in_the_font() {
    // Names are data (CJK is the fallback fonts' job, tests/render_fonts.rs); everything else —
    // arrows, dashes, bullets, ▲▼, the warning — must draw as itself, never as a box.
    let env = Env::new(generate(&spec(700, 160, 480))).await;
    env.sync().await.unwrap();
    let s = Snapshot::load(&env.conn()).unwrap();
    let rules = RulesConfig::default();
    // An hour after the sync, with a minute's tolerance: every image carries the warning.
    let c = Context {
        now: Utc::now() + Duration::hours(1),
        max_sync_age: std::time::Duration::from_secs(60),
        ..ctx(&rules)
    };
    let mut images = panopticon::render::gallery(&env.conn(), &s, &c, 25).unwrap();
    let first = panopticon::digest::compose(&s, &c, None);
    images.push(chart::digest_card(&first, &c).unwrap());
    let names: std::collections::HashSet<char> = s
        .leads
        .iter()
        .flat_map(|l| [Some(&l.name), l.company.as_ref(), l.locator.as_ref(), l.stage.as_ref()])
        .flatten()
        .flat_map(|n| n.chars())
        .collect();
    assert!(images.iter().any(|i| i.svg.contains("<polygon")), "the warning is on the images");
    for img in &images {
        for b in &img.boxes {
            for ch in b.text.chars().filter(|ch| !names.contains(ch)) {
                assert!(
                    font::covers(ch, false) && font::covers(ch, true),
                    "{}: {ch:?} in {:?} has no glyph",
                    img.name,
                    b.text
                );
            }
        }
    }
}
