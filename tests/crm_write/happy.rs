//! Each write as it lands in the org: the owner change (with its Modified_Time, workflow run and
//! timeline entry), the note, the task, the read-backs, and hostile text kept byte for byte.

use panopticon::crm::{CrmSource, CrmWriter};
use panopticon::time::Stamp;

use super::{note, stamp_of, task, W};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reassigning_changes_the_owner_moves_modified_and_runs_the_workflow() {
    let w = W::new().await;
    let before = w.stamp();
    let history_before = w.client.fetch_stage_history(&w.lead).await.unwrap().0;
    let ack = w.client.set_locator(&w.lead, &w.other, before).await.unwrap();

    assert_eq!(ack.id, w.lead.as_str());
    assert_eq!(w.owner_now().as_deref(), Some(w.other.as_str()));
    let after = w.stamp();
    assert!(after.utc() > before.utc(), "Modified_Time moved so the next sync picks the lead up");
    assert_eq!(ack.modified_at, Some(after));
    let (runs, owner_entry) = w.sandbox.org(|o| {
        let entry = o.timeline[w.lead.as_str()].last().cloned().unwrap();
        (o.workflow_runs.clone(), entry)
    });
    // The client chose `trigger: ["workflow"]`: the org's workflow rule ran, once.
    assert_eq!(runs, vec![("Leads".to_string(), w.lead.to_string())]);
    assert_eq!(owner_entry.action, "updated");
    assert_eq!(owner_entry.changes[0].0, "Owner");

    // The stage history the sync reads is untouched by the owner's timeline entry.
    let history_after = w.client.fetch_stage_history(&w.lead).await.unwrap().0;
    assert_eq!(history_after, history_before);

    // Read back as the listing would read it: the new owner, the new Modified_Time.
    let lead = w.client.read_lead(&w.lead).await.unwrap().expect("the lead exists");
    let other_name = w.sandbox.org(|o| o.user_name(&w.other)).unwrap();
    assert_eq!(
        lead.locator.as_ref().map(|u| (u.id.as_str(), u.name.as_str())),
        Some((w.other.as_str(), other_name.as_str()))
    );
    assert_eq!(lead.modified_at, after);
    let calls = w.client.take_calls();
    assert_eq!((calls.get("Leads/update"), calls.get("Leads/get")), (Some(&1), Some(&1)), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_read_back_parses_exactly_like_the_listed_one() {
    let w = W::new().await;
    let read = w.client.read_lead(&w.lead).await.unwrap().expect("exists");
    let stamp = w.stamp();
    assert_eq!(read.modified_at, stamp);
    assert_eq!(read.id, w.lead);
    let org_name = w.sandbox.org(|o| o.leads[w.lead.as_str()].full_name()).unwrap();
    assert_eq!(read.full_name, org_name);
    assert_eq!(read.locator.map(|u| u.id), Some(w.owner.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_lead_reads_back_as_none() {
    let w = W::new().await;
    w.sandbox.org(|o| o.delete_lead(w.lead.as_str()));
    assert_eq!(w.client.read_lead(&w.lead).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_lands_on_the_lead_and_is_found_by_its_marker() {
    let w = W::new().await;
    let marker = "Panopticon ref 00112233aabbccdd";
    let ack = w.client.add_note(&w.lead, &note("Called, no answer.", marker)).await.unwrap();
    let notes = w.sandbox.org(|o| o.notes_of(w.lead.as_str()).into_iter().cloned().collect::<Vec<_>>());
    assert_eq!(notes.len(), 1);
    let n = &notes[0];
    assert_eq!(
        (n.id.as_str(), n.parent_module.as_str(), n.parent_id.as_str()),
        (ack.id.as_str(), "Leads", w.lead.as_str())
    );
    assert_eq!(n.title.as_deref(), Some("Panopticon note"));
    assert_eq!(n.content, format!("Called, no answer.\n\n{marker}"));
    assert_eq!(w.client.find_note(&w.lead, marker).await.unwrap(), Some(ack.id));
    assert_eq!(w.client.find_note(&w.lead, "Panopticon ref ffffffffffffffff").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_linked_to_the_lead_for_its_owner_and_found_by_its_marker() {
    let w = W::new().await;
    let marker = "Panopticon ref 0123456789abcdef";
    // A meeting with the lead shares its activities view with the task.
    w.sandbox.org(|o| o.add_appointment(w.lead.as_str(), o.now + chrono::Duration::days(2)));
    let ack = w.client.create_task(&w.lead, &task(&w, "Call back about the quote", marker)).await.unwrap();
    let (tasks, runs) = w
        .sandbox
        .org(|o| (o.tasks_of(w.lead.as_str()).into_iter().cloned().collect::<Vec<_>>(), o.workflow_runs.clone()));
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(t.id, ack.id);
    assert_eq!(t.subject, "Call back about the quote");
    assert_eq!(t.due.map(|d| d.to_string()).as_deref(), Some("2026-11-24"));
    assert_eq!(t.status, "Not Started");
    assert_eq!(t.owner_id, w.owner);
    let what = t.what.as_ref().expect("What_Id");
    assert_eq!((what.module.as_str(), what.id.as_str()), ("Leads", w.lead.as_str()));
    assert_eq!(t.description.as_deref(), Some(format!("Follow up.\n\n{marker}").as_str()));
    assert_eq!(runs, vec![("Tasks".to_string(), ack.id.clone())]);
    assert_eq!(w.client.find_task(&w.lead, marker).await.unwrap(), Some(ack.id));
    assert_eq!(w.client.find_task(&w.lead, "Panopticon ref ffffffffffffffff").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_round_trips_exactly() {
    let w = W::new().await;
    let hostile = "She said \"call me\" \\ back;\nline two\r\n\ttabbed 🚀 =cmd|' /C calc'!A0 <script>alert(1)</script> ' OR 1=1 -- {\"data\":[]}";
    let marker = "Panopticon ref aaaaaaaaaaaaaaaa";
    let sent = note(hostile, marker);
    let ack = w.client.add_note(&w.lead, &sent).await.unwrap();
    let stored = w.sandbox.org(|o| o.notes_of(w.lead.as_str())[0].content.clone());
    assert_eq!(stored, sent.content);
    assert_eq!(w.client.find_note(&w.lead, marker).await.unwrap(), Some(ack.id));

    let t = task(&w, "=HYPERLINK(\"http://x\") \"quoted\" 🚀\tsubject", marker);
    w.client.create_task(&w.lead, &t).await.unwrap();
    let (subject, description) = w.sandbox.org(|o| {
        let t = o.tasks_of(w.lead.as_str())[0];
        (t.subject.clone(), t.description.clone())
    });
    assert_eq!(subject, t.subject);
    assert_eq!(description, Some(t.description));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_sent_with_the_synced_stamp_of_another_offset_still_applies() {
    // The stamp the sync stored may carry another offset than the sandbox renders: the same
    // instant must be accepted.
    let w = W::new().await;
    let utc = w.sandbox.org(|o| stamp_of(o, w.lead.as_str())).utc();
    let ack = w.client.set_locator(&w.lead, &w.other, Stamp::from_utc(utc)).await.unwrap();
    assert_eq!(ack.id, w.lead.as_str());
    assert_eq!(w.owner_now().as_deref(), Some(w.other.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marker_on_a_later_page_of_notes_is_found() {
    let w = W::new().await;
    // 250 notes already on the lead: the one to find is on the second page.
    w.sandbox.org(|o| {
        let by = o.api_user().unwrap().id.clone();
        for n in 0..250 {
            let id = o.new_id();
            let content =
                if n == 240 { "Old note\nPanopticon ref bbbbbbbbbbbbbbbb".to_string() } else { format!("note {n}") };
            o.notes.push(panopticon_sandbox::org::SNote {
                id,
                parent_module: "Leads".into(),
                parent_id: w.lead.to_string(),
                title: None,
                content,
                created: o.now,
                created_by: by.clone(),
            });
        }
    });
    let want = w.sandbox.org(|o| o.notes_of(w.lead.as_str())[240].id.clone());
    assert_eq!(w.client.find_note(&w.lead, "Panopticon ref bbbbbbbbbbbbbbbb").await.unwrap(), Some(want));
    assert_eq!(w.client.find_note(&w.lead, "Panopticon ref cccccccccccccccc").await.unwrap(), None);
    assert_eq!(w.client.take_calls().get("Notes/list"), Some(&4), "two pages for each look");
}
