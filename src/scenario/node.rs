//! A YAML document as a tree of nodes that remember where they came from.
//!
//! The loader does not deserialize the file straight into typed structs:
//! it first reads a generic tree with a source location on every node, so
//! that `--set` overrides can edit the tree and so that *semantic* errors
//! (an unknown workload, a bad quantity) can point at a line and column, and
//! so that every problem of a file is reported at once rather than the first
//! one serde trips over.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// Where a node came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// Line and column (1-based) in the scenario file.
    File { line: u32, column: u32 },
    /// The value of the `--set` argument with this index.
    Set(usize),
    /// Created implicitly (e.g. a missing parent of a `--set` path).
    None,
    /// A place in another file (a Kubernetes manifest), registered with
    /// the loader's context (`Cx::place`), which knows its file, line,
    /// column and, for values translated from a manifest, its field path.
    Place(u32),
}

impl Loc {
    fn from_saphyr(l: &serde_saphyr::Location) -> Loc {
        match (u32::try_from(l.line()), u32::try_from(l.column())) {
            (Ok(line), Ok(column)) if line > 0 => Loc::File { line, column },
            _ => Loc::None,
        }
    }

    /// Rewrites file locations as coming from `--set` number `i` (used for
    /// values parsed from the command line).
    fn into_set(self, i: usize) -> Loc {
        match self {
            Loc::File { .. } | Loc::None => Loc::Set(i),
            other => other,
        }
    }
}

/// A mapping key with its location.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub name: String,
    pub loc: Loc,
}

/// A YAML value.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A YAML value and its location.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub value: Value,
    pub loc: Loc,
}

impl Node {
    pub fn new(value: Value, loc: Loc) -> Node {
        Node { value, loc }
    }

    /// A short description of the node's kind for "expected X, got Y".
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "nothing".to_string(),
            Value::Bool(b) => format!("{b}"),
            Value::Int(i) => format!("{i}"),
            Value::Float(f) => format!("{f}"),
            Value::Str(s) => {
                // Keep messages one line and short, whatever the input.
                let mut short: String = s.chars().take(40).collect();
                if short.len() < s.len() {
                    short.push('…');
                }
                format!("{short:?}")
            }
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
        }
    }

    /// The text of a scalar as the user wrote it (near enough: numbers are
    /// re-printed), or None for null, lists and mappings.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Marks this node and everything below it as coming from `--set` number `i`.
    pub fn mark_set(&mut self, i: usize) {
        self.loc = self.loc.into_set(i);
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.mark_set(i)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, n)| {
                k.loc = k.loc.into_set(i);
                n.mark_set(i);
            }),
            _ => {}
        }
    }
}

/// The bare value; its location is attached by [`Node`]'s `Spanned` wrapper.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let s = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            value: s.value,
            loc: Loc::from_saphyr(&s.referenced),
        })
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        String::from_utf8(v.to_vec())
            .map(Value::Str)
            .map_err(|_| E::custom("binary values are not supported"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let name = match k.scalar_text() {
                Some(t) => t,
                None if matches!(k.value, Value::Null) => "null".to_string(),
                None => {
                    return Err(de::Error::custom(
                        "mapping keys must be plain names, not lists or mappings",
                    ));
                }
            };
            let v = map.next_value::<Node>()?;
            entries.push((Key { name, loc: k.loc }, v));
        }
        Ok(Value::Map(entries))
    }
}

/// Parser limits: generous for any real scenario, small enough that a
/// hostile or broken file (alias bombs, deep nesting) fails fast with an
/// error instead of exhausting memory or the stack.
fn options() -> serde_saphyr::Options {
    let budget = serde_saphyr::budget! {
        max_depth: 32,
        max_documents: 1,
        max_aliases: 1_000,
        max_anchors: 1_000,
        max_nodes: 250_000,
        max_events: 1_000_000,
        max_total_scalar_bytes: 16 * 1024 * 1024,
        flow_nesting_limit: 32,
    };
    let alias_limits = serde_saphyr::alias_limits! {
        max_total_replayed_events: 100_000,
        max_replay_stack_depth: 16,
    };
    serde_saphyr::options! {
        budget: budget,
        alias_limits: alias_limits,
        with_snippet: false,
    }
}

/// A YAML syntax error with its location, if the parser knows it.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub loc: Loc,
}

/// Parses one YAML document. An empty document is `Null`.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    match serde_saphyr::from_str_with_options::<Option<Node>>(text, options()) {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Ok(Node::new(Value::Null, Loc::File { line: 1, column: 1 })),
        Err(e) => {
            let loc = e
                .location()
                .map(|l| Loc::from_saphyr(&l))
                .unwrap_or(Loc::None);
            Err(SyntaxError {
                message: syntax_message(&e),
                loc,
            })
        }
    }
}

