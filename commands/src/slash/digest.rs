//! /digest — a preview of the morning digest, just for you (nothing is posted or recorded): the
//! team's for a coordinator, your own for a manager or member, its counts for a viewer; and
//! `/digest personal:on|off`, your own digest by DM each digest morning (`[digest] personal`).

use panopticon::people::Role;

use crate::kit::digest::{compose_in, digest_context, message, message_to, Audience};
use crate::kit::{Ctx, Error};

/// `personal:` on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, poise::ChoiceParameter)]
pub enum OnOff {
    #[name = "on"]
    On,
    #[name = "off"]
    Off,
}

/// Preview today's morning digest (only you see it), or turn your own morning DM on or off.
#[poise::command(slash_command, guild_only)]
pub async fn digest(
    ctx: Ctx<'_>,
    #[description = "Your own digest (your leads only) by DM each digest morning: on or off"] personal: Option<OnOff>,
) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    if let Some(choice) = personal {
        let said = set_personal(ctx, choice == OnOff::On).await?;
        ctx.send(poise::CreateReply::default().content(said).ephemeral(true)).await?;
        return Ok(());
    }
    let data = ctx.data();
    let member = ctx.author_member().await.ok_or("Panopticon could not check your roles; try again")?;
    let access = crate::kit::people::require(data, &member).await?;
    let snap = data.snapshot().await?;
    let (cfg, key) = (data.cfg.clone(), data.view_key.clone());
    // A coordinator previews the team's digest; a manager or member the digest of what is
    // theirs (what their own DM would say); a viewer its counts only (the digest names leads).
    let own = match access.role {
        Role::Coordinator | Role::Viewer => None,
        Role::Manager | Role::Member => access.own_scope(),
    };
    let counts_only = access.role == Role::Viewer;
    // Composing reads the database and rendering the images is CPU work: on the pool.
    let (summary, composed) = data
        .db_pooled(move |c| -> Result<_, Error> {
            let dctx = digest_context(&cfg, chrono::Utc::now());
            match own {
                Some(scope) => {
                    let mine = snap.within(&scope);
                    let d = panopticon::digest::compose(&mine, &dctx, None);
                    Ok((d.summary(), message_to(Audience::Personal, &cfg, &mine, &d, &dctx, &key)?))
                }
                None => {
                    let d = compose_in(c, &snap, &dctx)?;
                    let shown = if counts_only { None } else { message(&cfg, &snap, &d, &dctx, &key)? };
                    Ok((d.summary(), shown))
                }
            }
        })
        .await?;
    let reply = match composed {
        None if counts_only => {
            poise::CreateReply::default().content(format!("{summary} (as a viewer you see the counts)"))
        }
        None => poise::CreateReply::default()
            .content(format!("{summary} (quiet days are skipped: nothing would be posted)")),
        Some(c) => c.into_reply(),
    };
    ctx.send(reply.ephemeral(true)).await?;
    Ok(())
}

/// Turns the asker's personal DM on or off; what they read about it.
async fn set_personal(ctx: Ctx<'_>, on: bool) -> Result<String, Error> {
    let data = ctx.data();
    let d = &data.cfg.digest;
    if !d.personal {
        return Ok("The personal morning DM is not offered here: an administrator can offer it with \
                   `[digest] personal = true` in Panopticon's config."
            .into());
    }
    let (me, now) = (ctx.author().id.get(), chrono::Utc::now());
    let linked = data.db(move |c| panopticon::store::set_personal_digest(c, me, on, now)).await?;
    if !linked {
        return Ok("Panopticon does not know who you are in the CRM yet, so there is no digest of your own \
                   to send. Ask a coordinator to /link you."
            .into());
    }
    Ok(if on {
        let days: Vec<String> = d.days.iter().map(|w| w.to_string()).collect();
        format!(
            "Done: each digest morning ({} {}, {}) you will get your own digest by DM — your stale and at-risk \
             leads and today's appointments; nothing is sent on a day with none. Discord must let members of \
             this server DM you. Turn it off with `/digest personal:off`.",
            d.time.format("%H:%M"),
            data.cfg.rules.timezone,
            if days.is_empty() { "no day is scheduled yet".to_string() } else { days.join(", ") },
        )
    } else {
        "Done: no more personal morning DMs. Turn them back on with `/digest personal:on`.".into()
    })
}
