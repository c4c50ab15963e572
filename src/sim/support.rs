//! Scenario features the file format accepts but this version does not
//! simulate yet. Refusing them is better than silently ignoring them: a
//! result that leaves out an HPA or a traffic model would look right and be
//! wrong.

use crate::scenario::Scenario;

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
    for (i, p) in sc.cluster.node_pools.iter().enumerate() {
        if p.autoscaling.is_some() {
            refuse(
                format!("cluster.node_pools[{i}].autoscaling"),
                "the cluster autoscaler",
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
