//! The charts drawn from small hand-made data: every text fits its box, the donut folds past
//! seven slices, empty data is said in words. `PANOPTICON_SAVE_CHARTS=dir` writes the PNGs there
//! to look at.

use super::*;
use crate::render::table::Frame;

fn frame(title: &str) -> Frame {
    Frame {
        title: title.into(),
        subtitle: "This month (1–22 Nov 2026) · Team Maya Chen · as of Sun 22 Nov 2026 09:00 EST".into(),
        note: Some("Method: each open deal × the org's measured win rate from its stage".into()),
        warning: None,
        footer: "Synced 4 min ago".into(),
    }
}

fn check(img: &Image) {
    assert!(img.width >= 1000 && img.height > 100, "{} is {}×{}", img.name, img.width, img.height);
    for b in &img.boxes {
        assert!(b.width <= b.box_w + 0.5, "'{}' spills out of its box in {}", b.text, img.name);
        assert!(b.x >= 0.0 && b.x + b.width <= crate::render::theme::WIDTH, "'{}' leaves the card", b.text);
    }
    if let Some(dir) = std::env::var_os("PANOPTICON_SAVE_CHARTS") {
        std::fs::write(std::path::Path::new(&dir).join(&img.name), &img.png).unwrap();
    }
}

fn texts(img: &Image) -> Vec<&str> {
    img.boxes.iter().map(|b| b.text.as_str()).collect()
}

fn money(v: f64) -> String {
    if v >= 1000.0 {
        format!("${:.1}k", v / 1000.0)
    } else {
        format!("${v:.0}")
    }
}

fn series(name: &str, values: &[f64]) -> Series {
    Series {
        name: name.into(),
        values: values.iter().map(|v| Some(*v)).collect(),
        texts: values.iter().map(|v| money(*v)).collect(),
    }
}

#[test]
fn a_donut_folds_the_tail_into_other_and_writes_every_share() {
    let raw: Vec<Slice> =
        ["Web", "Referral", "Trade Show", "Cold Call", "Partner", "Ads", "Email", "Seminar", "Chat", "Twitter"]
            .iter()
            .enumerate()
            .map(|(i, l)| Slice {
                label: l.to_string(),
                value: (10 - i) as f64 * 1000.0,
                text: money((10 - i) as f64 * 1000.0),
            })
            .collect();
    let folded = fold_slices(&raw, money);
    assert_eq!(folded.len(), MAX_SLICES + 1);
    assert_eq!(folded[6].label, "Other (4)");
    assert_eq!(folded[6].value, 4000.0 + 3000.0 + 2000.0 + 1000.0);
    // Seven slices stay seven: "Other (1)" would say less than the slice itself.
    assert_eq!(fold_slices(&raw[..7], money).len(), 7);
    let labels: Vec<&str> = folded.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels[..2], ["Web", "Referral"], "largest first");
    let img = donut("won-by-source.png", &frame("Won revenue by lead source"), &folded, "$55.0k", "won").unwrap();
    check(&img);
    let t = texts(&img);
    assert!(t.contains(&"Other (4)") && t.contains(&"$10.0k · 18%"), "{t:?}");
    assert!(t.contains(&"$5.0k · 9%"), "{t:?}");
    let empty = donut("empty.png", &frame("Nothing"), &[], "$0", "won").unwrap();
    assert!(texts(&empty).contains(&"Nothing to share out in this period."));
}

#[test]
fn a_line_writes_its_values_and_keeps_labels_apart() {
    let weeks: Vec<String> = (1..=13).map(|w| format!("W{w}")).collect();
    let vals: Vec<f64> = (0..13).map(|i| (20 + (i * 7) % 23) as f64).collect();
    let s = Series {
        name: "New leads".into(),
        values: vals.iter().map(|v| Some(*v)).collect(),
        texts: vals.iter().map(|v| format!("{v}")).collect(),
    };
    let img = line("lead-volume.png", &frame("New leads per week"), &weeks, &[s]).unwrap();
    check(&img);
    let t = texts(&img);
    assert!(t.contains(&"W1") && t.contains(&"W13"), "{t:?}");
    assert!(t.contains(&"20") && t.contains(&"41") && t.contains(&"35"), "every value written: {t:?}");
    let none = line("none.png", &frame("Nothing"), &weeks, &[]).unwrap();
    assert!(texts(&none).contains(&"Nothing in this period."));
}

