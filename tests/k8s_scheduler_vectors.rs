//! Runs every `scheduler_*` vector of `tests/fixtures/k8s-vectors.json`
//! (upstream kube-scheduler unit-test cases, restated as data) against
//! `kubesim::scheduler::score`.
//!
//! Each group asserts that the number of vectors run equals the number in
//! the file, so a vector can never be skipped silently, and every failure
//! names the vector's `test`.
//!
//! Reading the vectors:
//! - `requested_incl_pod` is the node's total *including* the incoming pod,
//!   already in the mode the plugin uses (non-zero defaults applied where the
//!   test's pods have containers without requests).
//! - Node keys may carry a unit suffix (`cpu_milli`, `memory_mi`); a weight
//!   named `cpu` matches the node key `cpu` or `cpu_<unit>`. The scores are
//!   ratios, so units cancel.
//! - A resource absent from `allocatable` has allocatable 0 (skipped).
//! - Any resource other than cpu/memory is an extended (scalar) resource.
//!   The vectors give only node totals, not the pod's own request, so the
//!   pod's request is taken as the total: that is exact for deciding whether
//!   the pod requests it at all when the total is 0 (then the pod's request
//!   is 0 too), and the vectors' notes say that where the total is above 0
//!   the pod does request it. The sum fed to the scorer is the total either
//!   way.

use kubesim::scheduler::score::{
    CpuMemory, ResourceKind, ResourceUse, balanced_allocation, broken_linear_function,
    is_best_effort, least_allocated, most_allocated, requested_to_capacity_ratio,
};
use serde_json::{Map, Value};

const FIXTURE: &str = include_str!("fixtures/k8s-vectors.json");

fn vectors(group: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(FIXTURE).expect("fixture parses");
    all[group]
        .as_array()
        .unwrap_or_else(|| panic!("group {group} missing or not an array"))
        .clone()
}

fn name(v: &Value) -> &str {
    v["test"].as_str().unwrap_or("<unnamed vector>")
}

fn obj<'a>(v: &'a Value, what: &str, test: &str) -> &'a Map<String, Value> {
    v.as_object()
        .unwrap_or_else(|| panic!("{test}: {what} is not an object"))
}

fn int(v: &Value, what: &str, test: &str) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("{test}: {what} is not an integer: {v}"))
}

/// The value of resource `resource` in a node's map: the key itself, or a
/// key `resource_<unit>`; 0 when absent.
fn lookup(map: &Map<String, Value>, resource: &str, test: &str) -> i64 {
    let mut found = map.iter().filter(|(k, _)| {
        *k == resource || k.strip_prefix(resource).is_some_and(|s| s.starts_with('_'))
    });
    match (found.next(), found.next()) {
        (None, _) => 0,
        (Some((k, v)), None) => int(v, k, test),
        (Some(_), Some(_)) => panic!("{test}: two keys match resource {resource}"),
    }
}

fn kind(resource: &str) -> ResourceKind {
    match resource {
        "cpu" => ResourceKind::Cpu,
        "memory" => ResourceKind::Memory,
        "ephemeral-storage" => ResourceKind::EphemeralStorage,
        _ => ResourceKind::Scalar,
    }
}

/// Every node key must belong to a weighted resource, or the vector uses a
/// resource the scorer would silently ignore.
fn check_keys_known(map: &Map<String, Value>, weights: &[(String, i64)], test: &str) {
    for k in map.keys() {
        let known = weights.iter().any(|(r, _)| {
            k == r
                || k.strip_prefix(r.as_str())
                    .is_some_and(|s| s.starts_with('_'))
        });
        assert!(known, "{test}: node key {k} matches no weighted resource");
    }
}

