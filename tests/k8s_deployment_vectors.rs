//! Runs every `deployment_*` vector of `tests/fixtures/k8s-vectors.json`
//! (extracted from the upstream Go unit tests) against
//! `kubesim::controllers::deployment_algo`.
//!
//! Each group has a runner; a group without one fails the test, and each
//! runner must visit as many vectors as the file's `_counts` says, so no
//! vector is skipped silently. Failures name the Go test.

use std::collections::BTreeMap;

use kubesim::controllers::deployment_algo::{
    DeploymentStatusView, ProgressingCondition, ProgressingReason, RsView,
    cleanup_unhealthy_replicas, deployment_complete, deployment_progressing, deployment_timed_out,
    max_unavailable, new_rs_new_replicas, parse_int_or_percent, reconcile_new_replica_set,
    reconcile_old_replica_sets, resolve_fenceposts, scale,
    scale_down_old_replica_sets_for_rolling_update,
};
use kubesim::scenario::Strategy;
use kubesim::units::IntOrPercent;
use serde_json::Value;

#[path = "common/vectors.rs"]
mod vectors;
use vectors::{Case, load};

impl<'a> Case<'a> {
    fn u32_of(&self, v: &Value, what: &str) -> u32 {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or_else(|| panic!("{}: {what} is not a u32: {v}", self.name))
    }
    fn in_u32(&self, key: &str) -> u32 {
        self.u32_of(self.input(key), key)
    }
    fn exp_u32(&self, key: &str) -> u32 {
        self.u32_of(self.expected(key), key)
    }
    fn exp_bool(&self, key: &str) -> bool {
        self.expected(key)
            .as_bool()
            .unwrap_or_else(|| panic!("{}: expected.{key} is not a bool", self.name))
    }
    /// An `IntOrString` field: `Ok(None)` for null (unset), `Err` for a string upstream rejects.
    fn int_or_percent(&self, key: &str) -> Result<Option<IntOrPercent>, String> {
        match self.input(key) {
            Value::Null => Ok(None),
            Value::String(s) => parse_int_or_percent(s).map(Some).ok_or_else(|| s.clone()),
            v => Ok(Some(IntOrPercent::Int(self.u32_of(v, key)))),
        }
    }
    /// Unset fence posts default to 0, as upstream's `ValueOrDefault` does.
    fn fencepost(&self, key: &str) -> IntOrPercent {
        self.int_or_percent(key)
            .unwrap_or_else(|s| panic!("{}: {key} {s:?} is invalid", self.name))
            .unwrap_or(IntOrPercent::Int(0))
    }
    fn strategy(&self) -> Strategy {
        let kind = self.v["input"]
            .get("strategy")
            .and_then(Value::as_str)
            .unwrap_or("RollingUpdate");
        match kind {
            "RollingUpdate" => Strategy::RollingUpdate {
                max_surge: self.fencepost("max_surge"),
                max_unavailable: self.fencepost("max_unavailable"),
            },
            "Recreate" => Strategy::Recreate,
            other => panic!("{}: unknown strategy {other}", self.name),
        }
    }
}

fn cases<'a>(file: &'a Value, group: &str) -> Vec<Case<'a>> {
    file[group]
        .as_array()
        .unwrap_or_else(|| panic!("group {group} is not an array"))
        .iter()
        .map(Case::new)
        .collect()
}

fn resolve_fenceposts_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let desired = c.in_u32("desired");
        let parsed = c
            .int_or_percent("max_surge")
            .and_then(|s| Ok((s, c.int_or_percent("max_unavailable")?)));
        let expects_error = c.v["expected"].get("error").and_then(Value::as_bool) == Some(true);
        match parsed {
            Err(bad) => assert!(
                expects_error,
                "{}: {bad:?} rejected but no error expected",
                c.name
            ),
            Ok((surge, unavailable)) => {
                assert!(
                    !expects_error,
                    "{}: expected an error, inputs parsed",
                    c.name
                );
                let zero = IntOrPercent::Int(0);
                let got =
                    resolve_fenceposts(surge.unwrap_or(zero), unavailable.unwrap_or(zero), desired);
                assert_eq!(
                    got,
                    (c.exp_u32("surge"), c.exp_u32("unavailable")),
                    "{}",
                    c.name
                );
            }
        }
    }
    cases.len()
}

fn max_unavailable_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        // A null replica count (the Recreate case) is upstream's default of 1; Recreate ignores it.
        let replicas = match c.input("replicas") {
            Value::Null => 1,
            v => c.u32_of(v, "replicas"),
        };
        let got = max_unavailable(c.strategy(), replicas);
        assert_eq!(got, c.exp_u32("max_unavailable"), "{}", c.name);
    }
    cases.len()
}

