//! Reading the input files: CSV tables addressed by column name, and JSON
//! kept in the file's key order (so tables list fields as summary.json
//! does, not alphabetically).

use super::ReportError;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::path::Path;

/// A CSV file: its header and rows of text.
#[derive(Clone, Debug)]
pub struct Table {
    /// The file, for messages.
    pub path: String,
    /// Column names.
    pub headers: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
    /// The line of each row in the file (1-based), for messages.
    lines: Vec<u64>,
}

fn input(msg: String) -> ReportError {
    ReportError::Input(msg)
}

impl Table {
    /// Reads `path`; every row must have as many fields as the header.
    pub fn read(path: &Path) -> Result<Table, ReportError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| input(format!("{name}: {e}")))?;
        Table::parse(&name, &bytes)
    }

    /// Parses CSV `bytes`; `name` names them in messages.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Table, ReportError> {
        let mut r = csv::ReaderBuilder::new().from_reader(bytes);
        let bad = |e: csv::Error| input(format!("{name}: not a well-formed CSV table: {e}"));
        let headers: Vec<String> = r.headers().map_err(bad)?.iter().map(String::from).collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(input(format!("{name}: empty: expected a header line")));
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(bad)?;
            lines.push(rec.position().map_or(0, |p| p.line()));
            rows.push(rec.iter().map(String::from).collect());
        }
        Ok(Table {
            path: name.to_string(),
            headers,
            rows,
            lines,
        })
    }

    /// The index of column `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The index of column `name`, or an error naming the file.
    pub fn require(&self, name: &str) -> Result<usize, ReportError> {
        self.index(name)
            .ok_or_else(|| input(format!("{}: no column `{name}`", self.path)))
    }

    /// Column `i` as numbers.
    pub fn numbers(&self, i: usize) -> Result<Vec<f64>, ReportError> {
        self.rows
            .iter()
            .zip(&self.lines)
            .map(|(row, line)| {
                let text = row[i].trim();
                text.parse::<f64>().map_err(|_| {
                    input(format!(
                        "{}: line {line}, column `{}`: `{text}` is not a number",
                        self.path, self.headers[i]
                    ))
                })
            })
            .collect()
    }
}

/// A JSON value whose objects keep their key order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, in file order.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Json, ReportError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| input(format!("{name}: {e}")))?;
        serde_json::from_slice(&bytes).map_err(|e| input(format!("{name}: not valid JSON: {e}")))
    }

    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Json::Int(i) => Some(i as f64),
            Json::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The value as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The members of an object (empty for anything else).
    pub fn members(&self) -> &[(String, Json)] {
        match self {
            Json::Obj(m) => m,
            _ => &[],
        }
    }

    /// The items of an array (empty for anything else).
    pub fn items(&self) -> &[Json] {
        match self {
            Json::Arr(v) => v,
            _ => &[],
        }
    }

    /// Short text for a table cell.
    pub fn cell(&self) -> String {
        match self {
            Json::Null => "—".to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Int(i) => i.to_string(),
            Json::Float(f) => super::style::short(*f, 6),
            Json::Str(s) => s.clone(),
            Json::Arr(v) => v.iter().map(Json::cell).collect::<Vec<_>>().join(", "),
            Json::Obj(m) => m
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.cell()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
                Json::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
                Ok(Json::Int(i.into()))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Json, E> {
                Ok(Json::Int(u.into()))
            }
            fn visit_f64<E>(self, f: f64) -> Result<Json, E> {
                Ok(Json::Float(f))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Json::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = a.next_entry()? {
                    v.push(e);
                }
                Ok(Json::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_key_order_and_integers() {
        let j: Json = serde_json::from_str(r#"{"b": 1, "a": 1.0, "c": [true, null]}"#).unwrap();
        let keys: Vec<&str> = j.members().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(j.get("b"), Some(&Json::Int(1)));
        assert_eq!(j.get("a"), Some(&Json::Float(1.0)));
    }

    #[test]
    fn bad_numbers_name_line_and_column() {
        let t = Table::parse("t.csv", b"time_s,x\n0,1\n5,oops\n").unwrap();
        let e = t.numbers(1).unwrap_err().to_string();
        assert_eq!(e, "t.csv: line 3, column `x`: `oops` is not a number");
        let e = Table::parse("u.csv", b"a,b\n1\n").unwrap_err().to_string();
        assert!(e.starts_with("u.csv: not a well-formed CSV table"), "{e}");
    }
}