#[test]
fn bullets_show_value_target_and_change() {
    let rows = vec![
        Bullet {
            label: "WON REVENUE".into(),
            value: 48_200.0,
            text: "$48.2k".into(),
            target: Some(60_000.0),
            target_text: Some("target $60.0k · 80%".into()),
            change: Some((true, true, "+12% vs Oct".into())),
        },
        Bullet {
            label: "WIN RATE".into(),
            value: 0.31,
            text: "31%".into(),
            target: None,
            target_text: None,
            change: Some((false, false, "−4 pts vs Oct".into())),
        },
        Bullet {
            label: "CALLS MADE".into(),
            value: 420.0,
            text: "420".into(),
            target: Some(400.0),
            target_text: Some("target 400 · 105%".into()),
            change: None,
        },
    ];
    let img = bullets("dashboard.png", &frame("Dashboard — Team Maya Chen"), &rows).unwrap();
    check(&img);
    let t = texts(&img);
    for want in ["$48.2k", "target $60.0k · 80%", "+12% vs Oct", "31%", "no target set", "target 400 · 105%"] {
        assert!(t.contains(&want), "{want} missing: {t:?}");
    }
}

#[test]
fn a_funnel_gives_each_steps_share() {
    let steps: Vec<Step> = [("Leads", 400.0), ("Appointment", 220.0), ("Green", 88.0), ("Delivered", 44.0)]
        .iter()
        .map(|(l, v)| Step { label: l.to_string(), value: *v, text: format!("{v}") })
        .collect();
    let img = funnel("funnel.png", &frame("Lead → delivered"), &steps).unwrap();
    check(&img);
    let t = texts(&img);
    assert!(t.contains(&"55% of previous · 55% of start"), "{t:?}");
    assert!(t.contains(&"50% of previous · 11% of start"), "{t:?}");
}

#[test]
fn grouped_columns_carry_both_methods_and_the_target() {
    let months: Vec<String> = ["Nov", "Dec", "Jan", "Feb", "Mar", "Apr"].iter().map(|s| s.to_string()).collect();
    let a = series("Weighted pipeline", &[42_000.0, 61_500.0, 38_000.0, 12_000.0, 9_000.0, 0.0]);
    let b = series("Historical conversion", &[35_000.0, 48_000.0, 30_500.0, 8_000.0, 7_500.0, 0.0]);
    let targets: Vec<Option<(f64, String)>> = vec![
        Some((50_000.0, "target $50.0k".into())),
        Some((50_000.0, "target $50.0k".into())),
        None,
        None,
        None,
        None,
    ];
    let img = grouped("forecast.png", &frame("Forecast by closing month"), &months, &[a, b], &targets).unwrap();
    check(&img);
    let t = texts(&img);
    for want in ["Weighted pipeline", "Historical conversion", "Target", "$61.5k", "$48.0k", "target $50.0k", "Apr"] {
        assert!(t.contains(&want), "{want} missing: {t:?}");
    }
}

#[test]
fn stacked_rows_total_each_person() {
    let people: Vec<String> =
        ["Ann Lee", "Bo Diaz", "Chandrasekhar Venkataraman-Iyer", "Dee"].iter().map(|s| s.to_string()).collect();
    let count = |name: &str, v: &[f64]| Series {
        name: name.into(),
        values: v.iter().map(|x| Some(*x)).collect(),
        texts: v.iter().map(|x| format!("{x}")).collect(),
    };
    let s = vec![
        count("Calls", &[40.0, 12.0, 3.0, 0.0]),
        count("Meetings", &[8.0, 6.0, 1.0, 0.0]),
        count("Tasks done", &[15.0, 20.0, 2.0, 0.0]),
        count("Overdue", &[2.0, 9.0, 0.0, 0.0]),
    ];
    let totals: Vec<String> = ["65", "47", "6", "0"].iter().map(|s| s.to_string()).collect();
    let img = stacked("activity.png", &frame("Activity per person"), &people, &s, &totals).unwrap();
    check(&img);
    let t = texts(&img);
    assert!(t.contains(&"40") && t.contains(&"65") && t.contains(&"Overdue"), "{t:?}");
    assert!(t.iter().any(|x| x.starts_with("Chandrasekhar") && x.ends_with('…')), "a long name is cut: {t:?}");
}
