//! Building scenario trees from manifests. A translated value is a node of
//! the scenario's own tree (what a user would have written under
//! `workloads:`), so the scenario resolver checks it exactly like a
//! hand-written one, and an imported workload is by construction the same
//! as its hand-written equivalent. Each node's location is the place of
//! the manifest field it comes from, labelled with that field's path, so
//! a problem the resolver finds in it names the manifest's field.

use crate::scenario::for_manifests::{Cx, Key, Loc, Node, Value};

/// The location `src` (a manifest place) reported as field `path`.
pub(crate) fn at(cx: &mut Cx, src: Loc, path: &str) -> Loc {
    cx.relabel(src, path.to_string())
}

/// Text at `src`, reported as `path`.
pub(crate) fn text(cx: &mut Cx, src: Loc, path: &str, v: impl Into<String>) -> Node {
    Node::new(Value::Str(v.into()), at(cx, src, path))
}

/// A whole number at `src`, reported as `path`.
pub(crate) fn int(cx: &mut Cx, src: Loc, path: &str, v: impl Into<i128>) -> Node {
    Node::new(Value::Int(v.into()), at(cx, src, path))
}

/// A boolean at `src`, reported as `path`.
pub(crate) fn boolean(cx: &mut Cx, src: Loc, path: &str, v: bool) -> Node {
    Node::new(Value::Bool(v), at(cx, src, path))
}

/// A list at `src`, reported as `path`.
pub(crate) fn seq(cx: &mut Cx, src: Loc, path: &str, items: Vec<Node>) -> Node {
    Node::new(Value::Seq(items), at(cx, src, path))
}

/// A mapping at `src`, reported as `path`.
pub(crate) fn map(cx: &mut Cx, src: Loc, path: &str, entries: Vec<(&str, Node)>) -> Node {
    Node::new(Value::Map(entries_of(entries)), at(cx, src, path))
}

/// Mapping entries whose keys sit where their values do.
pub(crate) fn entries_of(entries: Vec<(&str, Node)>) -> Vec<(Key, Node)> {
    entries
        .into_iter()
        .map(|(k, v)| {
            (
                Key {
                    name: k.to_string(),
                    loc: v.loc,
                },
                v,
            )
        })
        .collect()
}
