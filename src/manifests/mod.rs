//! Kubernetes manifests as kubesim workloads ("bring your own manifests").
//!
//! A scenario's `manifests: [PATH...]` names YAML files or directories
//! (relative to the scenario file; a directory's `.yaml`, `.yml` and
//! `.json` files by name, not recursively). Each file may hold several
//! documents separated by `---`, and `v1 List` objects (`kubectl get -o
//! yaml`) are expanded. kubesim reads:
//!
//! - `apps/v1` Deployment and ReplicaSet: each becomes a workload (a
//!   ReplicaSet owned by a Deployment is skipped: the Deployment makes its
//!   pods);
//! - `autoscaling/v2` (and `v1`) HorizontalPodAutoscaler, bound to its
//!   `scaleTargetRef`;
//! - `policy/v1` PodDisruptionBudget, bound to the workload whose pod
//!   template labels its selector selects;
//! - `scheduling.k8s.io/v1` PriorityClass, for `priorityClassName` (and
//!   `globalDefault`);
//! - `v1` Namespace, for the labels `namespaceSelector` terms select.
//!
//! Other objects are listed as ignored; StatefulSets, DaemonSets, Jobs,
//! CronJobs, bare Pods and ReplicationControllers with a warning, as their
//! pods would take capacity in a real cluster.
//!
//! Each workload is translated into the tree of a hand-written `workloads`
//! item (see `synth`), which the scenario resolver then checks like any
//! other, so an imported workload *is* its hand-written equivalent. The
//! rules, field by field, are in `docs/manifests.md`; the translation
//! warns (without failing) wherever a manifest asks for behaviour kubesim
//! does not model, naming the manifest file, document and field.

mod object;
mod pod;
mod read;
mod selector;
mod synth;
mod translate;

#[cfg(test)]
mod tests;

pub use read::MAX_FILES;
pub(crate) use read::ManifestPath;
pub(crate) use synth::entries_of;
pub(crate) use translate::Translated;

use crate::scenario::for_manifests::Cx;
use std::path::Path;

/// A Kubernetes object in a manifest file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    /// `kind`.
    pub kind: String,
    /// `metadata.name` (empty if it has none).
    pub name: String,
    /// `metadata.namespace` (`default` if not given).
    pub namespace: String,
    /// The manifest file, as the scenario names it.
    pub file: String,
    /// The document within the file, counting from 1.
    pub document: usize,
}

impl std::fmt::Display for ObjectRef {
    /// `Deployment checkout (scenarios/manifests/checkout.yaml, document 1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if !self.name.is_empty() {
            write!(f, " {}", self.name)?;
        }
        write!(f, " ({}, document {})", self.file, self.document)
    }
}

/// A workload imported from a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedWorkload {
    /// The workload name.
    pub name: String,
    /// The Deployment or ReplicaSet it comes from.
    pub source: ObjectRef,
    /// The HorizontalPodAutoscaler bound to it.
    pub hpa: Option<ObjectRef>,
    /// The PodDisruptionBudget bound to it.
    pub pdb: Option<ObjectRef>,
    /// The PriorityClass that gave its priority.
    pub priority_class: Option<String>,
    /// Fields set by the scenario's `overrides` for it.
    pub overrides: Vec<String>,
}

/// An object that was read but does not become part of the simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignored {
    /// The object.
    pub object: ObjectRef,
    /// Why, when there is more to say than "kubesim does not model it".
    pub reason: String,
}

/// What a scenario imported from its manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The files read, in order.
    pub files: Vec<String>,
    /// The workloads, in file and document order (after the hand-written
    /// ones in the scenario's `workloads`).
    pub workloads: Vec<ImportedWorkload>,
    /// Objects read but not simulated.
    pub ignored: Vec<Ignored>,
}

/// Reads the manifests at `paths` (relative to `base`) and translates them.
/// Problems and warnings go to `cx`.
pub(crate) fn import(
    cx: &mut Cx,
    base: &Path,
    paths: &[ManifestPath],
) -> (Vec<Translated>, ImportReport) {
    let (objects, files) = read::read(cx, base, paths);
    let (translated, mut report) = translate::translate(cx, &objects);
    report.files = files;
    (translated, report)
}
