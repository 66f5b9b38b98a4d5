//! URLs as recorded: normalised, with query strings stripped, and their registrable domain.
//!
//! - The URL is parsed with the `url` crate (WHATWG rules), so hosts are lower-cased and
//!   internationalised names are in their ASCII form.
//! - User name and password (`https://user:pass@host/`) are always removed.
//! - With `strip_query` (the default, [`Config::strip_url_query`](crate::Config::strip_url_query))
//!   the query string and the fragment are removed too: they often hold search terms, tokens and
//!   personal data.
//! - The domain is the *registrable* domain from the Public Suffix List (`psl` crate, compiled
//!   in), so `docs.rust-lang.org` and `www.rust-lang.org` both count for `rust-lang.org`, and
//!   `a.example.co.uk` for `example.co.uk`. The list's private section counts too, so each
//!   `alice.github.io` or `x.blogspot.com` site is its own domain. IP addresses, `localhost` and
//!   hosts with no public suffix keep the host itself; URLs without a host (`file:`, `about:`)
//!   have no domain.

use url::{Host, Url};

/// A URL ready to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CleanUrl {
    /// The normalised URL.
    pub url: String,
    /// Its registrable domain, if it has a host.
    pub domain: Option<String>,
}

/// Why a URL could not be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid URL {url:?}: {reason}")]
pub struct UrlError {
    /// The URL as given (already shortened to 200 characters).
    pub url: String,
    /// The parser's reason.
    pub reason: String,
}

/// Normalises `raw` for recording. See the [module docs](self).
///
/// ```
/// use activity_core::model::web::clean_url;
/// let u = clean_url("https://docs.rust-lang.org/std/?search=mutex#x", true).unwrap();
/// assert_eq!(u.url, "https://docs.rust-lang.org/std/");
/// assert_eq!(u.domain.as_deref(), Some("rust-lang.org"));
/// ```
pub fn clean_url(raw: &str, strip_query: bool) -> Result<CleanUrl, UrlError> {
    let mut url = Url::parse(raw.trim()).map_err(|e| UrlError {
        url: raw.chars().take(200).collect(),
        reason: e.to_string(),
    })?;
    if url.has_host() {
        // Neither can fail on a URL with a host.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    if strip_query {
        url.set_query(None);
        url.set_fragment(None);
    }
    let domain = url.host().map(|h| registrable_domain(&h));
    Ok(CleanUrl {
        url: url.into(),
        domain,
    })
}

/// A URL as exclusion rules see it: parsed and normalised the way the stored record is (scheme
/// and host lower-cased, default port and credentials dropped, the host's trailing dot
/// removed), the query kept; and its host. `None` when it does not parse.
pub fn normalized_for_rules(raw: &str) -> Option<(String, Option<String>)> {
    let mut url = Url::parse(raw.trim()).ok()?;
    if url.has_host() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    let host = url
        .host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase());
    if let Some(h) = &host
        && url.host_str() != Some(h.as_str())
    {
        let _ = url.set_host(Some(h));
    }
    Some((url.into(), host))
}

/// `text` with the query string and fragment of every address in it removed (`example.org/reset?token=…`
/// → `example.org/reset`): window titles of a page without a title of its own show its address.
pub fn strip_queries_in_text(text: &str) -> std::borrow::Cow<'_, str> {
    static ADDRESS: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)((?:[a-z][a-z0-9+.-]*://)?[\w-]+(?:\.[\w-]+)+(?::\d+)?/[^\s?#]*)[?#]\S*",
        )
        .ok()
    });
    match ADDRESS.as_ref() {
        Some(re) if text.contains('?') || text.contains('#') => re.replace_all(text, "$1"),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

fn registrable_domain(host: &Host<&str>) -> String {
    match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            match psl::domain_str(name) {
                Some(d) => d.to_string(),
                None => name.to_string(),
            }
        }
        Host::Ipv4(ip) => ip.to_string(),
        Host::Ipv6(ip) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(u: &str) -> Option<String> {
        clean_url(u, true).unwrap().domain
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(
            domain("https://docs.rust-lang.org/x").as_deref(),
            Some("rust-lang.org")
        );
        assert_eq!(
            domain("https://www.rust-lang.org/").as_deref(),
            Some("rust-lang.org")
        );
        assert_eq!(
            domain("https://a.b.example.co.uk/").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(domain("https://GitHub.COM/").as_deref(), Some("github.com"));
        assert_eq!(
            domain("https://alice.github.io/blog").as_deref(),
            Some("alice.github.io")
        );
        assert_eq!(
            domain("http://127.0.0.1:8080/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            domain("http://localhost:3000/").as_deref(),
            Some("localhost")
        );
        assert_eq!(domain("http://[::1]/").as_deref(), Some("::1"));
        assert_eq!(domain("file:///home/me/notes.txt"), None);
    }

    #[test]
    fn query_fragment_and_credentials_are_stripped() {
        let u = clean_url(
            "https://me:secret@mail.example.com/inbox?token=abc#msg-1",
            true,
        )
        .unwrap();
        assert_eq!(u.url, "https://mail.example.com/inbox");
        let kept = clean_url("https://me:secret@example.com/a?q=1#f", false).unwrap();
        assert_eq!(kept.url, "https://example.com/a?q=1#f");
    }

    #[test]
    fn garbage_is_an_error_naming_the_url() {
        let e = clean_url("not a url", true).unwrap_err();
        assert_eq!(e.url, "not a url");
        assert!(e.to_string().contains("not a url"));
    }
}