/// Parser limits for Kubernetes manifests: like [`options`], but with room
/// for the many documents of a manifest stream and the deeper nesting of
/// pod templates.
fn manifest_options() -> serde_saphyr::Options {
    let budget = serde_saphyr::budget! {
        max_depth: 64,
        max_documents: 10_000,
        max_aliases: 1_000,
        max_anchors: 1_000,
        max_nodes: 1_000_000,
        max_events: 4_000_000,
        max_total_scalar_bytes: 16 * 1024 * 1024,
        flow_nesting_limit: 64,
    };
    let alias_limits = serde_saphyr::alias_limits! {
        max_total_replayed_events: 100_000,
        max_replay_stack_depth: 16,
    };
    serde_saphyr::options! {
        budget: budget,
        alias_limits: alias_limits,
        with_snippet: false,
    }
}

/// Parses a stream of YAML documents (Kubernetes manifests separated by
/// `---`). Empty and null documents are left out; locations are lines and
/// columns of `text`.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<Node>, SyntaxError> {
    serde_saphyr::from_multiple_with_options::<Node>(text, manifest_options()).map_err(|e| {
        let loc = e
            .location()
            .map(|l| Loc::from_saphyr(&l))
            .unwrap_or(Loc::None);
        SyntaxError {
            message: syntax_message(&e).replace("scenario files are small", "manifests are small"),
            loc,
        }
    })
}

/// The parser's message, reworded where it leaks parser internals, without
/// its own "at line N, column M" (the diagnostic prints the location).
fn syntax_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let mut msg = full.lines().next().unwrap_or("").trim().to_string();
    if let Some(rest) = msg.strip_prefix("line ") {
        // "line 3 column 7: unclosed quote"
        if let Some((_, m)) = rest.split_once(": ") {
            msg = m.to_string();
        }
    }
    // The location is printed by the diagnostic; drop the parser's copies.
    if let Some(i) = msg.find(" at line ")
        && msg[i + " at line ".len()..].starts_with(|c: char| c.is_ascii_digit())
    {
        msg.truncate(i);
    }
    if msg.starts_with("alias replay limit exceeded") {
        msg.push_str(" (too many alias expansions: scenario files need few anchors)");
    }
    if let Some(rest) = msg.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return format!("duplicate key `{key}` (each field may appear once per mapping)");
    }
    if let Some(rest) = msg.strip_prefix("budget breached: ") {
        if rest.starts_with("Documents") {
            return "a scenario file holds one YAML document; remove the extra `---` sections"
                .to_string();
        }
        return format!(
            "the file exceeds a parser safety limit ({}); scenario files are small, \
             check for runaway anchors/aliases or nesting",
            rest.to_lowercase()
        );
    }
    if msg.is_empty() {
        msg = "invalid YAML".to_string();
    }
    if let Some(c) = msg.get(..1) {
        let lower = c.to_lowercase();
        msg.replace_range(..1, &lower);
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_types_and_locations() {
        let n = parse("a: 1\nb:\n  - x\n  - {c: 2.5, d: true}\ne: ~\nf: '5'\n").unwrap();
        let Value::Map(entries) = &n.value else {
            panic!("{n:?}")
        };
        let names: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "e", "f"]);
        assert!(matches!(entries[0].1.value, Value::Int(1)));
        assert_eq!(entries[0].1.loc, Loc::File { line: 1, column: 4 });
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(items[1].loc, Loc::File { line: 4, column: 5 });
        let Value::Map(inner) = &items[1].value else {
            panic!()
        };
        assert!(matches!(inner[0].1.value, Value::Float(f) if f == 2.5));
        assert_eq!(
            inner[1].0.loc,
            Loc::File {
                line: 4,
                column: 14
            }
        );
        assert!(matches!(entries[2].1.value, Value::Null));
        assert!(
            matches!(&entries[3].1.value, Value::Str(s) if s == "5"),
            "quoted stays text"
        );
    }

    #[test]
    fn syntax_errors_are_reworded_and_located() {
        let cases = [
            ("a: 'x", "unclosed quote", 1),
            ("a: 1\na: 2\n", "duplicate key `a`", 2),
            ("---\na: 1\n---\nb: 2\n", "one YAML document", 3),
            ("a: *x", "unknown anchor", 1),
        ];
        for (text, needle, line) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(needle), "{text:?}: {}", e.message);
            assert!(!e.message.contains(" at line "), "{}", e.message);
            assert!(
                matches!(e.loc, Loc::File { line: l, .. } if l == line),
                "{e:?}"
            );
        }
        let deep = parse(&"[".repeat(100)).unwrap_err();
        assert!(deep.message.contains("limit"), "{}", deep.message);
        assert!(parse("? [a]\n: 1").is_err(), "non-scalar keys");
        assert!(matches!(parse("").unwrap().value, Value::Null));
    }
}
