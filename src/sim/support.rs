//! Scenario features the file format accepts but this version does not
//! simulate yet. Refusing them is better than silently ignoring them: a
//! result that leaves out part of the scenario would look right and be
//! wrong. Only one combination is left: a rollout of a `per_request`
//! scale-to-zero workload.

use crate::scenario::{EventAction, ScaleToZeroPolicy, Scenario};

/// A scenario asks for something this version cannot simulate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct Unsupported {
    /// One line per feature, naming the field path.
    pub problems: Vec<String>,
}

/// Lists the features of `sc` that are not simulated yet.
pub fn check(sc: &Scenario) -> Result<(), Unsupported> {
    let mut problems = Vec::new();
    let mut refuse = |path: String, what: &str| {
        problems.push(format!(
            "{path}: {what} is not simulated by kubesim {} yet; remove it from the scenario",
            env!("CARGO_PKG_VERSION")
        ))
    };
    for (i, w) in sc.workloads.iter().enumerate() {
        // A per_request workload's instances are tracked one by one as they
        // serve and idle; a rollout replacing them is not modelled.
        if let Some(s) = &w.scale_to_zero
            && matches!(s.policy, ScaleToZeroPolicy::PerRequest { .. })
            && sc
                .events
                .iter()
                .any(|e| matches!(e.action, EventAction::Rollout { workload, .. } if workload == i))
        {
            refuse(
                format!("workloads[{i}].scale_to_zero"),
                "a rollout of a per_request workload (its instances are tracked one by one)",
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Unsupported { problems })
    }
}

impl Unsupported {
    /// Lists the features of a scenario this version cannot simulate.
    pub fn check(sc: &Scenario) -> Result<(), Unsupported> {
        check(sc)
    }
}
