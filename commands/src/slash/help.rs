//! /help — what each command does, with an example (poise 0.7 has no built-in help). The day
//! counts come from the configured thresholds, so the help says what the views will do.

use panopticon::config::RulesConfig;

use crate::kit::limits::{self, cut};
use crate::kit::{Ctx, Error};

/// "days" or "business days", as the rules count them.
fn days(rules: &RulesConfig) -> &'static str {
    if rules.business_days {
        "business days"
    } else {
        "days"
    }
}

/// Stages with their own thresholds, e.g. " (Appt Set: at risk 3+, stale 5+)".
fn overrides(rules: &RulesConfig) -> String {
    if rules.per_stage.is_empty() {
        return String::new();
    }
    let list: Vec<String> = rules
        .per_stage
        .iter()
        .take(4)
        .map(|(stage, t)| format!("{stage}: at risk {}+, stale {}+", t.at_risk_days, t.stale_days))
        .collect();
    let more = rules.per_stage.len().saturating_sub(4);
    let more = if more > 0 { format!("; {more} more") } else { String::new() };
    format!(" Stages with their own counts: {}{more}.", list.join("; "))
}

/// The help text for these rules.
pub fn text(rules: &RulesConfig) -> String {
    let d = &rules.default;
    let days = days(rules);
    let help = format!(
        "**Panopticon** — which appointed leads are going cold, and whose are they?\n\
`/stale` — leads whose appointment passed {stale}+ {days} ago with no stage change since. e.g. `/stale locator:Dana Whitfield`\n\
`/atrisk` — leads about to go stale ({at_risk}+ {days}, not yet {stale}). e.g. `/atrisk stage:Appt Set`\n\
`/leads` — every appointed lead and its status. e.g. `/leads status:at risk`\n\
`/calendar` — appointments by day. e.g. `/calendar period:today`\n\
`/lead` — one lead's story; a name that fits several leads lets you pick. e.g. `/lead name:Riverside Gym`\n\
`/pipeline` — leads per stage and Green → Delivered.\n\
`/locators` — who has how many stale and at-risk leads, and how fast they follow up.\n\
A lead's story has **Nudge** (a DM to its locator with answer buttons) and **Snooze…** (with a reason and an expiry); \
with write-back on, **Reassign…**, **Add note…** and **Follow-up task…**, written to Zoho — `/audit` lists them. \
`/subscribe` — the digest, your own alerts or the weekly locator report by DM, on your schedule; `/unsubscribe` stops one. \
`/export` — a view as a CSV file (or its **Export CSV** button).\n\
`/refresh` — sync from Zoho now. `/status` — how fresh the data is. `/digest` — preview the morning digest.\n\
`/mine` — what needs you now (your stale and at-risk leads, today and tomorrow), just for you. \
`/digest personal:on` — your own digest by DM each morning.\n\
Sales: `/dashboard` `/forecast` `/sources` `/activity` (KPIs), `/deals`, `/search` (any record by name).\n\
`/whoami` — your role and what you can see. `/link`, `/unlink` — who is who in the CRM (coordinators). \
Add `private:true` to a view to keep it to yourself.\n\
Buttons page and filter in place; they keep working after the bot restarts. \
Opening a lead's story from a list shows it to you alone.{overrides}",
        stale = d.stale_days,
        at_risk = d.at_risk_days,
        overrides = overrides(rules),
    );
    cut(&help, limits::CONTENT)
}

/// What each command does, with an example.
#[poise::command(slash_command, guild_only)]
pub async fn help(ctx: Ctx<'_>) -> Result<(), Error> {
    let text = text(&ctx.data().cfg.rules);
    ctx.send(poise::CreateReply::default().content(text).ephemeral(true)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use panopticon::config::{RulesConfig, Thresholds};

    use super::text;

    #[test]
    fn follows_the_configured_thresholds() {
        let mut rules = RulesConfig::default();
        assert!(text(&rules).contains("passed 7+ days ago") && text(&rules).contains("(5+ days, not yet 7)"));
        rules.default = Thresholds { at_risk_days: 3, stale_days: 10 };
        rules.business_days = true;
        rules.per_stage.insert("Appt Set".into(), Thresholds { at_risk_days: 2, stale_days: 4 });
        let t = text(&rules);
        assert!(t.contains("passed 10+ business days ago"), "{t}");
        assert!(t.contains("(3+ business days, not yet 10)"), "{t}");
        assert!(t.contains("Appt Set: at risk 2+, stale 4+"), "{t}");
        assert!(!t.contains("7+"), "{t}");
    }

    #[test]
    fn names_the_sales_commands_and_fits_uncut() {
        let mut rules = RulesConfig::default();
        for s in ["Appt Set", "Appt Confirmed", "Follow Up", "Proposal Sent", "Negotiation"] {
            rules.per_stage.insert(s.into(), Thresholds { at_risk_days: 12, stale_days: 14 });
        }
        let t = text(&rules);
        for cmd in ["/dashboard", "/deals", "/forecast", "/sources", "/activity", "/search"] {
            assert!(t.contains(&format!("`{cmd}`")), "{cmd} in {t}");
        }
        // The last words (the overrides' count) survive: nothing was cut to fit.
        assert!(t.ends_with("; 1 more."), "{t}");
    }
}
