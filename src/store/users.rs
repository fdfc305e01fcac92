//! CRM users (locators and everyone else who can own a lead), with their role and manager.

use rusqlite::{params, Connection};

use super::Result;
use crate::crm::CrmUser;

pub fn upsert_user(conn: &Connection, u: &CrmUser) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO users(id, name, email, status, role_id, reporting_to_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, status = excluded.status,
             role_id = excluded.role_id, reporting_to_id = excluded.reporting_to_id",
    )?
    .execute(params![u.id, u.name, u.email, u.status, u.role_id, u.reporting_to_id])?;
    Ok(())
}

pub fn all_users(conn: &Connection) -> Result<Vec<CrmUser>> {
    let mut st =
        conn.prepare("SELECT id, name, email, status, role_id, reporting_to_id FROM users ORDER BY name, id")?;
    let rows = st.query_map([], |r| {
        Ok(CrmUser {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            status: r.get(3)?,
            role_id: r.get(4)?,
            reporting_to_id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Whether any of the CRM's roles are stored (a sync reads them when none are).
pub fn roles_stored(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM crm_roles)", [], |r| r.get(0))?)
}
