//! Reading manifest files: paths (files or directories) to objects, each
//! with its file, document index and located tree.

use super::object::{Object, map};
use crate::scenario::MAX_FILE_BYTES;
use crate::scenario::for_manifests::{Cx, Loc, Node, Problem, Value, parse_documents};
use std::path::{Path, PathBuf};

/// Most manifest files one scenario may read (a guard against pointing at
/// the wrong directory).
pub const MAX_FILES: usize = 1000;

/// One entry of the scenario's `manifests` list.
#[derive(Clone, Debug)]
pub(crate) struct ManifestPath {
    /// The path as written, relative to the scenario file's directory.
    pub text: String,
    /// Where it is written.
    pub loc: Loc,
    /// Its field path (`manifests[0]`).
    pub path: String,
}

/// Reads every file the paths name, in order (a directory's `.yaml`,
/// `.yml` and `.json` files by name, not recursively, as `kubectl apply -f
/// DIR` does), and returns their objects in file and document order, items
/// of `List` objects expanded. Problems are reported in `cx`; a file that
/// cannot be read or parsed contributes nothing. Also returns the names of
/// the files read.
pub(crate) fn read(cx: &mut Cx, base: &Path, paths: &[ManifestPath]) -> (Vec<Object>, Vec<String>) {
    let mut files: Vec<(PathBuf, &ManifestPath)> = Vec::new();
    for p in paths {
        let full = base.join(&p.text);
        let meta = match std::fs::metadata(&full) {
            Ok(m) => m,
            Err(e) => {
                cx.report(
                    p.loc,
                    &p.path,
                    Problem::new(format!("cannot read {}: {e}", full.display()))
                        .hint("manifest paths are relative to the scenario file's directory"),
                );
                continue;
            }
        };
        if meta.is_dir() {
            let entries = match std::fs::read_dir(&full) {
                Ok(rd) => rd,
                Err(e) => {
                    cx.err(
                        p.loc,
                        &p.path,
                        format!("cannot list {}: {e}", full.display()),
                    );
                    continue;
                }
            };
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && matches!(
                            f.extension().and_then(|x| x.to_str()),
                            Some("yaml" | "yml" | "json")
                        )
                })
                .collect();
            found.sort();
            if found.is_empty() {
                cx.report(
                    p.loc,
                    &p.path,
                    Problem::new(format!(
                        "directory {} holds no .yaml, .yml or .json files",
                        full.display()
                    ))
                    .hint("subdirectories are not read; list them too"),
                );
            }
            files.extend(found.into_iter().map(|f| (f, p)));
        } else {
            files.push((full, p));
        }
    }
    if files.len() > MAX_FILES {
        let p = &paths[0];
        cx.err(
            p.loc,
            "manifests",
            format!(
                "the manifest paths name {} files, more than the limit of {MAX_FILES}",
                files.len()
            ),
        );
        return (Vec::new(), Vec::new());
    }
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    let mut objects = Vec::new();
    let mut names = Vec::new();
    for (file, p) in files {
        let canonical = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
        if let Some((_, first)) = seen.iter().find(|(c, _)| *c == canonical) {
            cx.report(
                p.loc,
                &p.path,
                Problem::new(format!("{} is read twice", file.display())).hint(format!(
                    "it is already read through {first}; list each file once"
                )),
            );
            continue;
        }
        seen.push((canonical, p.path.clone()));
        let name = file.display().to_string();
        let text = match read_text(&file) {
            Ok(t) => t,
            Err(e) => {
                cx.err(p.loc, &p.path, format!("cannot read {name}: {e}"));
                continue;
            }
        };
        let index = cx.add_file(&name);
        names.push(name);
        objects.extend(objects_of(cx, index, &text));
    }
    (objects, names)
}

fn read_text(path: &Path) -> Result<String, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {len} bytes, more than the {MAX_FILE_BYTES}-byte limit for manifests"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}

