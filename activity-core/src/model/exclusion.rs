//! Exclusion rules: applications, window titles and URLs that are never recorded.
//!
//! Rules are regular expressions (the `regex` crate's syntax: linear-time matching, so a rule
//! cannot hang the tracker), case-insensitive and unanchored: `bank` matches any title containing
//! "Bank". A window or URL sample that matches is dropped before any record exists: the time
//! passes unattributed, as if no window had the focus.
//!
//! Rules **fail closed**: a set of rules that cannot be compiled as a whole (a pattern that does
//! not compile, or patterns together too large for the regex engine's size limit) is an error
//! naming the field, never silently an empty set that would let everything through.

use regex::{RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

/// Exclusion rules: regular expressions (Rust `regex` syntax), matched case-insensitively
/// anywhere in the text; anchor them with `^…$` to match a whole name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Exclusions {
    /// Patterns for the application name, e.g. `"^keepassxc$"`.
    pub applications: Vec<String>,
    /// Patterns for the window title, e.g. `"private browsing"`.
    pub titles: Vec<String>,
    /// Patterns for the URL, matched against the address as the browser reports it and as it
    /// is normalised for the record (lower-case host without a trailing dot, no default port,
    /// no credentials), e.g. `"^https://([a-z]+\\.)?mybank\\.com/"`.
    pub urls: Vec<String>,
    /// Domains never recorded, with every subdomain: `"mybank.com"` excludes
    /// `https://mybank.com/`, `https://www.mybank.com.:443/x` and `https://login.mybank.com/`
    /// (what users mean by a site), compared case-insensitively on the host.
    pub domains: Vec<String>,
}

/// A rule set that was refused, with the field at fault (`exclusions.titles[1]`, or
/// `exclusions.titles` when the patterns together are refused).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ExclusionError {
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Compiled [`Exclusions`].
#[derive(Clone, Debug)]
pub struct ExclusionRules {
    applications: RegexSet,
    titles: RegexSet,
    urls: RegexSet,
    domains: Vec<String>,
}

impl Default for ExclusionRules {
    fn default() -> Self {
        ExclusionRules {
            applications: RegexSet::empty(),
            titles: RegexSet::empty(),
            urls: RegexSet::empty(),
            domains: Vec::new(),
        }
    }
}

impl ExclusionRules {
    /// Compiles the rules; every pattern that does not compile is reported with its field, e.g.
    /// `exclusions.titles[1]`.
    pub fn compile(ex: &Exclusions) -> Result<ExclusionRules, Vec<ExclusionError>> {
        Self::compile_with_limit(ex, None)
    }

