//! A support-triage policy: priority from the customer's own value and
//! loyalty, raised (never lowered) by relative influence in their market.
//!
//! Fairness is structural, not configurable:
//! - priority is the *largest* of the base, the value level, the loyalty
//!   floor and the influence level, so influence can raise a customer's
//!   priority but never put a loyal or valuable customer below what their
//!   value alone gives;
//! - the influence level reads the customer's percentile *inside their
//!   market*; follower count is not an input at all (bought followers buy
//!   nothing here), and a policy that names it is refused.
//!
//! The scale is the helpdesks' (issue 23): a higher level is more urgent,
//! as in Zendesk's low < normal < high < urgent. Levels stay numbers in the
//! policy (existing files keep their meaning: 4 is the most urgent of
//! 1..4), and every output row also carries a `priority_label`, named by
//! an optional `[labels]` section. Without one, a policy whose levels are
//! within 1..4 gets Zendesk's names ([`ZENDESK_LABELS`]); a policy using a
//! level beyond the names it has is refused, since an unnamed level would
//! leave the agent a bare number whose direction they must guess.
//!
//! ```toml
//! # policy.toml — priorities 1 (lowest urgency) to 4 (highest)
//! [base]
//! priority = 1
//! [value]                      # customer value: CLV or spend, a column of the file
//! column = "annual_spend"
//! levels = [[10000, 3], [2000, 2]]   # value >= 10000: at least 3; >= 2000: at least 2
//! [loyalty]
//! column = "tenure_years"
//! min = 5                      # 5 years or more: at least priority 3
//! priority = 3
//! [influence]                  # percentile in the customer's market
//! levels = [[99.0, 4], [95.0, 3]]
//! [labels]                     # optional: names of levels 1, 2, 3, 4 (these are the default)
//! names = ["low", "normal", "high", "urgent"]
//! ```

use crate::crm::values::Cell;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Zendesk's priority names, for levels 1..4 when a policy has no
/// `[labels]`.
pub const ZENDESK_LABELS: [&str; 4] = ["low", "normal", "high", "urgent"];

/// The whole policy (every section optional but `base`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Everyone's starting priority.
    pub base: Base,
    /// Priority from the customer's value column.
    #[serde(default)]
    pub value: Option<Levels>,
    /// A floor for long-standing customers.
    #[serde(default)]
    pub loyalty: Option<Loyalty>,
    /// Priority from relative influence (market percentile).
    #[serde(default)]
    pub influence: Option<InfluenceLevels>,
    /// Names of the levels, for the `priority_label` column.
    #[serde(default)]
    pub labels: Option<Labels>,
}

/// `[labels]`: `names[0]` names level 1, `names[1]` level 2, and so on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// One name per level, lowest urgency first.
    pub names: Vec<String>,
}

/// `[base]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Base {
    /// Starting priority.
    pub priority: u8,
}

/// `[value]`: `(at least this value, priority)` pairs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Levels {
    /// Column of the customer file holding the value.
    pub column: String,
    /// `[threshold, priority]` pairs.
    pub levels: Vec<(f64, u8)>,
}

/// `[loyalty]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Loyalty {
    /// Column holding tenure (or any loyalty measure).
    pub column: String,
    /// Tenure from which the floor applies.
    pub min: f64,
    /// The floor.
    pub priority: u8,
}

/// `[influence]`: `(at least this percentile, priority)` pairs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InfluenceLevels {
    /// `[percentile, priority]` pairs.
    pub levels: Vec<(f64, u8)>,
}

/// What the policy needs of one customer row.
#[derive(Debug, Clone)]
pub struct Customer<'a> {
    /// The value column's cell.
    pub value: Cell<'a>,
    /// The loyalty column's cell.
    pub tenure: Cell<'a>,
    /// Market name and percentile there (`None`: unknown user or market).
    pub market: Option<(&'a str, f64)>,
}

/// A policy file that cannot be used, and why (with the file's name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct PolicyError {
    /// The policy file.
    pub path: std::path::PathBuf,
    /// What is wrong in it.
    pub reason: String,
}

