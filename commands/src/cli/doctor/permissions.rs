//! The bot's effective permissions in a channel, by Discord's documented algorithm
//! (docs: Topics → Permissions → "Permission Overwrites"): the guild owner has everything;
//! otherwise @everyone's permissions OR the member's roles'; ADMINISTRATOR means everything;
//! then the channel's overwrites in order — @everyone, the member's roles together, the member.
//! Pure: `discord.rs` fetches the guild, roles, member and channel and hands them here.

pub const ADMINISTRATOR: u64 = 1 << 3;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const EMBED_LINKS: u64 = 1 << 14;
pub const ATTACH_FILES: u64 = 1 << 15;

/// What the bot needs in its channel, in the words of Discord's settings screen: it reads the
/// channel, answers and posts the digest, shows views as embeds, and attaches their PNGs.
pub const NEEDED: [(u64, &str); 4] = [
    (VIEW_CHANNEL, "View Channel"),
    (SEND_MESSAGES, "Send Messages"),
    (EMBED_LINKS, "Embed Links"),
    (ATTACH_FILES, "Attach Files"),
];

#[derive(Clone, Debug)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
}

/// A channel's permission overwrite for a role (`member` false) or a member.
#[derive(Clone, Debug)]
pub struct Overwrite {
    pub id: u64,
    pub member: bool,
    pub allow: u64,
    pub deny: u64,
}

/// Everything the computation needs.
pub struct Situation<'a> {
    pub guild_id: u64,
    pub owner_id: u64,
    pub user_id: u64,
    pub roles: &'a [Role],
    pub member_roles: &'a [u64],
    pub overwrites: &'a [Overwrite],
}

impl Situation<'_> {
    fn role(&self, id: u64) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    fn role_overwrite(&self, id: u64) -> Option<&Overwrite> {
        self.overwrites.iter().find(|o| !o.member && o.id == id)
    }

    /// The guild-wide permissions, before the channel's overwrites.
    pub fn base(&self) -> u64 {
        if self.user_id == self.owner_id {
            return u64::MAX;
        }
        let mut p = self.role(self.guild_id).map_or(0, |r| r.permissions);
        for id in self.member_roles {
            p |= self.role(*id).map_or(0, |r| r.permissions);
        }
        if p & ADMINISTRATOR != 0 {
            return u64::MAX;
        }
        p
    }

    /// The permissions in the channel.
    pub fn effective(&self) -> u64 {
        let mut p = self.base();
        if p == u64::MAX {
            return p;
        }
        if let Some(o) = self.role_overwrite(self.guild_id) {
            p = (p & !o.deny) | o.allow;
        }
        let (mut allow, mut deny) = (0, 0);
        for id in self.member_roles {
            if let Some(o) = self.role_overwrite(*id) {
                allow |= o.allow;
                deny |= o.deny;
            }
        }
        p = (p & !deny) | allow;
        if let Some(o) = self.overwrites.iter().find(|o| o.member && o.id == self.user_id) {
            p = (p & !o.deny) | o.allow;
        }
        p
    }

    /// Each needed permission the bot lacks, with why: which overwrite denies it, or that no
    /// role grants it.
    pub fn missing(&self) -> Vec<(&'static str, String)> {
        let have = self.effective();
        NEEDED.iter().filter(|(bit, _)| have & bit == 0).map(|&(bit, name)| (name, self.why_not(bit))).collect()
    }

    fn why_not(&self, bit: u64) -> String {
        if self.overwrites.iter().any(|o| o.member && o.id == self.user_id && o.deny & bit != 0) {
            return "the channel's overwrite for the bot itself denies it".into();
        }
        let denying: Vec<String> = self
            .member_roles
            .iter()
            .filter_map(|id| self.role_overwrite(*id).filter(|o| o.deny & bit != 0).map(|_| *id))
            .map(|id| self.role(id).map_or(format!("role {id}"), |r| format!("role @{}", r.name)))
            .collect();
        if !denying.is_empty() {
            return format!("the channel's overwrite for {} denies it", denying.join(", "));
        }
        if self.base() & bit != 0 {
            return "the channel's overwrite for @everyone denies it, and no overwrite for the bot's roles allows it"
                .into();
        }
        "none of the bot's roles grants it, and no channel overwrite allows it".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: u64 = 1;
    const BOT: u64 = 2;
    const BOT_ROLE: u64 = 3;
    const ALL_FOUR: u64 = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES;

    fn roles(everyone: u64, bot_role: u64) -> Vec<Role> {
        vec![
            Role { id: GUILD, name: "everyone".into(), permissions: everyone },
            Role { id: BOT_ROLE, name: "Panopticon".into(), permissions: bot_role },
        ]
    }

    fn names(s: &Situation) -> Vec<&'static str> {
        s.missing().into_iter().map(|(n, _)| n).collect()
    }

    fn at<'a>(roles: &'a [Role], overwrites: &'a [Overwrite]) -> Situation<'a> {
        Situation { guild_id: GUILD, owner_id: 99, user_id: BOT, roles, member_roles: &[BOT_ROLE], overwrites }
    }

    #[test]
    fn roles_grant_and_overwrites_take_away_in_discords_order() {
        let r = roles(VIEW_CHANNEL | SEND_MESSAGES, EMBED_LINKS | ATTACH_FILES);
        assert!(names(&at(&r, &[])).is_empty());
        // @everyone denied Attach Files: the bot's role grants it guild-wide, but the @everyone
        // overwrite applies to every member, the bot included.
        let ow = [Overwrite { id: GUILD, member: false, allow: 0, deny: ATTACH_FILES }];
        let s = at(&r, &ow);
        assert_eq!(names(&s), ["Attach Files"]);
        assert!(s.missing()[0].1.contains("@everyone denies it"), "{:?}", s.missing());
        // …unless the bot's role overwrite allows it again.
        let ow = [
            Overwrite { id: GUILD, member: false, allow: 0, deny: ATTACH_FILES },
            Overwrite { id: BOT_ROLE, member: false, allow: ATTACH_FILES, deny: 0 },
        ];
        assert!(names(&at(&r, &ow)).is_empty());
        // A role overwrite denying it is named; a member overwrite beats the roles.
        let ow = [Overwrite { id: BOT_ROLE, member: false, allow: 0, deny: EMBED_LINKS }];
        assert_eq!(
            at(&r, &ow).missing(),
            [("Embed Links", "the channel's overwrite for role @Panopticon denies it".to_string())]
        );
        let ow = [
            Overwrite { id: BOT_ROLE, member: false, allow: 0, deny: EMBED_LINKS },
            Overwrite { id: BOT, member: true, allow: EMBED_LINKS, deny: 0 },
        ];
        assert!(names(&at(&r, &ow)).is_empty());
    }

    #[test]
    fn administrators_and_owners_have_everything_and_nothing_given_is_nothing_had() {
        let r = roles(0, ADMINISTRATOR);
        let ow = [Overwrite { id: BOT_ROLE, member: false, allow: 0, deny: ALL_FOUR }];
        assert!(names(&at(&r, &ow)).is_empty(), "ADMINISTRATOR ignores overwrites");
        let r = roles(0, 0);
        let s = at(&r, &[]);
        assert_eq!(names(&s), ["View Channel", "Send Messages", "Embed Links", "Attach Files"]);
        assert!(s.missing()[0].1.contains("none of the bot's roles grants it"));
        let owner = Situation { owner_id: BOT, ..at(&r, &[]) };
        assert!(names(&owner).is_empty());
    }
}