/// The objects of one file's text (file index `file`).
pub(crate) fn objects_of(cx: &mut Cx, file: u32, text: &str) -> Vec<Object> {
    let starts = document_starts(text);
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => {
            let line = match e.loc {
                Loc::File { line, .. } => Some(line),
                _ => None,
            };
            let path = line.map_or(String::new(), |l| {
                format!("document {}", document_of(&starts, l))
            });
            let loc = cx.place(file, e.loc, None);
            cx.report(
                loc,
                &path,
                Problem::new(format!("invalid YAML: {}", e.message)),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for mut doc in docs {
        let line = match doc.loc {
            Loc::File { line, .. } => line,
            _ => 1,
        };
        let document = document_of(&starts, line);
        relocate(cx, file, &mut doc);
        let prefix = format!("document {document}");
        object(cx, file, document, &prefix, doc, true, &mut out);
    }
    out
}

/// Replaces the file locations of a tree parsed from file `file` by places
/// the context can report.
fn relocate(cx: &mut Cx, file: u32, n: &mut Node) {
    n.loc = cx.place(file, n.loc, None);
    match &mut n.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| relocate(cx, file, i)),
        Value::Map(entries) => {
            for (k, v) in entries {
                k.loc = cx.place(file, k.loc, None);
                relocate(cx, file, v);
            }
        }
        _ => {}
    }
}

/// Reads `apiVersion`, `kind` and `metadata` of the object `n`; a `List`
/// (`kubectl get -o yaml`) contributes its items instead.
fn object(
    cx: &mut Cx,
    file: u32,
    document: usize,
    prefix: &str,
    n: Node,
    top: bool,
    out: &mut Vec<Object>,
) {
    let root_path = format!("{prefix}: ");
    let Value::Map(_) = &n.value else {
        cx.report(
            n.loc,
            prefix,
            Problem::new(format!(
                "expected a Kubernetes object (a mapping with apiVersion and kind), got {}",
                n.describe()
            )),
        );
        return;
    };
    let Some(m) = map(cx, &n, &root_path) else {
        return;
    };
    let field = |cx: &mut Cx, key: &str| -> Option<String> {
        match m.get(key) {
            Some(v) => cx.string(v, &m.path(key)),
            None => {
                cx.report(
                    m.loc,
                    prefix,
                    Problem::new(format!("missing field `{key}`"))
                        .hint("every Kubernetes object names its apiVersion and kind"),
                );
                None
            }
        }
    };
    let api_version = field(cx, "apiVersion");
    let kind = field(cx, "kind");
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return;
    };
    if top && kind == "List" && api_version == "v1" {
        let Some(items) = m.get("items") else {
            return;
        };
        let Value::Seq(items) = &items.value else {
            cx.err(
                items.loc,
                &m.path("items"),
                format!("expected a list, got {}", items.describe()),
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{prefix}, items[{i}]");
            object(cx, file, document, &p, item.clone(), false, out);
        }
        return;
    }
    let mut name = None;
    let mut namespace = "default".to_string();
    if let Some(meta) = m.get("metadata")
        && let Value::Map(entries) = &meta.value
    {
        let scalar = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.name == key)
                .and_then(|(_, v)| match &v.value {
                    Value::Str(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                })
        };
        name = scalar("name");
        if let Some(ns) = scalar("namespace") {
            namespace = ns;
        }
    }
    let title = match &name {
        Some(nm) => format!("{kind} {nm}"),
        None => kind.clone(),
    };
    out.push(Object {
        file,
        document,
        api_version,
        kind,
        name,
        namespace,
        prefix: format!("{prefix} ({title})"),
        node: n,
    });
}

/// The first line of each document of a YAML stream: a document starts at
/// a `---` line, or at the first content line when the stream does not
/// begin with one (and again after a `...` end marker).
pub(crate) fn document_starts(text: &str) -> Vec<u32> {
    let mut starts = Vec::new();
    let mut open = false;
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let marker = |m: &str| {
            line == m || line.starts_with(&format!("{m} ")) || line.starts_with(&format!("{m}\t"))
        };
        if marker("---") {
            starts.push(n);
            open = true;
            continue;
        }
        if marker("...") {
            open = false;
            continue;
        }
        let t = line.trim_start();
        let content = !(t.is_empty() || t.starts_with('#') || line.starts_with('%'));
        if content && !open {
            starts.push(n);
            open = true;
        }
    }
    starts
}

/// The document (counting from 1) that line `line` belongs to.
pub(crate) fn document_of(starts: &[u32], line: u32) -> usize {
    starts.iter().filter(|s| **s <= line).count().max(1)
}