/// One node of a vector: its name and its `(ResourceUse, weight)` list, in
/// the order of `resource_weights` (sorted by name, as serde_json keeps it).
fn node_resources(v: &Value, node: &Value, test: &str) -> (String, Vec<(ResourceUse, i64)>) {
    let weights: Vec<(String, i64)> =
        obj(&v["input"]["resource_weights"], "resource_weights", test)
            .iter()
            .map(|(k, w)| (k.clone(), int(w, k, test)))
            .collect();
    let node_name = node["name"]
        .as_str()
        .unwrap_or_else(|| panic!("{test}: node without a name"))
        .to_owned();
    let alloc = obj(&node["allocatable"], "allocatable", test);
    let req = obj(&node["requested_incl_pod"], "requested_incl_pod", test);
    check_keys_known(alloc, &weights, test);
    check_keys_known(req, &weights, test);
    let uses = weights
        .iter()
        .map(|(r, w)| {
            let total = lookup(req, r, test);
            // See the module docs: the pod's own request stands in as the total.
            let use_ = ResourceUse::for_pod(kind(r), total, 0, lookup(alloc, r, test));
            (use_, *w)
        })
        .collect();
    (node_name, uses)
}

fn shape(v: &Value, test: &str) -> Vec<(u32, u32)> {
    v["input"]["shape"]
        .as_array()
        .unwrap_or_else(|| panic!("{test}: no shape"))
        .iter()
        .map(|p| {
            let u = int(&p["utilization"], "utilization", test);
            let s = int(&p["score"], "score", test);
            (
                u32::try_from(u).unwrap_or_else(|_| panic!("{test}: utilization {u}")),
                u32::try_from(s).unwrap_or_else(|_| panic!("{test}: score {s}")),
            )
        })
        .collect()
}

