//! Reading `tests/fixtures/k8s-vectors.json` (Kubernetes' own test cases),
//! shared by the `k8s_*_vectors` tests.

use serde_json::Value;

/// The whole vector file.
pub fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/k8s-vectors.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// Field accessors that name the vector when the file is not shaped as expected.
pub struct Case<'a> {
    pub v: &'a Value,
    pub name: String,
}

impl<'a> Case<'a> {
    pub fn new(v: &'a Value) -> Self {
        let name = v["test"]
            .as_str()
            .expect("vector without a test name")
            .to_string();
        Case { v, name }
    }
    pub fn input(&self, key: &str) -> &'a Value {
        self.v["input"]
            .get(key)
            .unwrap_or_else(|| panic!("{}: no input.{key}", self.name))
    }
    pub fn expected(&self, key: &str) -> &'a Value {
        self.v["expected"]
            .get(key)
            .unwrap_or_else(|| panic!("{}: no expected.{key}", self.name))
    }
}
