//! People: what a Discord member may see, decided in one place.
//!
//! A member's **role** comes from their Discord roles (`[roles]`; administrators are
//! coordinators). Their **scope** — whose leads they see — comes from the role and from who they
//! are in the CRM (a coordinator's `/link`):
//! - coordinator and viewer: everyone (a viewer sees aggregates only: see `Role::sees_leads`);
//! - manager: their own leads and those of every user whose CRM role is below theirs in the
//!   role hierarchy, plus the users `[teams]` gives them;
//! - member (locator / rep): the leads their linked CRM user owns.
//!
//! A manager or member who is not linked sees nothing but a request to be linked. Everything
//! here is pure: the bot and the CLI load the directory and the link, then ask `Access::decide`.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::PeopleConfig;

/// What a member is to Panopticon, from their Discord roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Sees and does everything (the Lead Gen Coordinator; administrators).
    Coordinator,
    /// Sees their part of the CRM's role hierarchy.
    Manager,
    /// A locator or rep: sees their own leads.
    Member,
    /// Sees every lead in aggregate (counts, charts), no lead by name: e.g. executives.
    Viewer,
}

impl Role {
    /// The role a member has: administrators are coordinators; otherwise the first of
    /// coordinator, manager, member, viewer whose configured Discord roles they hold. `None`:
    /// no configured role, the member is refused.
    pub fn of(cfg: &PeopleConfig, administrator: bool, discord_roles: &[u64]) -> Option<Role> {
        if administrator {
            return Some(Role::Coordinator);
        }
        let holds = |ids: &[u64]| discord_roles.iter().any(|r| ids.contains(r));
        let r = &cfg.roles;
        [
            (Role::Coordinator, &r.coordinator),
            (Role::Manager, &r.manager),
            (Role::Member, &r.member),
            (Role::Viewer, &r.viewer),
        ]
        .into_iter()
        .find(|(_, ids)| holds(ids))
        .map(|(role, _)| role)
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role sees leads one by one (lists, the lead story, the calendar), not only
    /// aggregates.
    pub fn sees_leads(self) -> bool {
        self != Role::Viewer
    }

    /// Whether an answer to this role is private by default in the shared channel: where the
    /// scope narrows, nobody else should read it over their shoulder.
    pub fn private_by_default(self) -> bool {
        matches!(self, Role::Manager | Role::Member)
    }
}

/// Whose leads a member sees: CRM user ids (a lead's owner).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Everyone,
    /// Leads owned by these users. A lead with no owner is nobody's: only `Everyone` sees it.
    Owners(BTreeSet<String>),
}

impl Scope {
    pub fn allows(&self, owner: Option<&str>) -> bool {
        match self {
            Scope::Everyone => true,
            Scope::Owners(ids) => owner.is_some_and(|o| ids.contains(o)),
        }
    }

    pub fn is_everyone(&self) -> bool {
        matches!(self, Scope::Everyone)
    }
}

/// A CRM user as the directory knows them: the synced user (id, name, email, status, role,
/// `Reporting_To`).
pub use crate::crm::CrmUser as DirUser;

/// A CRM role: a node of the hierarchy, `reporting_to` its parent.
pub use crate::crm::CrmRole as DirRole;

/// The CRM's users and roles, as last synced.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    pub users: Vec<DirUser>,
    pub roles: Vec<DirRole>,
}

