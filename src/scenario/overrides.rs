//! `--set PATH=VALUE` overrides, applied to the node tree before it is
//! resolved, so an overridden value is checked exactly like one from the
//! file (and its problems are reported against the `--set` argument).
//!
//! PATH is dotted. In a mapping a segment is a field name; a field missing
//! from the file is created, so optional fields can be set (whether the name
//! is valid is checked afterwards, with a suggestion, like any unknown
//! field). In a list a segment is an item's `name`, or else its index
//! (`workloads.web.spread.0.max_skew`). VALUE is one YAML value: a scalar
//! (`5`, `30s`, `25%`, `true`) or a flow collection (`{type: recreate}`,
//! `[a, b]`); `null` or nothing removes an optional field.

use super::check::Cx;
use super::node::{Key, Loc, Node, Value, parse};
use super::quantity::Problem;
use super::suggest::did_you_mean;

/// Applies every `--set` to `root`, reporting malformed ones in `cx`.
pub(crate) fn apply(cx: &mut Cx, root: &mut Node, sets: &[String]) {
    for (i, set) in sets.iter().enumerate() {
        let loc = Loc::Set(i);
        let Some((path, text)) = set.split_once('=') else {
            cx.report(
                loc,
                "",
                Problem::new("expected PATH=VALUE").hint("e.g. --set workloads.web.replicas=5"),
            );
            continue;
        };
        let path = path.trim();
        let segments: Vec<&str> = path.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            cx.report(
                loc,
                path,
                Problem::new("empty segment in the path").hint(
                    "segments are separated by single dots, e.g. cluster.node_pools.general.count",
                ),
            );
            continue;
        }
        let mut value = match parse(text) {
            Ok(v) => v,
            Err(e) => {
                cx.report(
                    loc,
                    path,
                    Problem::new(format!("the value is not valid YAML: {}", e.message)).hint(
                        "quote the whole argument in the shell, e.g. --set 'a.b={type: recreate}'",
                    ),
                );
                continue;
            }
        };
        value.mark_set(i);
        if let Err(p) = set_path(root, &segments, value, i) {
            cx.report(loc, path, p);
        }
    }
}

/// Puts `value` at `segments` below `node`, creating missing mapping fields.
fn set_path(node: &mut Node, segments: &[&str], value: Node, set: usize) -> Result<(), Problem> {
    let mut cur = node;
    for (depth, seg) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        let here = if depth == 0 {
            "the scenario".to_string()
        } else {
            segments[..depth].join(".")
        };
        if matches!(cur.value, Value::Null) {
            // `control_plane:` with nothing under it, or an absent parent.
            cur.value = Value::Map(Vec::new());
        }
        cur = match &mut cur.value {
            Value::Map(entries) => {
                let pos = match entries.iter().position(|(k, _)| k.name == *seg) {
                    Some(p) => p,
                    None => {
                        if !last && segments[depth + 1].parse::<usize>().is_ok() {
                            return Err(Problem::new(format!(
                                "`{}` is not in the file, so it has no item {}",
                                segments[..=depth].join("."),
                                segments[depth + 1]
                            ))
                            .hint(format!(
                                "set the whole list instead, e.g. --set '{}=[{{...}}]'",
                                segments[..=depth].join(".")
                            )));
                        }
                        entries.push((
                            Key {
                                name: seg.to_string(),
                                loc: Loc::Set(set),
                            },
                            Node::new(Value::Null, Loc::Set(set)),
                        ));
                        entries.len() - 1
                    }
                };
                &mut entries[pos].1
            }
            Value::Seq(items) => {
                let by_name = items
                    .iter()
                    .position(|item| item_name(item) == Some(seg.to_string()));
                let by_index = seg.parse::<usize>().ok().filter(|i| *i < items.len());
                match by_name.or(by_index) {
                    Some(p) => &mut items[p],
                    None => return Err(no_item(&here, seg, items)),
                }
            }
            other => {
                let what = Node::new(other.clone(), Loc::None).describe();
                return Err(Problem::new(format!(
                    "`{here}` is {what}, it has no field `{seg}`"
                )));
            }
        };
    }
    *cur = value;
    Ok(())
}

fn item_name(item: &Node) -> Option<String> {
    match &item.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == "name")
            .and_then(|(_, v)| v.scalar_text()),
        _ => None,
    }
}

fn no_item(list: &str, seg: &str, items: &[Node]) -> Problem {
    let names: Vec<String> = items.iter().filter_map(item_name).collect();
    if seg.parse::<usize>().is_ok() {
        return Problem::new(format!(
            "`{list}` has {} item(s), so there is no item {seg}",
            items.len()
        ))
        .hint("items are numbered from 0");
    }
    let hint = did_you_mean(seg, names.iter().map(String::as_str)).unwrap_or_else(|| {
        if names.is_empty() {
            "items of this list have no names; address them by index from 0".to_string()
        } else {
            format!("items: {}", names.join(", "))
        }
    });
    Problem::new(format!("`{list}` has no item named `{seg}`")).hint(hint)
}
