//! **search**: accounts, contacts, deals and leads by name, for the viewer's scope. A record
//! matches when every word typed starts a word of its name (or company, for a lead), ignoring
//! case and accents ("jose gar" finds "José García"); an exact id matches too. Whole-name
//! prefixes first, then by kind and name. `with_people` adds an account's people to it.

use serde::Serialize;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::rows::money;
use super::{SalesContext, SalesSnapshot};
use crate::people::Scope;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Deal,
    Account,
    Contact,
    Lead,
}

impl HitKind {
    pub fn name(self) -> &'static str {
        match self {
            HitKind::Deal => "deal",
            HitKind::Account => "account",
            HitKind::Contact => "contact",
            HitKind::Lead => "lead",
        }
    }
}

/// One record found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub kind: HitKind,
    pub id: String,
    pub title: String,
    /// A short line about it (a deal's stage and amount, an account's industry…).
    pub detail: String,
}

/// Lower case, accents removed, anything not a letter or digit a space.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Every searchable name, folded once per load (`SalesSnapshot::new`): a search then only
/// compares, it does not normalise a hundred thousand names each time.
#[derive(Clone, Debug, Default)]
pub struct Folded {
    deals: Vec<String>,
    accounts: Vec<String>,
    contacts: Vec<String>,
    /// A lead's name and company.
    leads: Vec<(String, String)>,
}

impl Folded {
    pub(super) fn new(book: &crate::sales::kpi::Book, leads: &crate::sales::kpi::LeadBook) -> Folded {
        Folded {
            deals: book.deals().iter().map(|d| fold(&d.name)).collect(),
            accounts: book.data.accounts.iter().map(|a| fold(&a.name)).collect(),
            contacts: book.data.contacts.iter().map(|c| fold(&c.name)).collect(),
            leads: leads.all().iter().map(|l| (fold(&l.name), fold(l.company.as_deref().unwrap_or("")))).collect(),
        }
    }
}

/// How well a folded name matches the folded words: 0 a whole-name prefix, 1 every word starts
/// a word; `None` no match.
fn rank(words: &[String], whole: &str, folded: &str) -> Option<u8> {
    if folded.trim_start().starts_with(whole) {
        return Some(0);
    }
    words.iter().all(|w| folded.split_whitespace().any(|m| m.starts_with(w.as_str()))).then_some(1)
}

/// At most `limit` records matching `query` that `scope` may see (see the module's rules). A
/// query with no letter or digit finds nothing.
pub fn search(snap: &SalesSnapshot, ctx: &SalesContext, query: &str, scope: &Scope, limit: usize) -> Vec<Hit> {
    let folded = fold(query);
    let words: Vec<String> = folded.split_whitespace().map(str::to_string).collect();
    if words.is_empty() || limit == 0 {
        return Vec::new();
    }
    let whole = words.join(" ");
    let id = query.trim();
    let mut found: Vec<(u8, Hit)> = Vec::new();
    // The detail line is built only for a match.
    let mut consider =
        |owner: Option<&str>, kind, rid: &str, names: &[&str], title: &str, detail: &dyn Fn() -> String| {
            if !scope.allows(owner) {
                return;
            }
            let r = if rid == id { Some(0) } else { names.iter().filter_map(|n| rank(&words, &whole, n)).min() };
            if let Some(r) = r {
                found.push((r, Hit { kind, id: rid.to_string(), title: title.to_string(), detail: detail() }));
            }
        };
    let cur = &ctx.sales.currency;
    let f = &snap.folded;
    for (d, n) in snap.book.deals().iter().zip(&f.deals) {
        let detail = || format!("{} · {}", d.stage, money(d.amount, cur));
        consider(d.owner.as_ref().map(|u| u.id.as_str()), HitKind::Deal, &d.id, &[n], &d.name, &detail);
    }
    for (a, n) in snap.book.data.accounts.iter().zip(&f.accounts) {
        let detail = || a.industry.clone().unwrap_or_default();
        consider(a.owner.as_ref().map(|u| u.id.as_str()), HitKind::Account, &a.id, &[n], &a.name, &detail);
    }
    for (c, n) in snap.book.data.contacts.iter().zip(&f.contacts) {
        let detail = || contact_detail(c);
        consider(c.owner.as_ref().map(|u| u.id.as_str()), HitKind::Contact, &c.id, &[n], &c.name, &detail);
    }
    for (l, (n, company)) in snap.leads.all().iter().zip(&f.leads) {
        let detail = || [l.company.clone(), l.stage.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
        consider(l.owner_id.as_deref(), HitKind::Lead, &l.id, &[n, company], &l.name, &detail);
    }
    found.sort_by(|(ra, a), (rb, b)| {
        (ra, a.kind, a.title.to_lowercase(), &a.id).cmp(&(rb, b.kind, b.title.to_lowercase(), &b.id))
    });
    found.into_iter().take(limit).map(|(_, h)| h).collect()
}

/// A contact's detail line: their account and email.
fn contact_detail(c: &crate::sales::Contact) -> String {
    [c.account.as_ref().map(|a| a.name.clone()), c.email.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// `search`, then the people of each account found (those `scope` may see), after every match
/// by name: someone looking up "acme" is often after a person there whose name they forgot.
/// What `report search` and Discord's `/search` both answer.
pub fn with_people(snap: &SalesSnapshot, ctx: &SalesContext, query: &str, scope: &Scope, limit: usize) -> Vec<Hit> {
    let mut hits = search(snap, ctx, query, scope, usize::MAX);
    let accounts: Vec<String> = hits.iter().filter(|h| h.kind == HitKind::Account).map(|h| h.id.clone()).collect();
    for c in &snap.book.data.contacts {
        let at = c.account.as_ref().is_some_and(|a| accounts.contains(&a.id));
        let known = || hits.iter().any(|h| h.kind == HitKind::Contact && h.id == c.id);
        if at && scope.allows(c.owner.as_ref().map(|u| u.id.as_str())) && !known() {
            hits.push(Hit {
                kind: HitKind::Contact,
                id: c.id.clone(),
                title: c.name.clone(),
                detail: contact_detail(c),
            });
        }
    }
    hits.truncate(limit);
    hits
}

/// The hits as a text table.
pub fn table(hits: &[Hit], color: bool) -> String {
    use crate::views::text::{col, render, Align, Cell};
    if hits.is_empty() {
        return "Nothing found.\n".into();
    }
    let cols = [
        col("Kind", Align::Left, 7),
        col("Name", Align::Left, 36),
        col("Detail", Align::Left, 40),
        col("Id", Align::Left, 24),
    ];
    let rows: Vec<Vec<Cell>> = hits
        .iter()
        .map(|h| vec![h.kind.name().into(), h.title.as_str().into(), h.detail.as_str().into(), h.id.as_str().into()])
        .collect();
    render(&cols, &rows, color)
}

/// The hits as CSV.
pub fn csv(hits: &[Hit]) -> String {
    let mut out = crate::views::csv_line(&["kind", "id", "title", "detail"].map(String::from));
    for h in hits {
        out.push_str(&crate::views::csv_line(&[h.kind.name().into(), h.id.clone(), h.title.clone(), h.detail.clone()]));
    }
    out
}
