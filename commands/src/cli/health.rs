//! `panopticon health [--url URL]`: asks a running bot's `/healthz` and prints the answer; exit
//! 0 when it is 200, 1 otherwise (503, no answer, anything else). Docker's HEALTHCHECK runs it,
//! since a distroless image has no curl; a person runs it to read why the bot is unwell.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{load_config, out, Failure};

#[derive(Args, Debug)]
pub struct HealthArgs {
    /// The health endpoint to ask (default: /healthz on the config's [ops] listen address).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
}

/// A health check answers within this, or the bot counts as unwell.
const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(config: Option<PathBuf>, args: HealthArgs) -> Result<(), Failure> {
    let url = match args.url {
        Some(url) => url,
        None => {
            let cfg = load_config(config)?;
            let addr = cfg.ops.listen.ok_or_else(|| {
                Failure::input(
                    "config: [ops] listen is not set, so the bot serves no health check: set it \
                     (e.g. \"127.0.0.1:9184\") and restart the bot, or pass --url",
                )
            })?;
            url_for(addr)
        }
    };
    let client = reqwest::Client::builder().timeout(TIMEOUT).build().map_err(|e| Failure::work(e.to_string()))?;
    let reply =
        client.get(&url).send().await.map_err(|e| {
            Failure::work(format!("no answer from {url}: {e} — is the bot running with [ops] listen set?"))
        })?;
    let status = reply.status();
    let body = reply.text().await.unwrap_or_default();
    out::text(&body, false)?;
    if status.is_success() {
        Ok(())
    } else {
        Err(Failure::work(format!("{url} answered {status}")))
    }
}

/// The URL of `/healthz` on `addr`; a server bound to every address (0.0.0.0, ::) is asked on
/// this machine's loopback.
fn url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/healthz", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::url_for;

    #[test]
    fn unspecified_addresses_are_asked_on_loopback() {
        assert_eq!(url_for("0.0.0.0:9184".parse().unwrap()), "http://127.0.0.1:9184/healthz");
        assert_eq!(url_for("[::]:9184".parse().unwrap()), "http://[::1]:9184/healthz");
        assert_eq!(url_for("10.1.2.3:80".parse().unwrap()), "http://10.1.2.3:80/healthz");
    }
}
