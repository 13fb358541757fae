//! Where the API and the token endpoint are: a region's hosts, or explicit URLs (https unless loopback).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use reqwest::Url;

use super::ClientError;

/// A Flexera One zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// North America: `api.flexera.com`, `login.flexera.com`.
    #[default]
    Us,
    /// Europe: `api.flexera.eu`, `login.flexera.eu`.
    Eu,
    /// Asia-Pacific: `api.flexera.au`, `login.flexera.au` (no 10 MB cap on uploads).
    Au,
}

impl Region {
    /// The API host.
    pub fn api_host(self) -> &'static str {
        match self {
            Region::Us => "api.flexera.com",
            Region::Eu => "api.flexera.eu",
            Region::Au => "api.flexera.au",
        }
    }

    /// The login (token) host.
    pub fn login_host(self) -> &'static str {
        match self {
            Region::Us => "login.flexera.com",
            Region::Eu => "login.flexera.eu",
            Region::Au => "login.flexera.au",
        }
    }
}

impl FromStr for Region {
    type Err = ClientError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" | "nam" | "com" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            "au" | "apac" => Ok(Region::Au),
            other => Err(ClientError::Config(format!(
                "unknown region `{other}`: expected us, eu or au"
            ))),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Au => "au",
        })
    }
}

/// The API base URL (scheme, host, optional path prefix; `/saas/v1/orgs/...` is appended) and the token URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    api: String,
    token: Url,
}

impl Endpoints {
    /// The hosts of `region`, overridden by `endpoint` (the API base URL) and `token_url` (the full token URL).
    ///
    /// Without `token_url`, an endpoint on a Flexera host (`*.flexera.com|eu|au`) gets the matching
    /// `https://login.flexera.*/oidc/token`, and any other endpoint (the emulator, a proxy) `{endpoint}/oidc/token`.
    /// Both URLs must be https unless their host is loopback (127.0.0.0/8, ::1, localhost), and must not carry a
    /// user name or password.
    pub fn new(region: Region, endpoint: Option<&str>, token_url: Option<&str>) -> Result<Self, ClientError> {
        let api = match endpoint {
            Some(text) => {
                let url = parse("--endpoint", text)?;
                if url.query().is_some() || url.fragment().is_some() {
                    return Err(ClientError::Config(format!(
                        "--endpoint {text}: give a base URL without query or fragment, e.g. https://{}",
                        region.api_host()
                    )));
                }
                url
            }
            None => parse("--region", &format!("https://{}", region.api_host()))?,
        };
        let api_text = api.as_str().trim_end_matches('/').to_string();
        let token = match token_url {
            Some(text) => parse("--token-url", text)?,
            None => match api.host_str().and_then(flexera_login_host) {
                Some(login) => parse("--endpoint", &format!("https://{login}/oidc/token"))?,
                None if endpoint.is_none() => {
                    parse("--region", &format!("https://{}/oidc/token", region.login_host()))?
                }
                None => parse("--endpoint", &format!("{api_text}/oidc/token"))?,
            },
        };
        Ok(Endpoints { api: api_text, token })
    }

    /// The API base URL, without a trailing slash (also the journal's key for "which server").
    pub fn api_base(&self) -> &str {
        &self.api
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.token
    }

    /// `{api}/saas/v1/orgs/{org}/{rest}`.
    pub(crate) fn org_url(&self, org: u64, rest: &str) -> String {
        format!("{}/saas/v1/orgs/{org}/{rest}", self.api)
    }

    /// A URL the API handed out (e.g. `nextPage`, a relative path), resolved against the API base.
    pub(crate) fn resolve(&self, reference: &str) -> Option<Url> {
        let base = Url::parse(&format!("{}/", self.api)).ok()?;
        base.join(reference).ok()
    }
}

/// `login.<last two labels>` for a Flexera API host (`api.flexera.com`, `beta.api.flexera.eu`, ...).
fn flexera_login_host(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let [.., domain, tld] = labels.as_slice() else {
        return None;
    };
    let known = matches!(
        (*domain, *tld),
        ("flexera", "com" | "eu" | "au") | ("flexeratest", "com")
    );
    (known && labels.len() > 2).then(|| format!("login.{domain}.{tld}"))
}

