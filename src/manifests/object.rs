//! One Kubernetes object read from a manifest, and a lenient view of its
//! mappings: Kubernetes objects have far more fields than kubesim reads, so
//! unknown fields are not errors here (the scenario's `Cx::obj` would make
//! them so); where an unknown field more likely is a typo than a field
//! kubesim does not know, it is a warning naming the nearest known field.

use crate::scenario::for_manifests::{Cx, Key, Loc, Node, Problem, Value, did_you_mean};

/// One object: a document of a manifest file, or an item of a `List`.
#[derive(Clone, Debug)]
pub(crate) struct Object {
    /// The manifest file (index for `Cx::file_name`).
    pub file: u32,
    /// The document within the file, counting from 1 (documents are
    /// separated by `---` lines; empty ones count too).
    pub document: usize,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`, if given as text.
    pub name: Option<String>,
    /// `metadata.namespace` (default `default`).
    pub namespace: String,
    /// The whole object.
    pub node: Node,
    /// How messages name the object: `document 2 (Deployment checkout)`,
    /// `document 1, items[3] (PodDisruptionBudget web)`.
    pub prefix: String,
}

impl Object {
    /// The message path of field `field` of the object (a dotted path
    /// like `spec.template.spec.containers[0]`).
    pub fn path(&self, field: &str) -> String {
        format!("{}: {field}", self.prefix)
    }

    /// The object's root mapping.
    pub fn root(&self) -> Map<'_> {
        let entries = match &self.node.value {
            Value::Map(e) => e.as_slice(),
            _ => &[],
        };
        Map {
            entries,
            loc: self.node.loc,
            path: format!("{}: ", self.prefix),
        }
    }

    /// `Kind name` (or `Kind` without a name), for messages and reports.
    pub fn title(&self) -> String {
        match &self.name {
            Some(n) => format!("{} {n}", self.kind),
            None => self.kind.clone(),
        }
    }
}

/// A mapping of a manifest, with its location and message path.
#[derive(Clone, Debug)]
pub(crate) struct Map<'n> {
    pub entries: &'n [(Key, Node)],
    pub loc: Loc,
    /// The path of the mapping; a path ending in `": "` is an object's root.
    pub path: String,
}

/// The path of field `key` below `path`.
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() || path.ends_with(": ") {
        format!("{path}{key}")
    } else {
        format!("{path}.{key}")
    }
}

impl<'n> Map<'n> {
    /// The value of `key`; null counts as absent, as Kubernetes reads it.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v.value, Value::Null))
    }

    /// The path of field `key`.
    pub fn path(&self, key: &str) -> String {
        child(&self.path, key)
    }

    /// The location of the value of `key`, or of the mapping.
    pub fn key_loc(&self, key: &str) -> Loc {
        self.get(key).map_or(self.loc, |n| n.loc)
    }

    /// The keys present (not null), in file order.
    pub fn keys(&self) -> impl Iterator<Item = &'n Key> + '_ {
        self.entries
            .iter()
            .filter(|(_, v)| !matches!(v.value, Value::Null))
            .map(|(k, _)| k)
    }
}

/// The mapping `n` (whose message path is `path`), or an error.
pub(crate) fn map<'n>(cx: &mut Cx, n: &'n Node, path: &str) -> Option<Map<'n>> {
    match &n.value {
        Value::Map(entries) => Some(Map {
            entries,
            loc: n.loc,
            path: path.to_string(),
        }),
        _ => {
            cx.err(
                n.loc,
                path,
                format!("expected a mapping, got {}", n.describe()),
            );
            None
        }
    }
}

/// The items of list `n`, or an error.
pub(crate) fn list<'n>(cx: &mut Cx, n: &'n Node, path: &str) -> Option<&'n [Node]> {
    match &n.value {
        Value::Seq(items) => Some(items),
        _ => {
            cx.err(
                n.loc,
                path,
                format!("expected a list, got {}", n.describe()),
            );
            None
        }
    }
}

/// Warns about fields of `m` that are not in `known`: Kubernetes would
/// refuse them (strict field validation), so they are most likely typos of
/// a field whose setting is then silently lost.
pub(crate) fn unknown_fields(cx: &mut Cx, m: &Map, known: &[&str], what: &str) {
    for k in m.keys() {
        if known.contains(&k.name.as_str()) {
            continue;
        }
        let hint = did_you_mean(&k.name, known.iter().copied())
            .unwrap_or_else(|| "kubesim reads it as absent".to_string());
        cx.warn(
            k.loc,
            &m.path(&k.name),
            Problem::new(format!("unknown field `{}` in {what}", k.name)).hint(hint),
        );
    }
}

/// Errors about fields of `m` that are not in `known`, for the few
/// mappings where a typo would silently change what is selected (label
/// selectors: a misspelt `matchLabels` would select everything).
pub(crate) fn strict_fields(cx: &mut Cx, m: &Map, known: &[&str], what: &str) {
    for k in m.keys() {
        if known.contains(&k.name.as_str()) {
            continue;
        }
        let hint = did_you_mean(&k.name, known.iter().copied())
            .unwrap_or_else(|| format!("valid fields: {}", known.join(", ")));
        cx.report(
            k.loc,
            &m.path(&k.name),
            Problem::new(format!("unknown field `{}` in {what}", k.name)).hint(hint),
        );
    }
}