fn new_rs_new_replicas_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let new = c.in_u32("new_rs_replicas");
        let old: u32 = c
            .input("old_rs_replicas")
            .as_array()
            .unwrap_or_else(|| panic!("{}: old_rs_replicas is not a list", c.name))
            .iter()
            .map(|v| c.u32_of(v, "old_rs_replicas[]"))
            .sum();
        let got = new_rs_new_replicas(
            c.strategy(),
            c.in_u32("deployment_replicas"),
            new,
            new + old,
        );
        assert_eq!(got, c.exp_u32("new_rs_replicas"), "{}", c.name);
    }
    cases.len()
}

fn reconcile_new_replica_set_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let new = c.in_u32("new_rs_replicas");
        let all = new + c.in_u32("old_rs_replicas");
        let got =
            reconcile_new_replica_set(c.strategy(), c.in_u32("deployment_replicas"), new, all);
        let expected = c.exp_bool("scaled").then(|| c.exp_u32("new_rs_replicas"));
        assert_eq!(got, expected, "{}", c.name);
    }
    cases.len()
}

fn reconcile_old_replica_sets_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let old = RsView {
            replicas: c.in_u32("old_rs_replicas"),
            available: c.in_u32("old_rs_available"),
            ..RsView::default()
        };
        let new = RsView {
            replicas: c.in_u32("new_rs_replicas"),
            available: c.in_u32("new_rs_available"),
            ..RsView::default()
        };
        let got =
            reconcile_old_replica_sets(c.strategy(), c.in_u32("deployment_replicas"), &[old], &new);
        let scaled = c.exp_bool("scaled");
        assert_eq!(got.scaled, scaled, "{}", c.name);
        let after = if scaled {
            c.exp_u32("old_rs_replicas_after")
        } else {
            old.replicas
        };
        assert_eq!(got.replicas, vec![after], "{}", c.name);
    }
    cases.len()
}

fn cleanup_unhealthy_replicas_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let mut old = [RsView {
            replicas: c.in_u32("old_rs_replicas"),
            available: c.in_u32("old_rs_available"),
            ..RsView::default()
        }];
        let before = old[0].replicas;
        let cleaned = cleanup_unhealthy_replicas(&mut old, c.in_u32("max_cleanup_count"))
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(cleaned, c.exp_u32("cleaned_up"), "{}", c.name);
        assert_eq!(
            old[0].replicas,
            before - cleaned,
            "{}: spec after cleanup",
            c.name
        );
    }
    cases.len()
}

fn scale_down_old_rs_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        assert!(
            c.input("new_rs").is_null(),
            "{}: only new_rs null is mapped",
            c.name
        );
        let mut old = [RsView {
            replicas: c.in_u32("old_rs_replicas"),
            available: c.in_u32("old_rs_available"),
            ..RsView::default()
        }];
        let before = old[0].replicas;
        let removed = scale_down_old_replica_sets_for_rolling_update(
            c.strategy(),
            c.in_u32("deployment_replicas"),
            &mut old,
            None,
        );
        let scaled = c.exp_bool("scaled");
        assert_eq!(removed > 0, scaled, "{}: scaled", c.name);
        let after = if scaled {
            c.exp_u32("old_rs_replicas_after")
        } else {
            before
        };
        assert_eq!(old[0].replicas, after, "{}", c.name);
    }
    cases.len()
}

fn proportional_scaling_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let strategy = c.strategy();
        let previous = c.in_u32("previous_deployment_replicas");
        let previous_max = previous + c.in_u32("previous_max_surge");
        struct Rs<'a> {
            name: &'a str,
            is_new: bool,
            age_rank: u64,
            view: RsView,
        }
        let mut rss: Vec<Rs> = c
            .input("replica_sets")
            .as_array()
            .unwrap_or_else(|| panic!("{}: replica_sets is not a list", c.name))
            .iter()
            .map(|rs| Rs {
                name: rs["name"].as_str().expect("replica set name"),
                is_new: match rs["role"].as_str() {
                    Some("new") => true,
                    Some("old") => false,
                    other => panic!("{}: unknown role {other:?}", c.name),
                },
                age_rank: rs["age_rank"].as_u64().expect("age_rank"),
                view: RsView {
                    replicas: c.u32_of(&rs["replicas"], "replicas"),
                    available: 0,
                    // The vectors' annotations_rule.
                    desired_annotation: Some(previous),
                    max_annotation: Some(previous_max),
                },
            })
            .collect();
        // age_rank 0 is the newest; our API wants oldest first.
        rss.sort_by_key(|rs| std::cmp::Reverse(rs.age_rank));
        let new_rs = rss.iter().position(|rs| rs.is_new);
        let views: Vec<RsView> = rss.iter().map(|rs| rs.view).collect();
        // status.replicas is only a fallback for a missing annotation; all are present here.
        let status_replicas: u32 = views.iter().map(|rs| rs.replicas).sum();
        let out = scale(
            c.in_u32("deployment_replicas"),
            strategy,
            status_replicas,
            new_rs,
            &views,
        );
        let got: BTreeMap<&str, u32> = rss
            .iter()
            .zip(&out)
            .map(|(rs, o)| (rs.name, o.replicas))
            .collect();
        let expected: BTreeMap<&str, u32> = c
            .expected("replicas")
            .as_object()
            .unwrap_or_else(|| panic!("{}: expected.replicas is not a map", c.name))
            .iter()
            .map(|(k, v)| (k.as_str(), c.u32_of(v, k)))
            .collect();
        assert_eq!(got, expected, "{}", c.name);
    }
    cases.len()
}