    /// As [`compile`](Self::compile), with the regex engine's size limit (bytes) for each set;
    /// `None` keeps the engine's default.
    pub fn compile_with_limit(
        ex: &Exclusions,
        size_limit: Option<usize>,
    ) -> Result<ExclusionRules, Vec<ExclusionError>> {
        let mut problems = Vec::new();
        let mut set = |name: &str, patterns: &[String]| {
            let before = problems.len();
            for (i, p) in patterns.iter().enumerate() {
                if let Err(e) = regex::RegexBuilder::new(p).case_insensitive(true).build() {
                    problems.push(ExclusionError {
                        field: format!("exclusions.{name}[{i}]"),
                        message: format!("pattern {p:?} does not compile: {e}"),
                    });
                }
            }
            let mut builder = RegexSetBuilder::new(patterns);
            builder.case_insensitive(true);
            if let Some(limit) = size_limit {
                builder.size_limit(limit);
            }
            match builder.build() {
                Ok(set) => set,
                Err(e) => {
                    // Fail closed: the whole set is an error, never an empty set.
                    if problems.len() == before {
                        problems.push(ExclusionError {
                            field: format!("exclusions.{name}"),
                            message: format!(
                                "the {} patterns together cannot be compiled: {e}",
                                patterns.len()
                            ),
                        });
                    }
                    RegexSet::empty()
                }
            }
        };
        let (applications, titles, urls) = (
            set("applications", &ex.applications),
            set("titles", &ex.titles),
            set("urls", &ex.urls),
        );
        let mut domains = Vec::new();
        for (i, d) in ex.domains.iter().enumerate() {
            let d = d.trim().trim_matches('.').to_ascii_lowercase();
            let valid = !d.is_empty()
                && d.contains('.')
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if valid {
                domains.push(d);
            } else {
                problems.push(ExclusionError {
                    field: format!("exclusions.domains[{i}]"),
                    message: format!(
                        "{:?} is not a domain name (write it bare, such as \"mybank.com\")",
                        ex.domains[i]
                    ),
                });
            }
        }
        let rules = ExclusionRules {
            applications,
            titles,
            urls,
            domains,
        };
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(problems)
        }
    }

    /// Whether a window with this application name and title must not be recorded.
    pub fn excludes_window(&self, application: &str, title: &str) -> bool {
        self.applications.is_match(application) || self.titles.is_match(title)
    }

    /// Whether a URL (as the browser reports it, and as normalised for the record) or its tab
    /// title must not be recorded.
    pub fn excludes_url(&self, url: &str, title: &str) -> bool {
        if self.urls.is_match(url) || self.titles.is_match(title) {
            return true;
        }
        let Some((normalized, host)) = crate::model::web::normalized_for_rules(url) else {
            return false;
        };
        self.urls.is_match(&normalized)
            || host.is_some_and(|h| {
                self.domains.iter().any(|d| {
                    h == *d || h.strip_suffix(d.as_str()).is_some_and(|p| p.ends_with('.'))
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_set_too_large_to_compile_fails_closed() {
        let ex = Exclusions {
            titles: (0..40)
                .map(|i| format!("secret project {i} [a-z]{{20}}"))
                .collect(),
            ..Exclusions::default()
        };
        // Each pattern compiles alone; together they exceed a 10 kB limit.
        let errs = ExclusionRules::compile_with_limit(&ex, Some(10_000)).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "exclusions.titles");
        assert!(errs[0].message.contains("40 patterns"), "{}", errs[0]);
        // With the default limit the same rules work and exclude.
        let rules = ExclusionRules::compile(&ex).unwrap();
        assert!(rules.excludes_window("x", "Secret Project 7 abcdefghijklmnopqrst"));
    }

    #[test]
    fn matches_case_insensitively_anywhere() {
        let r = ExclusionRules::compile(&Exclusions {
            applications: vec!["^keepassxc$".into()],
            titles: vec!["private".into()],
            urls: vec![r"^https://([a-z]+\.)?mybank\.com/".into()],
            domains: vec![],
        })
        .unwrap();
        assert!(r.excludes_window("KeePassXC", "Passwords"));
        assert!(!r.excludes_window("keepassxc-cli", "x"));
        assert!(r.excludes_window("firefox", "Mozilla Firefox Private Browsing"));
        assert!(r.excludes_url("https://www.mybank.com/login?x=1", "Login"));
        assert!(!r.excludes_url("https://mybank.com.evil.org/", "x"));
        // The rule sees the address as it is recorded: a trailing dot and the default port
        // do not slip past it.
        assert!(r.excludes_url("https://mybank.com.:443/x", "x"));
        assert!(r.excludes_url("HTTPS://User:pw@MyBank.COM/x", "x"));
    }

    #[test]
    fn a_domain_rule_covers_the_domain_and_its_subdomains_only() {
        let r = ExclusionRules::compile(&Exclusions {
            domains: vec!["MyBank.com".into()],
            ..Exclusions::default()
        })
        .unwrap();
        for hit in [
            "https://mybank.com/",
            "https://www.mybank.com.:443/x?y=1",
            "http://login.MYBANK.com/",
        ] {
            assert!(r.excludes_url(hit, ""), "{hit}");
        }
        for miss in [
            "https://notmybank.com/",
            "https://mybank.com.evil.org/",
            "https://evil.org/mybank.com",
        ] {
            assert!(!r.excludes_url(miss, ""), "{miss}");
        }
        let e = ExclusionRules::compile(&Exclusions {
            domains: vec!["https://mybank.com/".into()],
            ..Exclusions::default()
        })
        .unwrap_err();
        assert_eq!(e[0].field, "exclusions.domains[0]");
    }

    #[test]
    fn every_bad_pattern_is_reported() {
        let e = ExclusionRules::compile(&Exclusions {
            applications: vec!["ok".into(), "(".into()],
            titles: vec!["[".into()],
            urls: vec![],
            domains: vec![],
        })
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["exclusions.applications[1]", "exclusions.titles[0]"]
        );
    }
}
