//! A scoped snapshot (`Snapshot::within`) holds exactly the scope's leads, and its counts are
//! those of the scope's leads, checked against counts computed independently in SQL.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{now, Env};
use panopticon::people::Scope;
use panopticon::views::pipeline;
use panopticon::views::{Context, Filter, Snapshot};
use panopticon_sandbox::{generate, Spec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_sees_its_owners_leads_and_their_counts_only() {
    let env = Env::new(generate(&Spec::scaled(21, 1_200, now()))).await;
    env.sync().await.unwrap();
    let conn = env.conn();
    let full = Snapshot::load(&conn).unwrap();
    let owners: Vec<String> = conn
        .prepare("SELECT DISTINCT locator_id FROM leads WHERE locator_id IS NOT NULL ORDER BY locator_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(owners.len() >= 3, "the org has several owners: {owners:?}");

    let everyone = full.within(&Scope::Everyone);
    assert_eq!(everyone.leads.len(), full.leads.len());
    assert_eq!((everyone.stage_counts.clone(), everyone.converted), (full.stage_counts.clone(), full.converted));

    for pick in [vec![owners[0].clone()], vec![owners[1].clone(), owners[2].clone()], vec!["nobody".to_string()]] {
        let set: BTreeSet<String> = pick.iter().cloned().collect();
        let scoped = full.within(&Scope::Owners(set.clone()));
        // The leads: every appointed lead of these owners, and nothing else.
        let want: BTreeSet<String> = conn
            .prepare(
                "SELECT id FROM leads WHERE locator_id IN (SELECT value FROM json_each(?1))
                   AND id IN (SELECT lead_id FROM appointments)",
            )
            .unwrap()
            .query_map([serde_json::to_string(&pick).unwrap()], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let got: BTreeSet<String> = scoped.leads.iter().map(|l| l.id.clone()).collect();
        assert_eq!(got, want, "{pick:?}");
        // The counts: leads per stage and converted, over all their leads (appointed or not).
        let mut per_stage: BTreeMap<Option<String>, u64> = BTreeMap::new();
        let mut converted = 0;
        let mut st = conn
            .prepare("SELECT stage, converted FROM leads WHERE locator_id IN (SELECT value FROM json_each(?1))")
            .unwrap();
        let rows = st
            .query_map([serde_json::to_string(&pick).unwrap()], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, bool>(1)?))
            })
            .unwrap();
        for row in rows {
            let (stage, conv) = row.unwrap();
            if conv {
                converted += 1;
            } else {
                *per_stage.entry(stage).or_default() += 1;
            }
        }
        assert_eq!(scoped.stage_counts, per_stage.into_iter().collect::<Vec<_>>(), "{pick:?}");
        assert_eq!(scoped.converted, converted, "{pick:?}");
        // A view built from it counts the same: the pipeline's total is the scope's.
        let rules = panopticon::config::RulesConfig::default();
        let ctx = Context {
            as_of: now(),
            now: now(),
            rules: &rules,
            max_sync_age: std::time::Duration::from_secs(86_400),
            crm_url: "https://crm.zoho.com/crm".into(),
        };
        let p = pipeline::build(&scoped, &ctx, &Filter::default());
        let shown: u64 = p.stages.iter().map(|s| s.leads).sum();
        let appointed: u64 = p.stages.iter().map(|s| s.appointed).sum();
        assert_eq!(shown, scoped.stage_counts.iter().map(|(_, n)| n).sum::<u64>(), "{pick:?}");
        assert!(appointed <= want.len() as u64, "{pick:?}");
        assert_eq!(p.converted, converted, "{pick:?}");
    }
}

/// A member's search finds their own leads among everyone's matches, in the query itself: the
/// first page of a common letter is theirs, however many other leads match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_search_finds_the_owners_leads_only() {
    let env = Env::new(generate(&Spec::scaled(22, 1_200, now()))).await;
    env.sync().await.unwrap();
    let conn = env.conn();
    let owner: String = conn
        .query_row(
            "SELECT locator_id FROM leads WHERE locator_id IS NOT NULL GROUP BY locator_id ORDER BY count(*) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let theirs: usize = conn
        .query_row(
            "SELECT count(*) FROM leads WHERE locator_id = ?1 AND (full_name LIKE '%a%' OR company LIKE '%a%')",
            [&owner],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize;
    let everyone = panopticon::store::search_leads(&conn, "a", 25).unwrap();
    assert_eq!(everyone.len(), 25, "many leads match");
    let set = BTreeSet::from([owner.clone()]);
    let found = panopticon::store::search_leads_owned(&conn, "a", 25, Some(&set)).unwrap();
    assert!(theirs > 0);
    assert_eq!(found.len(), theirs.min(25));
    assert!(found.iter().all(|l| l.locator.as_ref().map(|u| u.id.as_str()) == Some(owner.as_str())));
    let nobody = BTreeSet::from(["nobody".to_string()]);
    assert!(panopticon::store::search_leads_owned(&conn, "a", 25, Some(&nobody)).unwrap().is_empty());
}
