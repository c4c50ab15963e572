//! Scenario errors: every problem found in a file, each with its place.

use std::fmt;
use std::path::PathBuf;

/// One problem in a scenario, with enough context to find and fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the value came from: the scenario file name, or the
    /// `--set PATH=VALUE` argument that supplied it.
    pub origin: String,
    /// Field path in the file, like `workloads[0].strategy.max_surge`
    /// (empty for problems with the document as a whole).
    pub path: String,
    /// 1-based line in `origin`, when known.
    pub line: Option<u32>,
    /// 1-based column in `origin`, when known.
    pub column: Option<u32>,
    /// What is wrong (lowercase, specific).
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `origin:line:col: path: message (hint)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {}: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The scenario is invalid: every problem found, in file order.
    #[error("{}", Lines(.0))]
    Invalid(Vec<Diagnostic>),
}

impl ScenarioError {
    /// The problems found (empty for [`ScenarioError::Io`]).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Invalid(d) => d,
            ScenarioError::Io { .. } => &[],
        }
    }
}

/// Displays diagnostics one per line.
struct Lines<'a>(&'a [Diagnostic]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_format() {
        let d = Diagnostic {
            origin: "quickstart.yaml".into(),
            path: "workloads[1].cpu".into(),
            line: Some(12),
            column: Some(5),
            message: "expected a CPU quantity like 2, 0.5 or 500m, got \"5x\"".into(),
            hint: None,
        };
        assert_eq!(
            d.to_string(),
            "quickstart.yaml:12:5: workloads[1].cpu: expected a CPU quantity like 2, 0.5 or 500m, got \"5x\""
        );
        let e = ScenarioError::Invalid(vec![
            d.clone(),
            Diagnostic {
                line: None,
                column: None,
                hint: Some("did you mean `web`?".into()),
                ..d
            },
        ]);
        assert_eq!(e.to_string().lines().count(), 2);
        assert!(e.to_string().ends_with("(did you mean `web`?)"));
    }
}
