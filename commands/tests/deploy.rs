//! The deployment files, checked as far as this machine can: the systemd unit passes
//! `systemd-analyze verify` without a word and keeps its hardening; the Dockerfile copies every
//! workspace member that `.dockerignore` lets through, builds with a new enough Rust, runs as
//! non-root with the database on a volume and a HEALTHCHECK; the container's config loads with
//! the real loader. The image itself is not built here: there is no Docker daemon (README,
//! Operations).

use std::path::{Path, PathBuf};

use panopticon::config::Config;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `key=value` lines of the unit (comments and sections left out).
fn unit_settings() -> Vec<(String, String)> {
    read("deploy/panopticon.service")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn the_unit_file_verifies_without_a_warning() {
    let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("systemd-analyze is needed to check deploy/panopticon.service (apt-get install systemd)");
    // verify insists that ExecStart exists: point it at the binary just built.
    let dir = tempfile::tempdir().unwrap();
    let unit = read("deploy/panopticon.service")
        .replace("ExecStart=/usr/local/bin/panopticon", &format!("ExecStart={}", env!("CARGO_BIN_EXE_panopticon")));
    assert!(unit.contains(env!("CARGO_BIN_EXE_panopticon")), "ExecStart is /usr/local/bin/panopticon");
    let path = dir.path().join("panopticon.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new(analyze).arg("verify").arg(&path).output().unwrap();
    // It exits 0 even for values it ignores; only silence means every line was understood.
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(said, "", "systemd-analyze verify");
    assert!(out.status.success());
}

#[test]
fn the_unit_restarts_on_failure_reads_secrets_from_a_file_and_is_hardened() {
    let settings = unit_settings();
    let has = |k: &str, v: &str| settings.iter().any(|(key, val)| key == k && val == v);
    for (k, v) in [
        ("ExecStart", "/usr/local/bin/panopticon run"),
        ("Restart", "on-failure"),
        // A configuration error (exit 2) is not retried forever.
        ("RestartPreventExitStatus", "2"),
        ("EnvironmentFile", "/etc/panopticon/secrets.env"),
        ("StateDirectory", "panopticon"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("DynamicUser", "yes"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert!(has(k, v), "{k}={v} in deploy/panopticon.service");
    }
    // No secret is written in the unit itself.
    for (k, v) in &settings {
        assert!(!(k == "Environment" && (v.contains("TOKEN") || v.contains("SECRET"))), "{k}={v}");
    }
}

/// The sources of the build stage's COPY lines (not `--from` another stage).
fn copied() -> Vec<String> {
    read("deploy/Dockerfile")
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter(|l| !l.contains("--from="))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().filter(|w| !w.starts_with("--")).collect();
            words[..words.len() - 1].iter().map(|w| w.trim_end_matches('/').to_string()).collect::<Vec<_>>()
        })
        .collect()
}

/// The root Cargo.toml's `members`.
fn members() -> Vec<String> {
    let manifest = read("Cargo.toml");
    let line = manifest.lines().find(|l| l.trim_start().starts_with("members")).expect("a members line");
    let list = line.split_once('[').and_then(|(_, rest)| rest.split_once(']')).expect("members = [...]").0;
    list.split(',').map(|m| m.trim().trim_matches('"').to_string()).filter(|m| !m.is_empty()).collect()
}

#[test]
fn the_dockerfile_copies_every_member_and_dockerignore_lets_them_through() {
    let members = members();
    assert!(members.len() >= 3, "{members:?}");
    let mut needed = Vec::new();
    for m in &members {
        if m == "." {
            // The root package: its manifest, the lock, its sources, the migrations it embeds
            // and the bench its manifest names.
            needed.extend(["Cargo.toml", "Cargo.lock", "src", "migrations", "benches"].map(String::from));
        } else {
            needed.push(m.clone());
        }
    }
    let copied = copied();
    for n in &needed {
        assert!(copied.contains(n), "deploy/Dockerfile copies {n} (copies {copied:?})");
        assert!(root().join(n).exists(), "{n} exists");
    }
    let ignore = read(".dockerignore");
    for pattern in ignore.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let bare = pattern.trim_start_matches("**/").trim_matches('/');
        assert!(!["*", "**", "."].contains(&bare), ".dockerignore excludes everything: {pattern}");
        for n in &needed {
            assert!(bare != n && !n.starts_with(&format!("{bare}/")), ".dockerignore's {pattern} excludes {n}");
        }
    }
}

#[test]
fn the_image_builds_locked_with_new_enough_rust_and_runs_as_nonroot_with_a_healthcheck() {
    let docker = read("deploy/Dockerfile");
    let from = docker.lines().find_map(|l| l.strip_prefix("FROM rust:")).expect("a rust build stage");
    let version = |v: &str| -> (u32, u32) {
        let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    };
    let manifest = read("Cargo.toml");
    let wanted = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"'))
        .expect("workspace rust-version");
    assert!(version(from) >= version(wanted), "rust:{from} is older than rust-version {wanted}");
    assert!(docker.contains("cargo install --locked --path commands"), "built from the lock");
    let runtime = docker.rsplit("\nFROM ").next().unwrap();
    for line in [
        "USER nonroot:nonroot",
        "VOLUME [\"/data\"]",
        "CMD [\"panopticon\", \"health\"]",
        "COPY deploy/config.toml /etc/panopticon/config.toml",
        "ENV PANOPTICON_CONFIG=/etc/panopticon/config.toml",
    ] {
        assert!(runtime.contains(line), "the runtime stage has {line}");
    }
    assert!(runtime.lines().any(|l| l.starts_with("HEALTHCHECK ")), "a HEALTHCHECK");
    // No secret baked into the image.
    for secret in ["ZOHO_CLIENT_SECRET=", "ZOHO_REFRESH_TOKEN=", "DISCORD_TOKEN="] {
        assert!(!docker.contains(secret), "{secret} in the Dockerfile");
    }
}

#[test]
fn the_container_config_loads_with_the_real_loader() {
    let env = |name: &str| match name {
        "ZOHO_CLIENT_SECRET" | "ZOHO_REFRESH_TOKEN" | "DISCORD_TOKEN" => Some(format!("{name}-value")),
        _ => None,
    };
    let cfg = Config::load(&root().join("deploy/config.toml"), &env).expect("deploy/config.toml loads");
    assert_eq!(cfg.storage_path, Path::new("/data/panopticon.db"), "the database is on the volume");
    let listen = cfg.ops.listen.expect("[ops] listen is set, for the HEALTHCHECK");
    assert!(listen.ip().is_unspecified(), "reachable through a published port: {listen}");
    assert!(read("deploy/Dockerfile").contains(&format!("EXPOSE {}", listen.port())), "EXPOSE {}", listen.port());
    // Secrets come from the environment, not the file.
    assert!(cfg.discord.token.is_some() && cfg.zoho.secrets().is_ok());
}
