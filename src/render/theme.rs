//! Colours and sizes. The image is a light card: it reads the same on Discord's dark and light
//! themes. Status colours come from the Okabe–Ito palette, which stays distinct for red–green
//! colour blindness, and every chip also says its status in words.

use crate::rules::Status;

pub const CARD: &str = "#FFFFFF";
pub const BORDER: &str = "#D0D4DA";
pub const HEADER_BAND: &str = "#EEF0F3";
pub const ZEBRA: &str = "#F6F7F9";
pub const TEXT: &str = "#1F2328";
pub const MUTED: &str = "#5F6670";
pub const WARNING_BG: &str = "#FFF4D6";
pub const WARNING_TEXT: &str = "#7A4B00";

pub const OPEN: &str = "#0072B2";
pub const GREEN: &str = "#009E73";
pub const CLOSED: &str = "#9AA0A6";

/// Logical width; the PNG is twice this.
pub const WIDTH: f32 = 560.0;
pub const SCALE: f32 = 2.0;
pub const PAD: f32 = 14.0;

pub const TITLE: f32 = 13.0;
pub const BODY: f32 = 9.0;
pub const SMALL: f32 = 7.5;

/// (fill, text colour, label) of a status chip; the label is the status's own (`Status::label`).
pub fn chip(s: Status) -> (&'static str, &'static str, &'static str) {
    let (fill, ink) = match s {
        Status::Stale => ("#D55E00", "#FFFFFF"),
        Status::AtRisk => ("#E69F00", "#1F2328"),
        Status::Awaiting => ("#5F6670", "#FFFFFF"),
        Status::Progressed => ("#009E73", "#FFFFFF"),
        Status::Upcoming => ("#0072B2", "#FFFFFF"),
        Status::Closed => ("#D0D4DA", "#1F2328"),
    };
    (fill, ink, s.label())
}

/// A pale tint of a status colour, for calendar cells.
pub fn tint(s: Status) -> &'static str {
    match s {
        Status::Stale => "#F8D9C7",
        Status::AtRisk => "#FBEBC6",
        Status::Awaiting => "#E4E6EA",
        Status::Progressed => "#C7EBDD",
        Status::Upcoming => "#C9E0F0",
        Status::Closed => "#F0F1F3",
    }
}

/// One letter per status, for places too small for a word (`Status::letter`).
pub fn letter(s: Status) -> &'static str {
    s.letter()
}
