//! Errors about the config file as written, worded so they never quote it: the file may hold a
//! token pasted by mistake, so a problem is placed by key and line number, toml's and serde's
//! wording loses any value it quotes, and a secret key found in the file is refused with the
//! environment variable to use instead.

use super::ConfigError;

/// The variable that holds the secret a key names, if it names one (wherever it appears).
fn secret_variable(table: &str, key: &str) -> Option<&'static str> {
    let key = key.rsplit('.').next().unwrap_or(key).trim_matches('"').to_ascii_lowercase();
    let discord = table.contains("discord");
    Some(match key.as_str() {
        "client_secret" | "zoho_client_secret" | "secret" => "ZOHO_CLIENT_SECRET",
        "refresh_token" | "zoho_refresh_token" | "grant_token" => "ZOHO_REFRESH_TOKEN",
        "token" | "access_token" | "bot_token" if discord => "DISCORD_TOKEN",
        "discord_token" => "DISCORD_TOKEN",
        "token" | "access_token" => "ZOHO_REFRESH_TOKEN",
        _ => return None,
    })
}

/// A key as it may be named back to the person: it looks like a config key (a letter, then
/// letters, digits, `_` or `-`; short; few digits), so it cannot be a token pasted in its place.
fn nameable(part: &str) -> bool {
    let p = part.trim().trim_matches('"');
    p.len() <= 40
        && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
        && p.chars().filter(|c| c.is_ascii_digit()).count() <= 4
}

/// Where a problem in the file is: `[rules] stale_days (line 12)`, or just `line 12` when the
/// line does not hold a nameable key. Built from the file's structure, never by quoting a line.
fn place(text: &str, line: usize) -> (String, String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let table = lines
        .iter()
        .take(line.saturating_sub(1))
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && l.contains(']'))
        .and_then(|l| {
            let inner = l.trim_start_matches('[').split(']').next().unwrap_or_default().trim();
            inner.split('.').all(nameable).then(|| format!("[{inner}] "))
        })
        .unwrap_or_default();
    let key = lines
        .get(line.wrapping_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('[') && k.split('.').all(nameable))
        .map(|k| k.trim_matches('"').to_string());
    match &key {
        Some(k) => (format!("{table}{k} (line {line})"), table, key.clone()),
        None => (format!("line {line}"), table, None),
    }
}

/// toml's and serde's wording, minus any value they quote: `invalid type: string "1000.ab…",
/// expected u32` keeps its shape but not the string; a back-quoted word stays only if it is a
/// key name or a number.
fn without_values(message: &str) -> String {
    let mut out = String::new();
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for d in chars.by_ref() {
                    match d {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
                out.push_str("(value not shown)");
            }
            '`' => {
                let word: String = chars.by_ref().take_while(|&d| d != '`').collect();
                let number = !word.is_empty() && word.parse::<f64>().is_ok();
                if nameable(&word) || number {
                    out.push_str(&format!("`{word}`"));
                } else {
                    out.push_str("(not shown)");
                }
            }
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

/// The error for a file toml or serde rejected, or for a secret found in it.
pub(super) fn parse_error(text: &str, e: &toml::de::Error) -> ConfigError {
    // Counted in bytes: a span is not promised to fall on a character boundary.
    let line = e.span().map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1);
    let Some(line) = line else {
        return ConfigError(without_values(e.message()));
    };
    let (at, table, key) = place(text, line);
    if let Some(var) = key.as_deref().and_then(|k| secret_variable(&table, k)) {
        return ConfigError(format!(
            "{at}: secrets are not read from the config file. Delete that line and set {var} in the \
             environment instead (and treat the secret as exposed if the file was shared)."
        ));
    }
    ConfigError(format!("{at}: {}", without_values(e.message())))
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    fn err(text: &str) -> String {
        let env = |_: &str| None;
        Config::from_toml(text, &env).unwrap_err().to_string()
    }

    /// A file with a refresh token pasted in, broken in every way a hand edit breaks a file.
    #[test]
    fn errors_name_the_key_and_line_never_the_text() {
        const TOKEN: &str = "1000.8d1f0c2a9e7b4b1c.a1b2c3d4e5f6a7b8c9d0";
        let cases = [
            // An unterminated string: toml would quote the line, token and all.
            (
                format!("[zoho]\nclient_id = \"x\"\n[rules]\ntimezone = \"{TOKEN}\nstale_days = 3\n"),
                "[rules] timezone (line 4)",
            ),
            // A value of the wrong type: serde would quote the value.
            (format!("[zoho]\nclient_id = \"x\"\n[rules]\nstale_days = \"{TOKEN}\"\n"), "[rules] stale_days (line 4)"),
            // A token on a line of its own.
            (format!("[zoho]\nclient_id = \"x\"\n{TOKEN}\n"), "line 3"),
            // A token pasted as a key.
            (format!("[zoho]\nclient_id = \"x\"\n\"{TOKEN}\" = 1\n"), "line 3"),
        ];
        for (text, at) in &cases {
            let e = err(text);
            assert!(e.contains(at), "{e}");
            assert!(!e.contains(TOKEN) && !e.contains("8d1f0c2a"), "{e}");
        }
        // A typo is still named, with where it is.
        let e = err("[zoho]\nclient_id=\"x\"\n[rules]\nstale_dayz=3\n");
        assert!(e.contains("[rules] stale_dayz (line 4)") && e.contains("unknown field `stale_dayz`"), "{e}");
    }

    #[test]
    fn a_secret_in_the_file_is_refused_pointing_at_the_variable() {
        for (text, at, var) in [
            (
                "[zoho]\nclient_id = \"x\"\nrefresh_token = \"1000.abc.def\"\n",
                "[zoho] refresh_token (line 3)",
                "ZOHO_REFRESH_TOKEN",
            ),
            (
                "[zoho]\nclient_secret = \"5f1e2d3c4b5a\"\nclient_id = \"x\"\n",
                "[zoho] client_secret (line 2)",
                "ZOHO_CLIENT_SECRET",
            ),
            (
                "[zoho]\nclient_id = \"x\"\n[discord]\ntoken = \"MTA.xyz\"\n",
                "[discord] token (line 4)",
                "DISCORD_TOKEN",
            ),
            // Even broken, and even when the environment has the secret too.
            (
                "[zoho]\nclient_id = \"x\"\nrefresh_token = \"1000.abc.def\n",
                "[zoho] refresh_token (line 3)",
                "ZOHO_REFRESH_TOKEN",
            ),
        ] {
            let e = err(text);
            assert!(e.contains(at) && e.contains(var) && e.contains("not read from the config file"), "{e}");
            assert!(!e.contains("1000.abc") && !e.contains("5f1e2d") && !e.contains("MTA.xyz"), "{e}");
        }
    }
}