/// Runs a per-node vector group: scores every node with `score` and compares
/// with `expected`. Returns (vectors run, nodes checked).
fn run_node_group(
    group: &str,
    strategy: &str,
    score: impl Fn(&Value, &[(ResourceUse, i64)]) -> i64,
) -> (usize, usize) {
    let vs = vectors(group);
    let mut ran = 0;
    let mut nodes_checked = 0;
    let mut failures = Vec::new();
    for v in &vs {
        let test = name(v);
        assert_eq!(
            v["input"]["strategy"].as_str(),
            Some(strategy),
            "{test}: strategy"
        );
        let expected = obj(&v["expected"], "expected", test);
        let nodes = v["input"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{test}: no nodes"));
        assert_eq!(
            nodes.len(),
            expected.len(),
            "{test}: one expectation per node"
        );
        for node in nodes {
            let (node_name, uses) = node_resources(v, node, test);
            let want = int(
                expected
                    .get(&node_name)
                    .unwrap_or_else(|| panic!("{test}: no expectation for {node_name}")),
                &node_name,
                test,
            );
            let got = score(v, &uses);
            if got != want {
                failures.push(format!("{test} [{node_name}]: got {got}, want {want}"));
            }
            nodes_checked += 1;
        }
        ran += 1;
    }
    assert!(
        failures.is_empty(),
        "{group} failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(ran, vs.len(), "{group}: every vector runs");
    (ran, nodes_checked)
}

#[test]
fn scheduler_least_allocated() {
    let (ran, nodes) = run_node_group("scheduler_least_allocated", "LeastAllocated", |_, r| {
        least_allocated(r)
    });
    assert_eq!((ran, nodes), (9, 18));
}

#[test]
fn scheduler_most_allocated() {
    let (ran, nodes) = run_node_group("scheduler_most_allocated", "MostAllocated", |_, r| {
        most_allocated(r)
    });
    assert_eq!((ran, nodes), (8, 16));
}

#[test]
fn scheduler_requested_to_capacity_ratio() {
    let (ran, nodes) = run_node_group(
        "scheduler_requested_to_capacity_ratio",
        "RequestedToCapacityRatio",
        |v, r| requested_to_capacity_ratio(r, &shape(v, name(v))),
    );
    assert_eq!((ran, nodes), (6, 12));
}

#[test]
fn scheduler_balanced_allocation() {
    let group = "scheduler_balanced_allocation";
    let vs = vectors(group);
    let mut ran = 0;
    let mut failures = Vec::new();
    for v in &vs {
        let test = name(v);
        if let Some(pod) = v["input"].get("pod_requests") {
            // PreScore vector: the plugin is skipped for a best-effort pod.
            let pod = obj(pod, "pod_requests", test);
            let requests = [lookup(pod, "cpu", test), lookup(pod, "memory", test)];
            let skipped = is_best_effort(&requests);
            let want = v["expected"]["prescore_status"].as_str() == Some("Skip");
            if skipped != want {
                failures.push(format!("{test}: skip {skipped}, want {want}"));
            }
        } else {
            assert_eq!(
                v["input"]["strategy"].as_str(),
                Some("BalancedAllocation"),
                "{test}"
            );
            let expected = obj(&v["expected"], "expected", test);
            let nodes = v["input"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{test}: no nodes"));
            assert_eq!(
                nodes.len(),
                expected.len(),
                "{test}: one expectation per node"
            );
            for node in nodes {
                let (node_name, uses) = node_resources(v, node, test);
                // Balanced ignores weights; they are all 1 in the vectors anyway.
                let uses: Vec<ResourceUse> = uses.into_iter().map(|(u, _)| u).collect();
                let want = int(&expected[&node_name], &node_name, test);
                let got = balanced_allocation(&uses);
                if got != want {
                    failures.push(format!("{test} [{node_name}]: got {got}, want {want}"));
                }
            }
        }
        ran += 1;
    }
    assert!(
        failures.is_empty(),
        "{group} failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(ran, vs.len(), "{group}: every vector runs");
    assert_eq!(ran, 7);
}

#[test]
fn scheduler_broken_linear_function() {
    let group = "scheduler_broken_linear_function";
    let vs = vectors(group);
    let mut ran = 0;
    let mut points_checked = 0;
    let mut failures = Vec::new();
    for v in &vs {
        let test = name(v);
        let points: Vec<(i64, i64)> = v["input"]["points"]
            .as_array()
            .unwrap_or_else(|| panic!("{test}: no points"))
            .iter()
            .map(|p| {
                (
                    int(&p["utilization"], "utilization", test),
                    int(&p["score"], "score", test),
                )
            })
            .collect();
        for (util, want) in obj(&v["expected"], "expected", test) {
            let p: i64 = util
                .parse()
                .unwrap_or_else(|_| panic!("{test}: utilization key {util}"));
            let want = int(want, util, test);
            let got = broken_linear_function(&points, p);
            if got != want {
                failures.push(format!("{test} f({p}): got {got}, want {want}"));
            }
            points_checked += 1;
        }
        ran += 1;
    }
    assert!(
        failures.is_empty(),
        "{group} failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(ran, vs.len(), "{group}: every vector runs");
    // Section 4.12 of k8s-algorithms.md: 3 shapes, 28 points.
    assert_eq!((ran, points_checked), (3, 28));
}

/// The MostAllocated vector "nonzero request for resource" gives totals with
/// the non-zero defaults already applied (node1: 2 pods + the incoming one,
/// all without requests). Rebuild those totals from pods with the helper, in
/// real units (millicores, bytes), and check the same scores.
#[test]
fn most_allocated_non_zero_vector_rebuilt_from_pods() {
    use kubesim::scheduler::score::{ContainerRequests, RequestMode, pod_requests};
    const MI: i64 = 1024 * 1024;
    let no_requests = [ContainerRequests::default()];
    let per_pod = pod_requests(
        &no_requests,
        &[],
        CpuMemory::default(),
        RequestMode::NonZero,
    );
    assert_eq!(per_pod, CpuMemory::new(100, 200 * MI));
    let score = |pods: i64| {
        most_allocated(&[
            (ResourceUse::new(pods * per_pod.milli_cpu, 250), 1),
            (ResourceUse::new(pods * per_pod.memory_bytes, 1000 * MI), 1),
        ])
    };
    // node1: cpu 300m clamped to 250m -> 100, memory 600/1000 -> 60: 80.
    assert_eq!(score(3), 80);
    // node2: only the incoming pod: 100/250 -> 40, 200/1000 -> 20: 30.
    assert_eq!(score(1), 30);
    // The filter uses actual requests: the same pod requests nothing.
    assert_eq!(
        pod_requests(&no_requests, &[], CpuMemory::default(), RequestMode::Actual),
        CpuMemory::default()
    );
}
