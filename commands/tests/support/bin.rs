//! Running the `panopticon` binary as a person would, but with a clean environment: nothing it
//! reads from the environment leaks in from the shell that runs the tests, and the sandbox's
//! Zoho secrets are set (they matter only to runs that reach Zoho). Anything else a test needs
//! (`DISCORD_TOKEN`, `RUST_LOG`, a wrong secret) it sets at the call site.

use std::path::Path;
use std::process::Output;

use panopticon_sandbox as sandbox;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_panopticon");

/// Every variable the binary reads (`--config`'s default, logging, secrets, colour).
const READ_FROM_ENV: &[&str] =
    &["PANOPTICON_CONFIG", "RUST_LOG", "DISCORD_TOKEN", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "NO_COLOR"];

/// Clears what the binary reads from the environment and sets the sandbox's Zoho secrets.
pub fn clean_env(c: &mut std::process::Command) -> &mut std::process::Command {
    for var in READ_FROM_ENV {
        c.env_remove(var);
    }
    c.env("ZOHO_CLIENT_SECRET", sandbox::CLIENT_SECRET).env("ZOHO_REFRESH_TOKEN", sandbox::REFRESH_TOKEN)
}

/// `panopticon --config <config>`, blocking (for benchmarks that time the child).
pub fn panopticon_std(config: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(BIN);
    clean_env(&mut c).arg("--config").arg(config);
    c
}

/// `panopticon --config <config>`, killed if the test drops it.
pub fn panopticon(config: &Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::from(panopticon_std(config));
    c.kill_on_drop(true);
    c
}

/// Runs the binary with `args`; (exit code, stdout, stderr).
pub async fn run(config: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let o = panopticon(config).args(args).output().await.expect("the binary runs");
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

/// Everything a run printed: stdout, then stderr.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