fn complete_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        // The Go table's max_surge/max_unavailable no longer enter DeploymentComplete.
        let status = DeploymentStatusView {
            replicas: c.in_u32("current"),
            updated: c.in_u32("updated"),
            ready: c.in_u32("available"),
            available: c.in_u32("available"),
        };
        let got = deployment_complete(c.in_u32("desired"), &status, 1, 1);
        assert_eq!(got, c.exp_bool("complete"), "{}", c.name);
    }
    cases.len()
}

fn progressing_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let status = |key: &str| {
            let s = c.input(key);
            let f = |k: &str| c.u32_of(&s[k], k);
            DeploymentStatusView {
                replicas: f("replicas"),
                updated: f("updated"),
                ready: f("ready"),
                available: f("available"),
            }
        };
        let got = deployment_progressing(&status("old_status"), &status("new_status"));
        assert_eq!(got, c.exp_bool("progressing"), "{}", c.name);
    }
    cases.len()
}

/// "hh:mm:ss" to seconds.
fn clock_s(c: &Case, key: &str) -> u64 {
    let text = c
        .input(key)
        .as_str()
        .unwrap_or_else(|| panic!("{}: {key} is not a string", c.name));
    text.split(':')
        .map(|p| {
            p.parse::<u64>()
                .unwrap_or_else(|e| panic!("{}: {key} {text:?}: {e}", c.name))
        })
        .fold(0, |acc, p| acc * 60 + p)
}

fn timed_out_group(file: &Value, group: &str) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let deadline = match c.input("progress_deadline_seconds") {
            Value::Null => None,
            v => Some(c.u32_of(v, "progress_deadline_seconds")),
        };
        // The Go test's condition carries no special reason; any in-progress reason behaves alike.
        let condition = ProgressingCondition {
            reason: ProgressingReason::ReplicaSetUpdated,
            last_update_s: clock_s(c, "progressing_condition_last_update"),
        };
        let got = deployment_timed_out(deadline, Some(&condition), clock_s(c, "now"));
        assert_eq!(got, c.exp_bool("timed_out"), "{}", c.name);
    }
    cases.len()
}

type Runner = fn(&Value, &str) -> usize;

#[test]
fn every_deployment_vector_passes() {
    let file = load();
    let runners: BTreeMap<&str, Runner> = BTreeMap::from([
        (
            "deployment_resolve_fenceposts",
            resolve_fenceposts_group as Runner,
        ),
        ("deployment_max_unavailable", max_unavailable_group),
        ("deployment_new_rs_new_replicas", new_rs_new_replicas_group),
        (
            "deployment_reconcile_new_replica_set",
            reconcile_new_replica_set_group,
        ),
        (
            "deployment_reconcile_old_replica_sets",
            reconcile_old_replica_sets_group,
        ),
        (
            "deployment_cleanup_unhealthy_replicas",
            cleanup_unhealthy_replicas_group,
        ),
        (
            "deployment_scale_down_old_rs_for_rolling_update",
            scale_down_old_rs_group,
        ),
        (
            "deployment_proportional_scaling",
            proportional_scaling_group,
        ),
        ("deployment_complete", complete_group),
        ("deployment_progressing", progressing_group),
        ("deployment_timed_out", timed_out_group),
    ]);
    let groups: Vec<&str> = file
        .as_object()
        .expect("top level is an object")
        .keys()
        .map(String::as_str)
        .filter(|k| k.starts_with("deployment_"))
        .collect();
    let mut total = 0;
    for group in &groups {
        let run = runners
            .get(group)
            .unwrap_or_else(|| panic!("no runner for vector group {group}"));
        let ran = run(&file, group);
        let declared = file["_counts"][group]
            .as_u64()
            .unwrap_or_else(|| panic!("_counts has no {group}"));
        assert_eq!(
            ran as u64, declared,
            "{group}: ran {ran} vectors, _counts says {declared}"
        );
        eprintln!("{group}: {ran} vectors passed");
        total += ran;
    }
    assert_eq!(
        groups.len(),
        runners.len(),
        "a runner's group is missing from the file"
    );
    assert_eq!(
        total, 69,
        "the deployment groups held 69 vectors when this test was written"
    );
}
