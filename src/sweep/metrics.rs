//! A run's summary flattened into named scalars: the metric columns of
//! runs.csv and aggregate.csv.
//!
//! Names are dotted paths into summary.json: `cluster.<field>`,
//! `workloads.<name>.<field>` (workloads in scenario order, fields in
//! summary.json order), with `jobs` `jobs.total.<field>` and
//! `jobs.classes.<name>.<field>` (classes by name), then `rollouts.*` and
//! `events`:
//!
//! - `rollouts.count`: rollouts started; `rollouts.completed`: completed;
//! - `rollouts.duration_s_mean`, `rollouts.duration_s_max`: over the
//!   rollouts of the run;
//! - `rollouts.max_total_pods_max`: the most pods any rollout had;
//!   `rollouts.min_available_min`: the fewest available during any rollout;
//! - `rollouts.deadline_exceeded`: rollouts that exceeded their progress
//!   deadline (`ProgressDeadlineExceeded`), e.g. for a CI gate.
//!
//! The four last are 0 in a run without rollouts. Node pool upgrades give
//! `upgrades.count`, `upgrades.completed`, `upgrades.duration_s_max` and
//! `upgrades.min_capacity_fraction_min` (1 without upgrades). The wall-clock metric
//! `wall_time_s` is kept apart ([`WALL_METRICS`]) so every other column is
//! reproducible byte for byte.

use crate::metrics::{ClusterSummary, WorkloadSummary};
use crate::scenario::Scenario;
use crate::sim::{RolloutSummary, Summary, UpgradeSummary};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// Metrics that measure the machine, not the model; their columns come
/// last.
pub const WALL_METRICS: &[&str] = &["wall_time_s"];

/// A JSON object read and written in its own key order (serde_json's `Map`
/// sorts keys).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Ordered<V>, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = a.next_entry()? {
                    v.push(e);
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V_(std::marker::PhantomData))
    }
}

/// The numeric fields of a summary block, in declaration order.
fn fields<T: Serialize>(block: &T) -> Vec<(String, f64)> {
    let text = serde_json::to_string(block).expect("summary blocks serialize");
    let o: Ordered<serde_json::Value> =
        serde_json::from_str(&text).expect("summary blocks are JSON objects");
    o.0.into_iter()
        .filter_map(|(k, v)| v.as_f64().map(|x| (k, x)))
        .collect()
}

