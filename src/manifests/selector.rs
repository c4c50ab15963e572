//! Label selectors (`metav1.LabelSelector`), evaluated for real:
//! `matchLabels` and `matchExpressions` ANDed, with upstream's operators
//! and validation.

use super::object::{list, map, strict_fields};
use crate::scenario::for_manifests::{Cx, Node, Problem};
use std::collections::BTreeMap;

/// Labels of a pod template, a namespace, ...
pub(crate) type Labels = BTreeMap<String, String>;

/// A parsed label selector. The empty selector (`{}`) selects everything;
/// callers handle an absent (null) selector, which selects nothing
/// (`metav1.LabelSelectorAsSelector`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Selector {
    /// `matchLabels`: each label must have exactly this value.
    pub labels: Labels,
    /// `matchExpressions`.
    pub exprs: Vec<Requirement>,
}

/// One `matchExpressions` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// `key`.
    pub key: String,
    /// `operator` with its `values`.
    pub op: Op,
}

/// Label selector operators (no Gt/Lt: those are node selector operators).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// The label is one of the values.
    In(Vec<String>),
    /// The label is absent or none of the values.
    NotIn(Vec<String>),
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl Selector {
    /// Whether `labels` satisfy every requirement (upstream
    /// `labels.Selector.Matches`).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.exprs.iter().all(|r| {
                let v = labels.get(&r.key);
                match &r.op {
                    Op::In(vs) => v.is_some_and(|v| vs.contains(v)),
                    Op::NotIn(vs) => v.is_none_or(|v| !vs.contains(v)),
                    Op::Exists => v.is_some(),
                    Op::DoesNotExist => v.is_none(),
                }
            })
    }

    /// Whether the selector has no requirement (selects everything).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.exprs.is_empty()
    }

    /// `app=web,tier in (a,b),!legacy`, as kubectl prints selectors.
    pub fn describe(&self) -> String {
        if self.is_empty() {
            return "everything".to_string();
        }
        let mut parts: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.exprs {
            parts.push(match &r.op {
                Op::In(vs) => format!("{} in ({})", r.key, vs.join(",")),
                Op::NotIn(vs) => format!("{} notin ({})", r.key, vs.join(",")),
                Op::Exists => r.key.clone(),
                Op::DoesNotExist => format!("!{}", r.key),
            });
        }
        parts.join(",")
    }
}

/// Parses a label selector at `n`, with upstream's validation: label keys
/// not empty, In and NotIn with at least one value, Exists and
/// DoesNotExist with none.
pub(crate) fn parse(cx: &mut Cx, n: &Node, path: &str) -> Option<Selector> {
    let m = map(cx, n, path)?;
    strict_fields(
        cx,
        &m,
        &["matchLabels", "matchExpressions"],
        "a label selector",
    );
    let before = cx.errors();
    let labels = match m.get("matchLabels") {
        Some(l) => cx.string_map(l, &m.path("matchLabels"))?,
        None => Labels::new(),
    };
    let mut exprs = Vec::new();
    if let Some(e) = m.get("matchExpressions") {
        let p = m.path("matchExpressions");
        for (i, item) in list(cx, e, &p)?.iter().enumerate() {
            if let Some(r) = requirement(cx, item, &format!("{p}[{i}]")) {
                exprs.push(r);
            }
        }
    }
    (cx.errors() == before).then_some(Selector { labels, exprs })
}

fn requirement(cx: &mut Cx, n: &Node, path: &str) -> Option<Requirement> {
    let m = map(cx, n, path)?;
    strict_fields(
        cx,
        &m,
        &["key", "operator", "values"],
        "a label selector requirement",
    );
    let key = match m.get("key") {
        Some(k) => cx.string(k, &m.path("key")),
        None => {
            cx.err(m.loc, path, "missing field `key`");
            None
        }
    };
    if key.as_deref() == Some("") {
        cx.err(
            m.key_loc("key"),
            &m.path("key"),
            "a label key cannot be empty",
        );
    }
    let op = match m.get("operator") {
        Some(o) => cx.choice(
            o,
            &m.path("operator"),
            &["In", "NotIn", "Exists", "DoesNotExist"],
        ),
        None => {
            cx.err(m.loc, path, "missing field `operator`");
            None
        }
    };
    let values = match m.get("values") {
        Some(v) => {
            let p = m.path("values");
            let items = list(cx, v, &p)?;
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                out.push(cx.string(item, &format!("{p}[{i}]"))?);
            }
            out
        }
        None => Vec::new(),
    };
    let (key, op) = (key?, op?);
    let vloc = m.key_loc("values");
    let vpath = m.path("values");
    let op = match op {
        "In" | "NotIn" => {
            if values.is_empty() {
                cx.report(
                    vloc,
                    &vpath,
                    Problem::new(format!("operator {op} needs at least one value")),
                );
                return None;
            }
            if op == "In" {
                Op::In(values)
            } else {
                Op::NotIn(values)
            }
        }
        _ => {
            if !values.is_empty() {
                cx.report(
                    vloc,
                    &vpath,
                    Problem::new(format!("operator {op} takes no values")).hint("remove `values`"),
                );
                return None;
            }
            if op == "Exists" {
                Op::Exists
            } else {
                Op::DoesNotExist
            }
        }
    };
    Some(Requirement { key, op })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, op: Op) -> Requirement {
        Requirement {
            key: key.to_string(),
            op,
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = Selector {
            labels: labels(&[("app", "web")]),
            exprs: vec![
                req("tier", Op::In(vec!["front".into(), "edge".into()])),
                req("legacy", Op::DoesNotExist),
            ],
        };
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "edge")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "back")])));
        assert!(!s.matches(&labels(&[("app", "web")])), "In needs the label");
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "edge"), ("legacy", "")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("tier", "edge")])));
        assert_eq!(s.describe(), "app=web,tier in (front,edge),!legacy");
    }

    #[test]
    fn not_in_and_exists_follow_upstream() {
        let not_in = Selector {
            exprs: vec![req("env", Op::NotIn(vec!["dev".into()]))],
            ..Selector::default()
        };
        assert!(
            not_in.matches(&Labels::new()),
            "NotIn matches an absent label"
        );
        assert!(not_in.matches(&labels(&[("env", "prod")])));
        assert!(!not_in.matches(&labels(&[("env", "dev")])));
        let exists = Selector {
            exprs: vec![req("env", Op::Exists)],
            ..Selector::default()
        };
        assert!(
            exists.matches(&labels(&[("env", "")])),
            "an empty value exists"
        );
        assert!(!exists.matches(&Labels::new()));
        assert!(
            Selector::default().matches(&Labels::new()),
            "{{}} selects everything"
        );
    }
}
