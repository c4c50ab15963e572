//! The scenario keys `manifests: [PATH...]` and `overrides: {NAME: {...}}`.
//!
//! `manifests` lists Kubernetes manifest files or directories, relative to
//! the scenario file; `crate::manifests` reads them and translates each
//! Deployment (with its autoscaler, disruption budget and priority class)
//! into the tree of a `workloads` item. `overrides` then sets, per imported
//! workload, fields a manifest does not carry (`startup_time`, `traffic`,
//! `slo`, `crash`) or replaces fields it does (any workload field but
//! `name`, so `--set overrides.web.replicas=5` works as for hand-written
//! workloads). The imported workloads follow the hand-written ones, are
//! resolved like them, and their names share one namespace with them.

use super::check::{Cx, Obj};
use super::node::{Node, Value};
use super::quantity::Problem;
use super::suggest::did_you_mean;
use crate::manifests::{self, ManifestPath};

/// A workload imported from manifests, ready for the resolver.
pub(crate) struct Imported {
    /// Its name.
    pub name: String,
    /// A `workloads` item: the manifest's fields and the overrides.
    pub node: Node,
    /// The path the resolver reports problems of the overrides at
    /// (`overrides.<name>`); fields from the manifest report their own.
    pub path: String,
}

/// Reads `manifests` and `overrides` of the scenario's top level.
pub(crate) fn read(cx: &mut Cx, top: &Obj) -> Vec<Imported> {
    let overrides = top.get("overrides");
    let Some(list) = top.get("manifests") else {
        if let Some(o) = overrides
            && let Value::Map(entries) = &o.value
            && let Some((k, _)) = entries.first()
        {
            cx.report(
                k.loc,
                &format!("overrides.{}", k.name),
                Problem::new("`overrides` applies to workloads imported from `manifests`, and the scenario has none")
                    .hint("set the field in the workload's entry under `workloads`, or add `manifests`"),
            );
        }
        return Vec::new();
    };
    let paths = cx.list(list, "manifests", |cx, n, p| {
        let text = cx.string(n, p)?;
        if text.trim().is_empty() {
            cx.err(n.loc, p, "a manifest path cannot be empty");
            return None;
        }
        Some(ManifestPath {
            text,
            loc: n.loc,
            path: p.to_string(),
        })
    });
    let Some(paths) = paths else {
        return Vec::new();
    };
    if paths.is_empty() {
        cx.report(
            list.loc,
            "manifests",
            Problem::new("`manifests` lists no files").hint("e.g. manifests: [manifests/]"),
        );
        return Vec::new();
    }
    let base = cx.base_dir();
    let (translated, mut report) = manifests::import(cx, &base, &paths);

    // Names are shared with the hand-written workloads.
    let hand_written: Vec<(String, Option<u32>)> = match top.get("workloads").map(|n| &n.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|item| match &item.value {
                Value::Map(e) => e.iter().find(|(k, _)| k.name == "name").and_then(|(_, v)| {
                    let line = match v.loc {
                        super::node::Loc::File { line, .. } => Some(line),
                        _ => None,
                    };
                    v.scalar_text().map(|t| (t, line))
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut kept = Vec::new();
    for t in translated {
        if let Some((_, line)) = hand_written.iter().find(|(n, _)| *n == t.name) {
            let at = line.map_or(String::new(), |l| format!(" (line {l})"));
            cx.report(
                t.name_loc,
                "",
                Problem::new(format!(
                    "workload name `{}` is also defined under `workloads`{at} of the scenario",
                    t.name
                ))
                .hint("workload names are unique across `workloads` and `manifests`; rename one"),
            );
            report.workloads.retain(|w| w.name != t.name);
            continue;
        }
        kept.push(t);
    }

    let mut entries: Vec<_> = kept
        .iter_mut()
        .map(|t| manifests::entries_of(std::mem::take(&mut t.entries)))
        .collect();
    if let Some(o) = overrides {
        match &o.value {
            Value::Map(items) => {
                for (k, v) in items {
                    let path = format!("overrides.{}", k.name);
                    let Some(i) = kept.iter().position(|t| t.name == k.name) else {
                        let hint = if hand_written.iter().any(|(n, _)| *n == k.name) {
                            format!(
                                "`{}` is a hand-written workload: set the field in its entry under `workloads`",
                                k.name
                            )
                        } else {
                            did_you_mean(&k.name, kept.iter().map(|t| t.name.as_str()))
                                .unwrap_or_else(|| {
                                    let names: Vec<&str> =
                                        kept.iter().map(|t| t.name.as_str()).collect();
                                    if names.is_empty() {
                                        "no workload is imported".to_string()
                                    } else {
                                        format!("imported workloads: {}", names.join(", "))
                                    }
                                })
                        };
                        cx.report(
                            k.loc,
                            &path,
                            Problem::new(format!("no imported workload is named `{}`", k.name))
                                .hint(hint),
                        );
                        continue;
                    };
                    let Value::Map(fields) = &v.value else {
                        if !matches!(v.value, Value::Null) {
                            cx.err(
                                v.loc,
                                &path,
                                format!(
                                    "expected a mapping of workload fields like {{startup_time: 20s}}, got {}",
                                    v.describe()
                                ),
                            );
                        }
                        continue;
                    };
                    for (fk, fv) in fields {
                        if fk.name == "name" {
                            cx.report(
                                fk.loc,
                                &format!("{path}.name"),
                                Problem::new("the name of an imported workload comes from its manifest")
                                    .hint("rename the Deployment in its manifest"),
                            );
                            continue;
                        }
                        let e = &mut entries[i];
                        match e.iter().position(|(ek, _)| ek.name == fk.name) {
                            Some(pos) => e[pos] = (fk.clone(), fv.clone()),
                            None => e.push((fk.clone(), fv.clone())),
                        }
                        if let Some(w) = report.workloads.iter_mut().find(|w| w.name == k.name) {
                            w.overrides.push(fk.name.clone());
                        }
                    }
                }
            }
            Value::Null => {}
            _ => cx.err(
                o.loc,
                "overrides",
                format!(
                    "expected a mapping of workload names to fields like {{web: {{startup_time: 20s}}}}, got {}",
                    o.describe()
                ),
            ),
        }
    }
    cx.set_imports(report);
    kept.into_iter()
        .zip(entries)
        .map(|(t, e)| Imported {
            path: format!("overrides.{}", t.name),
            node: Node::new(Value::Map(e), t.loc),
            name: t.name,
        })
        .collect()
}