impl Policy {
    /// Reads and checks a policy file.
    pub fn read(path: &Path) -> Result<Policy, PolicyError> {
        let bad = |reason: String| PolicyError {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read the policy: {e}")))?;
        let p: Policy = toml::from_str(&text).map_err(|e| {
            let msg = e.to_string();
            let hint = if msg.contains("follower") {
                " (follower counts are not a policy input: they are bought and faked; use [influence], the percentile inside the customer's market)"
            } else {
                ""
            };
            bad(format!("{msg}{hint}"))
        })?;
        p.check().map_err(bad)?;
        Ok(p)
    }

    fn check(&self) -> Result<(), String> {
        if let Some(i) = &self.influence {
            if let Some(bad) = i.levels.iter().find(|l| !(0.0..=100.0).contains(&l.0)) {
                return Err(format!("influence percentile {} is not in 0..100", bad.0));
            }
        }
        if self.priorities().any(|p| p == 0) {
            return Err("priorities start at 1".into());
        }
        let top = self.top() as usize;
        match &self.labels {
            None if top > ZENDESK_LABELS.len() => Err(format!(
                "priority {top} has no name: without [labels] levels 1..4 are named {} (Zendesk's); add [labels] names = [...] with one name for each level 1..{top}, lowest urgency first",
                ZENDESK_LABELS.join(", ")
            )),
            Some(l) if l.names.len() < top => Err(format!(
                "[labels] names {} levels but the policy uses priority {top}: give one name for each level 1..{top}, lowest urgency first",
                l.names.len()
            )),
            Some(l) if l.names.iter().any(|n| n.trim().is_empty()) => {
                Err("[labels] has an empty name".into())
            }
            _ => Ok(()),
        }
    }

    /// The name of level `p` (`priority_label`): from `[labels]`, else
    /// Zendesk's. [`Policy::read`] refused policies with unnamed levels.
    pub fn label(&self, p: u8) -> &str {
        let i = (p as usize).saturating_sub(1);
        match &self.labels {
            Some(l) => l.names.get(i).map_or("", String::as_str),
            None => ZENDESK_LABELS.get(i).copied().unwrap_or(""),
        }
    }

    /// Every level the policy names: base, value levels, loyalty floor,
    /// influence levels.
    fn priorities(&self) -> impl Iterator<Item = u8> + '_ {
        let value = self.value.iter().flat_map(|v| v.levels.iter().map(|l| l.1));
        let loyalty = self.loyalty.iter().map(|l| l.priority);
        let influence = self
            .influence
            .iter()
            .flat_map(|i| i.levels.iter().map(|l| l.1));
        std::iter::once(self.base.priority)
            .chain(value)
            .chain(loyalty)
            .chain(influence)
    }

    /// The highest level the policy can give.
    pub fn top(&self) -> u8 {
        self.priorities().max().unwrap_or(self.base.priority)
    }

    /// Levels on the scale: as many as have names (at least the top one
    /// the policy gives).
    pub fn levels(&self) -> u8 {
        let named = self
            .labels
            .as_ref()
            .map_or(ZENDESK_LABELS.len(), |l| l.names.len());
        (named.min(u8::MAX as usize) as u8).max(self.top())
    }