impl Directory {
    pub fn user(&self, id: &str) -> Option<&DirUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn role(&self, id: &str) -> Option<&DirRole> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// The user a person typed: an id, an email or a name (case-insensitive, exact).
    pub fn find_user(&self, typed: &str) -> Vec<&DirUser> {
        let t = typed.trim();
        if let Some(u) = self.user(t) {
            return vec![u];
        }
        let by_email: Vec<&DirUser> =
            self.users.iter().filter(|u| u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(t))).collect();
        if !by_email.is_empty() {
            return by_email;
        }
        self.users.iter().filter(|u| u.name.trim().eq_ignore_ascii_case(t)).collect()
    }

    /// The roles strictly below `role` in the hierarchy. A cycle in the data (the CRM should
    /// never send one) ends the walk instead of looping.
    pub fn roles_below(&self, role: &str) -> BTreeSet<String> {
        let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in &self.roles {
            if let Some(p) = r.reporting_to.as_deref() {
                children.entry(p).or_default().push(r.id.as_str());
            }
        }
        let mut below = BTreeSet::new();
        let mut todo: Vec<&str> = children.get(role).cloned().unwrap_or_default();
        while let Some(r) = todo.pop() {
            if r == role || !below.insert(r.to_string()) {
                continue;
            }
            todo.extend(children.get(r).cloned().unwrap_or_default());
        }
        below
    }

    /// A manager's team: themselves, every user whose role is below theirs, every user who
    /// reports to them (`Reporting_To`, directly or through others), and the users `[teams]`
    /// names for them (by id, email or name).
    pub fn team(&self, manager: &str, teams: &BTreeMap<String, Vec<String>>) -> BTreeSet<String> {
        let mut team = BTreeSet::from([manager.to_string()]);
        // Reporting_To, followed down; a cycle ends where it meets someone already counted.
        loop {
            let more: Vec<String> = self
                .users
                .iter()
                .filter(|u| !team.contains(&u.id) && u.reporting_to_id.as_deref().is_some_and(|m| team.contains(m)))
                .map(|u| u.id.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            team.extend(more);
        }
        if let Some(role) = self.user(manager).and_then(|u| u.role_id.as_deref()) {
            let below = self.roles_below(role);
            team.extend(
                self.users
                    .iter()
                    .filter(|u| u.role_id.as_deref().is_some_and(|r| below.contains(r)))
                    .map(|u| u.id.clone()),
            );
        }
        let me = self.user(manager);
        for (key, members) in teams {
            let names_me = key == manager
                || me.is_some_and(|u| {
                    u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(key)) || u.name.eq_ignore_ascii_case(key)
                });
            if names_me {
                for m in members {
                    team.extend(self.find_user(m).into_iter().map(|u| u.id.clone()));
                }
            }
        }
        team
    }

    /// Who manages `user`: every other user whose `team` holds them, nearest first (the
    /// smallest team: a team lead before the head of sales), then by name. Empty when nobody
    /// does.
    pub fn managers_of(&self, user: &str, teams: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        let mut found: Vec<(usize, String, String)> = self
            .users
            .iter()
            .filter(|u| u.id != user)
            .filter_map(|u| {
                let team = self.team(&u.id, teams);
                team.contains(user).then(|| (team.len(), u.name.to_lowercase(), u.id.clone()))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, _, id)| id).collect()
    }
}

/// Why a member sees nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No configured Discord role.
    NoRole,
    /// A manager or member not yet linked to a CRM user.
    NotLinked(Role),
}

impl Refused {
    /// What the member reads.
    pub fn message(&self) -> String {
        match self {
            Refused::NoRole => "You need a Panopticon role to use it here. Ask an administrator.".into(),
            Refused::NotLinked(role) => format!(
                "Panopticon does not know who you are in the CRM yet, so as a {} you see nothing. \
                 Ask a coordinator to /link you.",
                role.name()
            ),
        }
    }
}

/// What one member may see, decided at the moment they ask or click.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    /// The CRM user they are linked to, if any.
    pub crm_user: Option<String>,
    pub scope: Scope,
}

impl Access {
    /// The one decision: role from Discord, the link from the store, teams from the directory.
    pub fn decide(
        cfg: &PeopleConfig,
        administrator: bool,
        discord_roles: &[u64],
        linked: Option<&str>,
        dir: &Directory,
    ) -> Result<Access, Refused> {
        let role = Role::of(cfg, administrator, discord_roles).ok_or(Refused::NoRole)?;
        let crm_user = linked.map(str::to_string);
        let scope = match (role, linked) {
            (Role::Coordinator | Role::Viewer, _) => Scope::Everyone,
            (Role::Manager, Some(me)) => Scope::Owners(dir.team(me, &cfg.teams)),
            (Role::Member, Some(me)) => Scope::Owners(BTreeSet::from([me.to_string()])),
            (Role::Manager | Role::Member, None) => return Err(Refused::NotLinked(role)),
        };
        Ok(Access { role, crm_user, scope })
    }

    /// What is *theirs*, for `/mine` and the personal DM: a manager's team, a member's leads,
    /// and for a coordinator or viewer (who see everyone elsewhere) their own CRM user's leads.
    /// `None`: a coordinator or viewer not linked has nothing of their own.
    pub fn own_scope(&self) -> Option<Scope> {
        match (self.role, &self.crm_user) {
            (Role::Manager | Role::Member, _) => Some(self.scope.clone()),
            (Role::Coordinator | Role::Viewer, Some(me)) => Some(Scope::Owners(BTreeSet::from([me.clone()]))),
            (Role::Coordinator | Role::Viewer, None) => None,
        }
    }

    /// Whether this member's answers are private unless they ask otherwise.
    pub fn private_by_default(&self) -> bool {
        self.role.private_by_default()
    }
}

// ---- The follow-up loop (issue 14): who may nudge, snooze and answer about one lead. ----

/// Something done about one lead in the follow-up loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopAct {
    /// DM the lead's locator a nudge.
    Nudge,
    /// Snooze the lead, or lift its snooze.
    Snooze,
    /// Answer a nudge (followed up, snooze 2 days, need help).
    Answer,
    /// Write-back (issue 15): give the lead to another CRM user.
    Reassign,
    /// Write-back: add a note to the lead's CRM record.
    Note,
    /// Write-back: create a follow-up task for the lead's owner.
    Task,
}

