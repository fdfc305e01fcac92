//! `panopticon doctor`: is this installation ready to run by itself? One line per check — the
//! config, the database, the CRM (Zoho or Salesforce), Discord — each PASS or FAIL with a reason a person can act on,
//! then a verdict. Exit 0 only when every check passes; 1 when one fails; 2 when the config
//! cannot be read (nothing else can be checked then); a WARN line (a write-back action whose
//! OAuth scope is missing) is said without failing. It reads and never writes: no migration,
//! no sync; Zoho is asked for one access token and four small reads.

mod actions;
mod check;
mod database;
mod discord;
mod permissions;
mod sales;
mod salesforce;
mod zoho;

use std::path::PathBuf;

use check::{verdict, Check, Outcome};

use super::{load_config, out, Failure};

pub async fn run(config: Option<PathBuf>) -> Result<(), Failure> {
    let cfg = match load_config(config) {
        Ok(cfg) => cfg,
        Err(f) => {
            let c = Check::fail("config", f.message.clone());
            out::line(&c.line())?;
            out::line("Verdict: the config cannot be read, so nothing else was checked.")?;
            return Err(Failure { code: 2, message: String::new() });
        }
    };
    let mut checks = vec![Check::pass("config", "loaded; secrets from the environment")];
    out::line(&checks[0].line())?;
    for c in database::checks(&cfg) {
        out::line(&c.line())?;
        checks.push(c);
    }
    // The CRM and Discord are independent: ask both at once, print in order.
    let crm = async {
        match cfg.crm {
            panopticon::config::CrmKind::Zoho => zoho::checks(&cfg).await,
            panopticon::config::CrmKind::Salesforce => salesforce::checks(&cfg).await,
        }
    };
    let (z, d) = tokio::join!(crm, discord::checks(&cfg));
    for c in z.into_iter().chain(d) {
        out::line(&c.line())?;
        checks.push(c);
    }
    if !cfg.actions.enabled {
        // Not a check: off is a choice, and nothing about it can fail.
        out::line(&actions::off_line())?;
    }
    out::line(&verdict(&checks))?;
    if checks.iter().all(|c| matches!(c.outcome, Outcome::Pass | Outcome::Warn)) {
        Ok(())
    } else {
        Err(Failure { code: 1, message: String::new() })
    }
}