    /// The scale in words, for the sidecar's header and help:
    /// `1 low, 2 normal, 3 high, 4 urgent`.
    pub fn scale(&self) -> String {
        (1..=self.levels())
            .map(|p| format!("{p} {}", self.label(p)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Columns of the customer file the policy reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut c = Vec::new();
        if let Some(v) = &self.value {
            c.push(v.column.as_str());
        }
        if let Some(l) = &self.loyalty {
            c.push(l.column.as_str());
        }
        c
    }

    /// The priority of `c` and why, in words an agent reads.
    pub fn decide(&self, c: &Customer<'_>) -> (u8, String) {
        let mut p = self.base.priority;
        let mut why = vec![format!("base {p}")];
        let mut by_value = p;
        if let Some(v) = &self.value {
            match c.value {
                Cell::Number(x) => {
                    if let Some(&(at, q)) = best(&v.levels, x) {
                        by_value = by_value.max(q);
                        why.push(format!("{} {x} >= {at}: {q}", v.column));
                    } else {
                        why.push(format!("{} {x}: no value level", v.column));
                    }
                }
                Cell::Blank => why.push(format!("{}: no value given", v.column)),
                Cell::Unparseable(t) => {
                    why.push(format!("{} `{t}`: not a number, no value level", v.column))
                }
            }
        }
        if let (Some(l), Cell::Unparseable(t)) = (&self.loyalty, c.tenure) {
            why.push(format!(
                "{} `{t}`: not a number, no loyalty floor",
                l.column
            ));
        }
        if let (Some(l), Cell::Number(t)) = (&self.loyalty, c.tenure) {
            if t >= l.min {
                by_value = by_value.max(l.priority);
                why.push(format!(
                    "{} {t} >= {}: at least {}",
                    l.column, l.min, l.priority
                ));
            }
        }
        p = p.max(by_value);
        if let Some(i) = &self.influence {
            match c.market {
                Some((m, pct)) => match best(&i.levels, pct) {
                    Some(&(at, q)) if q > p => {
                        why.push(format!("percentile {pct:.1} in {m} >= {at}: raised to {q}"));
                        p = q;
                    }
                    Some(&(at, q)) => why.push(format!(
                        "percentile {pct:.1} in {m} >= {at}: {q}, not above {p}"
                    )),
                    None => why.push(format!("percentile {pct:.1} in {m}: no influence level")),
                },
                None => why.push("influence unknown (user or market not in the snapshot)".into()),
            }
        }
        why.push(format!("priority {p} ({})", self.label(p)));
        (p, why.join("; "))
    }
}

/// The level with the highest priority among those whose threshold `x` meets.
fn best(levels: &[(f64, u8)], x: f64) -> Option<&(f64, u8)> {
    levels.iter().filter(|l| x >= l.0).max_by_key(|l| l.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        toml::from_str(
            "[base]\npriority = 1\n[value]\ncolumn = \"spend\"\nlevels = [[10000, 3], [2000, 2]]\n\
             [loyalty]\ncolumn = \"tenure\"\nmin = 5\npriority = 3\n[influence]\nlevels = [[99.0, 4], [95.0, 3]]\n",
        )
        .unwrap()
    }

    #[test]
    fn influence_raises_but_never_lowers() {
        let p = policy();
        let low_influence = Some(("fashion", 10.0));
        // Valuable customer with no influence keeps their value priority.
        let (q, why) = p.decide(&Customer {
            value: Cell::Number(20000.0),
            tenure: Cell::Blank,
            market: low_influence,
        });
        assert_eq!(q, 3, "{why}");
        // Loyal customer: floor 3 whatever the influence.
        assert_eq!(
            p.decide(&Customer {
                value: Cell::Number(0.0),
                tenure: Cell::Number(8.0),
                market: low_influence
            })
            .0,
            3
        );
        // Influence alone raises a small customer.
        let (q, why) = p.decide(&Customer {
            value: Cell::Number(50.0),
            tenure: Cell::Number(1.0),
            market: Some(("fashion", 99.5)),
        });
        assert_eq!(q, 4);
        assert!(why.contains("raised to 4"), "{why}");
        // Unknown influence changes nothing.
        assert_eq!(
            p.decide(&Customer {
                value: Cell::Number(2500.0),
                tenure: Cell::Blank,
                market: None
            })
            .0,
            2
        );
    }

    #[test]
    fn follower_counts_are_refused_as_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.toml");
        std::fs::write(
            &f,
            "[base]\npriority = 1\n[followers]\nmin = 10000\npriority = 4\n",
        )
        .unwrap();
        let e = Policy::read(&f).unwrap_err();
        assert!(
            e.reason.contains("follower counts are not a policy input"),
            "{e}"
        );
    }

    #[test]
    fn levels_are_named_zendesk_by_default_or_by_the_policy() {
        let p = policy();
        assert_eq!(p.label(1), "low");
        assert_eq!(p.label(4), "urgent");
        assert_eq!(p.scale(), "1 low, 2 normal, 3 high, 4 urgent");
        let (_, why) = p.decide(&Customer {
            value: Cell::Unparseable("1,200"),
            tenure: Cell::Unparseable("x"),
            market: None,
        });
        assert!(why.contains("spend `1,200`: not a number"), "{why}");
        assert!(why.contains("tenure `x`: not a number"), "{why}");
        assert!(why.ends_with("priority 1 (low)"), "{why}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.toml");
        std::fs::write(&f, "[base]\npriority = 5\n").unwrap();
        let e = Policy::read(&f).unwrap_err();
        assert!(e.reason.contains("priority 5 has no name"), "{e}");
        std::fs::write(
            &f,
            "[base]\npriority = 5\n[labels]\nnames = [\"a\", \"b\"]\n",
        )
        .unwrap();
        let e = Policy::read(&f).unwrap_err();
        assert!(
            e.reason
                .contains("[labels] names 2 levels but the policy uses priority 5"),
            "{e}"
        );
        std::fs::write(
            &f,
            "[base]\npriority = 5\n[labels]\nnames = [\"P5\", \"P4\", \"P3\", \"P2\", \"P1\"]\n",
        )
        .unwrap();
        let p = Policy::read(&f).unwrap();
        assert_eq!(p.label(5), "P1");
    }
}