impl Access {
    /// Whether this member may do `act` about a lead owned by `owner` (a CRM user id), decided
    /// at the moment they click:
    /// - nudge: coordinators, and managers for their team's leads (a locator does not nudge
    ///   themselves);
    /// - snooze: coordinators, managers for their team, and the owning locator for their own;
    /// - answer a nudge: the locator linked to the owner, or a coordinator;
    /// - reassign and follow-up task: coordinators, and managers for their team's leads;
    /// - note: the same, and a member on their own leads (members never reassign).
    ///
    /// A lead with no owner is nobody's: only a coordinator may act on it. Viewers never act.
    pub fn may(&self, act: LoopAct, owner: Option<&str>) -> bool {
        let theirs = owner.is_some() && self.crm_user.as_deref() == owner;
        match (self.role, act) {
            (Role::Coordinator, _) => true,
            (Role::Viewer, _) => false,
            (Role::Manager, LoopAct::Nudge | LoopAct::Snooze) => self.scope.allows(owner),
            (Role::Member, LoopAct::Nudge) => false,
            (Role::Member, LoopAct::Snooze) => theirs && self.scope.allows(owner),
            (Role::Manager | Role::Member, LoopAct::Answer) => theirs,
            (Role::Manager, LoopAct::Reassign | LoopAct::Note | LoopAct::Task) => self.scope.allows(owner),
            (Role::Member, LoopAct::Reassign | LoopAct::Task) => false,
            (Role::Member, LoopAct::Note) => theirs && self.scope.allows(owner),
        }
    }

    /// Whether they may hand a lead to `to` (a CRM user id): a manager only within their team,
    /// so a reassignment never moves a lead out of the scope of whoever made it by mistake.
    pub fn may_hand_to(&self, to: &str) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Manager => self.scope.allows(Some(to)),
            Role::Member | Role::Viewer => false,
        }
    }
}

#[cfg(test)]
mod loop_tests {
    use super::*;

    fn who(role: Role, me: Option<&str>, scope: &[&str]) -> Access {
        let scope = if scope.is_empty() {
            Scope::Everyone
        } else {
            Scope::Owners(scope.iter().map(|s| s.to_string()).collect())
        };
        Access { role, crm_user: me.map(str::to_string), scope }
    }

    #[test]
    fn who_may_nudge_snooze_and_answer() {
        use LoopAct::*;
        let coord = who(Role::Coordinator, None, &[]);
        let manager = who(Role::Manager, Some("m"), &["m", "bo", "cy"]);
        let bo = who(Role::Member, Some("bo"), &["bo"]);
        let viewer = who(Role::Viewer, None, &[]);
        for act in [Nudge, Snooze, Answer] {
            assert!(coord.may(act, Some("bo")) && coord.may(act, None), "{act:?}: a coordinator may");
            assert!(!viewer.may(act, Some("bo")), "{act:?}: a viewer may not");
        }
        assert!(manager.may(Nudge, Some("bo")) && manager.may(Snooze, Some("cy")), "their team");
        assert!(!manager.may(Nudge, Some("zed")) && !manager.may(Snooze, Some("zed")), "not another team");
        assert!(!manager.may(Answer, Some("bo")), "a manager does not answer for the locator");
        assert!(manager.may(Answer, Some("m")), "their own lead's nudge");
        assert!(!bo.may(Nudge, Some("bo")), "a member does not nudge");
        assert!(bo.may(Snooze, Some("bo")) && bo.may(Answer, Some("bo")), "their own lead");
        assert!(!bo.may(Snooze, Some("cy")) && !bo.may(Answer, Some("cy")), "another's lead");
        assert!(!bo.may(Snooze, None) && !manager.may(Snooze, None) && !bo.may(Answer, None), "nobody's lead");
    }

    #[test]
    fn who_may_write_back() {
        use LoopAct::*;
        let coord = who(Role::Coordinator, None, &[]);
        let manager = who(Role::Manager, Some("m"), &["m", "bo", "cy"]);
        let bo = who(Role::Member, Some("bo"), &["bo"]);
        let viewer = who(Role::Viewer, None, &[]);
        for act in [Reassign, Note, Task] {
            assert!(coord.may(act, Some("zed")) && coord.may(act, None), "{act:?}: a coordinator may, on any lead");
            assert!(manager.may(act, Some("bo")), "{act:?}: a manager on their team's lead");
            assert!(!manager.may(act, Some("zed")) && !manager.may(act, None), "{act:?}: not outside the team");
            assert!(!viewer.may(act, Some("bo")), "{act:?}: never a viewer");
        }
        assert!(!bo.may(Reassign, Some("bo")) && !bo.may(Task, Some("bo")), "a member never reassigns or sets tasks");
        assert!(bo.may(Note, Some("bo")), "a member notes their own lead");
        assert!(!bo.may(Note, Some("cy")) && !bo.may(Note, None), "but not another's");
        assert!(coord.may_hand_to("zed") && manager.may_hand_to("cy"));
        assert!(!manager.may_hand_to("zed"), "a manager hands leads only within the team");
        assert!(!bo.may_hand_to("bo") && !viewer.may_hand_to("bo"));
    }
}

#[cfg(test)]
mod tests;