fn parse(flag: &str, text: &str) -> Result<Url, ClientError> {
    let url = Url::parse(text.trim())
        .map_err(|e| ClientError::Config(format!("{flag} {text}: not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::Config(format!(
            "{flag}: the URL must not carry a user name or password; credentials come from the environment"
        )));
    }
    require_secure(flag, &url)?;
    Ok(url)
}

/// Refuses anything but https, except plain http to a loopback host (the emulator, a local proxy).
pub(crate) fn require_secure(flag: &str, url: &Url) -> Result<(), ClientError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(is_loopback) => Ok(()),
        "http" => Err(ClientError::Config(format!(
            "{flag} {url}: http is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https"
        ))),
        other => Err(ClientError::Config(format!(
            "{flag} {url}: the scheme must be https, not {other}"
        ))),
    }
}

/// Whether a URL's host names this machine.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(e: &Endpoints) -> (String, String) {
        (e.api_base().to_string(), e.token_url().to_string())
    }

    #[test]
    fn regions_pick_api_and_login_hosts() {
        for (region, api, login) in [
            (
                Region::Us,
                "https://api.flexera.com",
                "https://login.flexera.com/oidc/token",
            ),
            (
                Region::Eu,
                "https://api.flexera.eu",
                "https://login.flexera.eu/oidc/token",
            ),
            (
                Region::Au,
                "https://api.flexera.au",
                "https://login.flexera.au/oidc/token",
            ),
        ] {
            let e = Endpoints::new(region, None, None).unwrap();
            assert_eq!(hosts(&e), (api.to_string(), login.to_string()));
            assert_eq!(region.to_string().parse::<Region>().unwrap(), region);
        }
        assert!("mars".parse::<Region>().is_err());
        let e = Endpoints::new(Region::Us, None, None).unwrap();
        assert_eq!(
            e.org_url(12, "saas-data"),
            "https://api.flexera.com/saas/v1/orgs/12/saas-data"
        );
    }

    #[test]
    fn endpoint_overrides_and_derived_token_urls() {
        let beta = Endpoints::new(Region::Us, Some("https://beta.api.flexera.eu/"), None).unwrap();
        assert_eq!(
            hosts(&beta),
            (
                "https://beta.api.flexera.eu".to_string(),
                "https://login.flexera.eu/oidc/token".to_string()
            )
        );
        let emulator = Endpoints::new(Region::Eu, Some("http://127.0.0.1:4000"), None).unwrap();
        assert_eq!(
            hosts(&emulator),
            (
                "http://127.0.0.1:4000".to_string(),
                "http://127.0.0.1:4000/oidc/token".to_string()
            )
        );
        let both = Endpoints::new(
            Region::Us,
            Some("https://proxy.example/flexera"),
            Some("https://idp.example/token"),
        )
        .unwrap();
        assert_eq!(
            hosts(&both),
            (
                "https://proxy.example/flexera".to_string(),
                "https://idp.example/token".to_string()
            )
        );
        assert_eq!(
            both.org_url(1, "import-jobs"),
            "https://proxy.example/flexera/saas/v1/orgs/1/import-jobs"
        );
        assert_eq!(
            both.resolve("/saas/v1/orgs/1/import-jobs?skipToken=abc")
                .unwrap()
                .as_str(),
            "https://proxy.example/saas/v1/orgs/1/import-jobs?skipToken=abc"
        );
        let token_only = Endpoints::new(Region::Au, None, Some("http://localhost:9/oidc/token")).unwrap();
        assert_eq!(token_only.api_base(), "https://api.flexera.au");
    }

    #[test]
    fn https_is_required_unless_the_host_is_loopback() {
        for ok in [
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://[::1]:8080",
            "http://localhost:3000",
            "https://api.example.com",
        ] {
            assert!(Endpoints::new(Region::Us, Some(ok), None).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.flexera.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://127.0.0.1",
            "https://user:pw@api.flexera.com",
            "not a url",
            "https://api.flexera.com/?x=1",
        ] {
            let e = Endpoints::new(Region::Us, Some(bad), None).unwrap_err();
            assert!(matches!(e, ClientError::Config(_)), "{bad}: {e}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
        let e = Endpoints::new(Region::Us, None, Some("http://login.flexera.com/oidc/token")).unwrap_err();
        assert!(e.to_string().contains("--token-url"), "{e}");
    }
}