fn rollout_metrics(rollouts: &[RolloutSummary]) -> [(&'static str, f64); 7] {
    let n = rollouts.len();
    let durations = rollouts.iter().map(|r| r.duration_s);
    let (mean, max) = if n == 0 {
        (0.0, 0.0)
    } else {
        (
            durations.clone().sum::<f64>() / n as f64,
            durations.fold(f64::MIN, f64::max),
        )
    };
    [
        ("rollouts.count", n as f64),
        (
            "rollouts.completed",
            rollouts.iter().filter(|r| r.completed).count() as f64,
        ),
        ("rollouts.duration_s_mean", mean),
        ("rollouts.duration_s_max", max),
        (
            "rollouts.max_total_pods_max",
            f64::from(rollouts.iter().map(|r| r.max_total_pods).max().unwrap_or(0)),
        ),
        (
            "rollouts.min_available_min",
            f64::from(rollouts.iter().map(|r| r.min_available).min().unwrap_or(0)),
        ),
        (
            "rollouts.deadline_exceeded",
            rollouts
                .iter()
                .filter(|r| r.deadline_exceeded_s.is_some())
                .count() as f64,
        ),
    ]
}

/// The reproducible metrics of a run, in column order. `workloads` gives
/// the workload order (the scenario's).
pub fn flatten(summary: &Summary, workloads: &[String]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = fields(&summary.cluster)
        .into_iter()
        .map(|(k, v)| (format!("cluster.{k}"), v))
        .collect();
    for w in workloads {
        if let Some(block) = summary.workloads.get(w) {
            out.extend(
                fields(block)
                    .into_iter()
                    .map(|(k, v)| (format!("workloads.{w}.{k}"), v)),
            );
        }
    }
    if let Some(jobs) = &summary.jobs {
        out.extend(
            fields(&jobs.total)
                .into_iter()
                .map(|(k, v)| (format!("jobs.total.{k}"), v)),
        );
        for (name, block) in &jobs.classes {
            out.extend(
                fields(block)
                    .into_iter()
                    .map(|(k, v)| (format!("jobs.classes.{name}.{k}"), v)),
            );
        }
    }
    out.extend(
        rollout_metrics(&summary.rollouts)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    out.extend(
        upgrade_metrics(&summary.upgrades)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    out.push(("events".to_string(), summary.events as f64));
    out
}

fn upgrade_metrics(upgrades: &[UpgradeSummary]) -> [(&'static str, f64); 4] {
    [
        ("upgrades.count", upgrades.len() as f64),
        (
            "upgrades.completed",
            upgrades.iter().filter(|u| u.completed).count() as f64,
        ),
        (
            "upgrades.duration_s_max",
            upgrades.iter().map(|u| u.duration_s).fold(0.0, f64::max),
        ),
        (
            "upgrades.min_capacity_fraction_min",
            upgrades
                .iter()
                .map(|u| u.min_capacity_fraction)
                .fold(1.0, f64::min),
        ),
    ]
}

/// The wall-clock metrics of a run, in [`WALL_METRICS`] order.
pub fn wall(summary: &Summary) -> Vec<f64> {
    vec![summary.wall_time_s]
}

/// The metric names a run of `sc` reports, known before running it (for
/// checking `--assert` names up front).
pub fn names(sc: &Scenario) -> Vec<String> {
    let workloads: Vec<String> = sc.workloads.iter().map(|w| w.name.clone()).collect();
    let skeleton = Summary {
        kubesim_version: env!("CARGO_PKG_VERSION"),
        scenario: sc.name.clone(),
        seed: 0,
        sim_duration_s: 0.0,
        events: 0,
        events_not_logged: None,
        wall_time_s: 0.0,
        cluster: ClusterSummary::default(),
        workloads: sc
            .workloads
            .iter()
            .map(|w| {
                // Optional keys are present exactly when the scenario asks
                // for what they measure.
                // A scale_to_zero workload's traffic is not routed (its
                // requests come from the scale-to-zero source).
                let traffic = w.traffic.as_ref().filter(|_| w.scale_to_zero.is_none());
                let requests = traffic.and_then(|t| match t.mode {
                    crate::scenario::TrafficMode::Requests(_) => Some(0.0),
                    crate::scenario::TrafficMode::Fluid => None,
                });
                let block = WorkloadSummary {
                    error_budget_consumed: w.slo_target.map(|_| 0.0),
                    pod_utilization_mean: traffic.map(|_| 0.0),
                    pod_utilization_max: traffic.map(|_| 0.0),
                    latency_mean_ms: requests,
                    latency_p50_ms: requests,
                    latency_p99_ms: requests,
                    requests_in_flight_mean: requests,
                    scale_to_zero: w
                        .scale_to_zero
                        .as_ref()
                        .map(|_| crate::metrics::ScaleToZeroSummary::default()),
                    ..WorkloadSummary::default()
                };
                (w.name.clone(), block)
            })
            .collect(),
        rollouts: Vec::new(),
        upgrades: Vec::new(),
        jobs: (!sc.jobs.is_empty()).then(|| crate::metrics::JobsSummary {
            total: Default::default(),
            classes: sc
                .jobs
                .iter()
                .map(|j| (j.name.clone(), Default::default()))
                .collect(),
        }),
        invariant_violations: Vec::new(),
    };
    flatten(&skeleton, &workloads)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use crate::sim::Simulation;

    #[test]
    fn names_known_up_front_match_a_real_run() {
        let sc = load_str(crate::cli::QUICKSTART_YAML, "quickstart.yaml", &[]).unwrap();
        let expected = names(&sc);
        let r = Simulation::new(sc, 1).unwrap().run();
        let flat = flatten(&r.summary, &r.workload_names);
        let got: Vec<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(got, expected);
        assert_eq!(got[0], "cluster.cpu_allocation");
        assert!(got.contains(&"workloads.web.slo_attainment"));
        assert!(got.contains(&"rollouts.duration_s_mean"));
        // Scenario order: web before api.
        let web = got
            .iter()
            .position(|k| k.starts_with("workloads.web"))
            .unwrap();
        let api = got
            .iter()
            .position(|k| k.starts_with("workloads.api"))
            .unwrap();
        assert!(web < api);
        let count = flat.iter().find(|(k, _)| k == "rollouts.count").unwrap().1;
        assert_eq!(count, 1.0);
    }

    #[test]
    fn names_known_up_front_match_every_shipped_scenario() {
        // Optional blocks (error budgets with slo.target, upgrades) included.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let sc = crate::scenario::load_file(&path, &[]).unwrap();
            let expected = names(&sc);
            let r = Simulation::new(sc, 1).unwrap().run();
            let flat = flatten(&r.summary, &r.workload_names);
            let got: Vec<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(got, expected, "{}", path.display());
        }
    }

    #[test]
    fn ordered_objects_keep_their_order() {
        let o: Ordered<f64> = serde_json::from_str(r#"{"b": 1, "a": 0.1}"#).unwrap();
        assert_eq!(o.0[0].0, "b");
        assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"b":1.0,"a":0.1}"#);
    }
}
