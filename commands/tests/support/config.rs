//! Config files for the binary, built the same way everywhere: where Zoho is (the sandbox, or
//! nowhere that will be called), the database, optionally the fake Discord, then whatever a
//! test adds at the end. Secrets never go in the file; `bin.rs` passes them in the environment.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use panopticon_sandbox::{self as sandbox, Sandbox};

use super::fake_discord::{CHANNEL, GUILD, ROLE};

/// A config file's text, section by section, in the order written.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    zoho: Vec<(String, String)>,
    db: PathBuf,
    /// More `[storage]` keys after `path`.
    storage: Vec<(String, String)>,
    discord: Option<String>,
    tail: String,
}

impl ConfigFile {
    /// Zoho at the sandbox's address with its client id.
    pub fn sandbox(sb: &Sandbox, db: &Path) -> ConfigFile {
        let url = toml_str(&sb.url());
        let zoho = vec![
            ("accounts_url".to_string(), url.clone()),
            ("api_domain".to_string(), url),
            ("client_id".to_string(), toml_str(sandbox::CLIENT_ID)),
        ];
        ConfigFile { zoho, db: db.to_path_buf(), storage: vec![], discord: None, tail: String::new() }
    }

    /// A Zoho that is never called (`client_id = "x"` at Zoho's real address): for reading a
    /// database that is already there, and for runs that stop before any sync.
    pub fn offline(db: &Path) -> ConfigFile {
        let zoho = vec![("client_id".to_string(), toml_str("x"))];
        ConfigFile { zoho, db: db.to_path_buf(), storage: vec![], discord: None, tail: String::new() }
    }

    /// One more `[zoho]` key (timeouts and retries), written as given after the others.
    pub fn zoho(mut self, key: &str, value: impl Display) -> ConfigFile {
        self.zoho.push((key.to_string(), value.to_string()));
        self
    }

    /// One more `[storage]` key (retention), written after `path`.
    pub fn storage(mut self, key: &str, value: impl Display) -> ConfigFile {
        self.storage.push((key.to_string(), value.to_string()));
        self
    }

    /// A `[discord]` section for the fake at `api`: its guild, channel and role.
    pub fn discord(mut self, api: &str) -> ConfigFile {
        self.discord = Some(format!(
            "[discord]\nguild_id = {GUILD}\nchannel_id = {CHANNEL}\nallowed_roles = [{ROLE}]\napi_base = {}\n",
            toml_str(api)
        ));
        self
    }

    /// More lines at the end of the file (`[digest]`, `[rules]`, a mistake under test).
    pub fn then(mut self, toml: &str) -> ConfigFile {
        self.tail.push_str(toml);
        self
    }

    pub fn text(&self) -> String {
        let mut t = String::from("[zoho]\n");
        for (k, v) in &self.zoho {
            t.push_str(&format!("{k} = {v}\n"));
        }
        t.push_str(&format!("[storage]\npath = {}\n", toml_str(&self.db.display().to_string())));
        for (k, v) in &self.storage {
            t.push_str(&format!("{k} = {v}\n"));
        }
        t.push_str(self.discord.as_deref().unwrap_or(""));
        t.push_str(&self.tail);
        t
    }

    /// Writes the file at `path`; returns `path`.
    pub fn write(&self, path: &Path) -> PathBuf {
        std::fs::write(path, self.text()).expect("the config file is written");
        path.to_path_buf()
    }
}

/// A TOML basic string, as the tests always wrote them (paths and URLs need no escapes).
fn toml_str(s: &str) -> String {
    format!("\"{s}\"")
}
