//! Exclusion rules: applications, window titles and URLs that are never recorded.
//!
//! Rules are regular expressions (the `regex` crate's syntax: linear-time matching, so a rule
//! cannot hang the tracker), case-insensitive and unanchored: `bank` matches any title containing
//! "Bank". A window or URL sample that matches is dropped before any record exists: the time
//! passes unattributed, as if no window had the focus.

use regex::{RegexSet, RegexSetBuilder};

use crate::model::config::{Exclusions, FieldProblem};

/// Compiled [`Exclusions`].
#[derive(Clone, Debug)]
pub struct ExclusionRules {
    applications: RegexSet,
    titles: RegexSet,
    urls: RegexSet,
}

impl Default for ExclusionRules {
    fn default() -> Self {
        ExclusionRules {
            applications: RegexSet::empty(),
            titles: RegexSet::empty(),
            urls: RegexSet::empty(),
        }
    }
}

impl ExclusionRules {
    /// Compiles the rules; every pattern that does not compile is reported with its field, e.g.
    /// `exclusions.titles[1]`.
    pub fn compile(ex: &Exclusions) -> Result<ExclusionRules, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut set = |name: &str, patterns: &[String]| {
            for (i, p) in patterns.iter().enumerate() {
                if let Err(e) = regex::RegexBuilder::new(p).case_insensitive(true).build() {
                    problems.push(FieldProblem {
                        field: format!("exclusions.{name}[{i}]"),
                        message: format!("pattern {p:?} does not compile: {e}"),
                    });
                }
            }
            RegexSetBuilder::new(patterns)
                .case_insensitive(true)
                .build()
                .unwrap_or_else(|_| RegexSet::empty())
        };
        let rules = ExclusionRules {
            applications: set("applications", &ex.applications),
            titles: set("titles", &ex.titles),
            urls: set("urls", &ex.urls),
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

    /// Whether a URL (as the browser reports it) or its tab title must not be recorded.
    pub fn excludes_url(&self, url: &str, title: &str) -> bool {
        self.urls.is_match(url) || self.titles.is_match(title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_case_insensitively_anywhere() {
        let r = ExclusionRules::compile(&Exclusions {
            applications: vec!["^keepassxc$".into()],
            titles: vec!["private".into()],
            urls: vec![r"^https://([a-z]+\.)?mybank\.com/".into()],
        })
        .unwrap();
        assert!(r.excludes_window("KeePassXC", "Passwords"));
        assert!(!r.excludes_window("keepassxc-cli", "x"));
        assert!(r.excludes_window("firefox", "Mozilla Firefox Private Browsing"));
        assert!(r.excludes_url("https://www.mybank.com/login?x=1", "Login"));
        assert!(!r.excludes_url("https://mybank.com.evil.org/", "x"));
    }

    #[test]
    fn every_bad_pattern_is_reported() {
        let e = ExclusionRules::compile(&Exclusions {
            applications: vec!["ok".into(), "(".into()],
            titles: vec!["[".into()],
            urls: vec![],
        })
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["exclusions.applications[1]", "exclusions.titles[0]"]
        );
    }
}
