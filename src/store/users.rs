//! CRM users (locators and everyone else who can own a lead).

use rusqlite::{params, Connection};

use super::Result;
use crate::crm::CrmUser;

pub fn upsert_user(conn: &Connection, u: &CrmUser) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO users(id, name, email, status) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, status = excluded.status",
    )?
    .execute(params![u.id, u.name, u.email, u.status])?;
    Ok(())
}

pub fn all_users(conn: &Connection) -> Result<Vec<CrmUser>> {
    let mut st = conn.prepare("SELECT id, name, email, status FROM users ORDER BY name, id")?;
    let rows =
        st.query_map([], |r| Ok(CrmUser { id: r.get(0)?, name: r.get(1)?, email: r.get(2)?, status: r.get(3)? }))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
