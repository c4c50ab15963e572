//! From a node tree to a validated [`Scenario`]: field names, types,
//! defaults, references between parts and limits. Every problem is
//! collected; a scenario is returned only if there were none.

use super::check::{Cx, Obj};
use super::node::{Loc, Node, Value};
use super::quantity::Problem;
use super::suggest::{did_you_mean, suggest};
use super::*;
use crate::dist::Dist;
use crate::engine::SimDuration;
use crate::units::{Bytes, IntOrPercent, MilliCpu};
use std::collections::HashMap;

const TOP: &[&str] = &[
    "name",
    "duration",
    "seed",
    "sample_interval",
    "cluster",
    "workloads",
    "events",
    "manifests",
    "overrides",
    "jobs",
];
const CLUSTER: &[&str] = &["zones", "node_pools", "control_plane", "zone_failure"];
const POOL: &[&str] = &[
    "name",
    "count",
    "zones",
    "cpu",
    "memory",
    "max_pods",
    "labels",
    "taints",
    "failure",
    "autoscaling",
    "racks",
    "correlated_failure",
    "spot",
    "cost_per_hour",
    "priority",
];
const CONTROL_PLANE: &[&str] = &[
    "node_monitor_grace_period",
    "node_monitor_period",
    "node_lease_renew_interval",
    "default_toleration_seconds",
    "watch_latency",
    "scheduler",
    "cluster_autoscaler",
];
const WORKLOAD: &[&str] = &[
    "name",
    "replicas",
    "cpu",
    "memory",
    "priority",
    "preemption_policy",
    "startup_time",
    "termination_grace",
    "min_ready_seconds",
    "progress_deadline",
    "strategy",
    "node_selector",
    "tolerations",
    "spread",
    "affinity",
    "anti_affinity",
    "pdb",
    "slo",
    "crash",
    "readiness",
    "hang",
    "traffic",
    "hpa",
    "scale_to_zero",
];
const EVENT_ACTIONS: &[&str] = &[
    "scale",
    "rollout",
    "zone_outage",
    "node_failure",
    "node_pool_upgrade",
    "drain",
    "partition",
    "control_plane_outage",
];
const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Names of things events and selectors refer to, read before anything
/// else so references resolve even when other parts have errors.
struct Names {
    /// Cluster zones as written (`default` when not given).
    zone_list: Vec<String>,
    zones: NameList,
    pools: NameList,
    workloads: NameList,
    /// Largest `scale` event replicas per workload name, so the slo check
    /// knows how far a workload is scaled up during the run.
    scaled_to: HashMap<String, u32>,
}

/// Names of a list's items by index, with a lookup table (lists may be
/// long; references are resolved in constant time).
struct NameList {
    /// By index; None where the item has no usable name.
    names: Vec<Option<String>>,
    /// Name -> index of its first use.
    index: HashMap<String, usize>,
}

impl NameList {
    fn new(names: Vec<Option<String>>) -> NameList {
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            if let Some(n) = n {
                index.entry(n.clone()).or_insert(i);
            }
        }
        NameList { names, index }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn valid(&self) -> Vec<&str> {
        self.names.iter().flatten().map(String::as_str).collect()
    }
}

/// Resolves a whole scenario. `default_name` is used when the file has no
/// `name`.
pub(crate) fn resolve(cx: &mut Cx, root: &Node, default_name: &str) -> Option<Scenario> {
    let top = cx.obj(root, "", TOP)?;
    let name = cx.or(&top, "name", default_name.to_string(), Cx::name);
    let duration = cx.req(&top, "duration", |cx, n, p| {
        let d = cx.positive_duration(n, p)?;
        if d > MAX_DURATION {
            cx.report(
                n.loc,
                p,
                Problem::new(format!(
                    "duration {d} is longer than the limit of {MAX_DURATION} (10 years)"
                )),
            );
            return None;
        }
        Some(d)
    });
    let seed = cx.or(&top, "seed", 1, Cx::u64);
    let sample_interval = cx.opt(&top, "sample_interval", Cx::positive_duration);

    let mut names = read_names(&top);
    let cluster = match top.get("cluster") {
        Some(n) => resolve_cluster(cx, n, "cluster", &names),
        None => {
            cx.err(top.loc, "", "missing field `cluster`");
            None
        }
    };
    let largest = largest_node(cluster.as_ref());
    // Workloads from `manifests` follow the hand-written ones; events and
    // affinity terms may name them.
    let imported = super::imports::read(cx, &top);
    let hand_written = names.workloads.names.len();
    let mut all_names = names.workloads.names.clone();
    all_names.extend(imported.iter().map(|w| Some(w.name.clone())));
    names.workloads = NameList::new(all_names);
    let workloads = match top.get("workloads") {
        Some(n) => {
            // `cx.list` visits items in order; the index names the workload
            // itself in affinity terms that leave `workload` out.
            let mut index = 0;
            cx.list(n, "workloads", |cx, n, p| {
                index += 1;
                resolve_workload(cx, n, p, index - 1, &names, cluster.as_ref(), largest)
            })
        }
        None => Some(Vec::new()),
    };
    check_unique(cx, &top, "workloads", "workload");
    let mut from_manifests = Some(Vec::new());
    for (i, w) in imported.iter().enumerate() {
        let r = resolve_workload(
            cx,
            &w.node,
            &w.path,
            hand_written + i,
            &names,
            cluster.as_ref(),
            largest,
        );
        match (&mut from_manifests, r) {
            (Some(ws), Some(r)) => ws.push(r),
            _ => from_manifests = None,
        }
    }
    let workloads = workloads.zip(from_manifests).map(|(mut w, m)| {
        w.extend(m);
        w
    });
    let jcx = super::resolve_jobs::JobContext {
        workload_names: &names.workloads.names,
        cluster: cluster.as_ref(),
        largest,
        duration,
    };
    let jobs = match top.get("jobs") {
        Some(n) => cx.list(n, "jobs", |cx, n, p| {
            super::resolve_jobs::resolve_job_class(cx, n, p, &jcx)
        }),
        None => Some(Vec::new()),
    };
    check_unique(cx, &top, "jobs", "job class");
    if let (Some(jobs), Some(d)) = (&jobs, duration) {
        super::resolve_jobs::check_job_totals(cx, &top, jobs, d);
    }
    let mut events = match top.get("events") {
        Some(n) => cx.list(n, "events", |cx, n, p| {
            resolve_event(cx, n, p, &names, cluster.as_ref(), largest, duration)
        }),
        None => Some(Vec::new()),
    };
    if let Some(events) = &mut events {
        // Stable: equal times keep file order.
        events.sort_by_key(|e| e.at);
    }

    // Rows of timeseries.csv: default spacing gives about 1000 rows.
    let sample_interval = match (duration, sample_interval) {
        (Some(d), Some(None)) => Some(SimDuration::from_secs(
            ((d.as_millis() + 500_000) / 1_000_000).max(1),
        )),
        (Some(d), Some(Some(s))) => {
            let rows = d.as_millis() / s.as_millis().max(1);
            if rows > MAX_SAMPLES {
                cx.report(
                    top.key_loc("sample_interval"),
                    "sample_interval",
                    Problem::new(format!(
                        "{s} over a duration of {d} gives {rows} samples, more than the limit of \
                         {MAX_SAMPLES}"
                    ))
                    .hint(format!(
                        "use a sample_interval of at least {}",
                        SimDuration(d.as_millis().div_ceil(MAX_SAMPLES))
                    )),
                );
                None
            } else {
                Some(s)
            }
        }
        _ => None,
    };

    if let (Some(cluster), Some(workloads), Some(events)) = (&cluster, &workloads, &events) {
        check_totals(cx, &top, cluster, workloads, events);
    }
    if cx.errors() > 0 {
        return None;
    }
    Some(Scenario {
        name: name?,
        duration: duration?,
        seed: seed?,
        sample_interval: sample_interval?,
        cluster: cluster?,
        workloads: workloads?,
        events: events?,
        jobs: jobs?,
    })
}

fn read_names(top: &Obj) -> Names {
    let name_of = |item: &Node| match &item.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == "name")
            .and_then(|(_, v)| v.scalar_text()),
        _ => None,
    };
    let list_names = |n: Option<&Node>| match n.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().map(name_of).collect(),
        _ => Vec::new(),
    };
    let cluster = top.get("cluster");
    let cluster_field = |key: &str| match cluster.map(|c| &c.value) {
        Some(Value::Map(entries)) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
    };
    let zone_list: Vec<String> = match cluster_field("zones").map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::scalar_text).collect(),
        _ => vec!["default".to_string()],
    };
    let mut scaled_to: HashMap<String, u32> = HashMap::new();
    if let Some(Value::Seq(events)) = top.get("events").map(|n| &n.value) {
        for e in events {
            let field = |n: &Node, key: &str| match &n.value {
                Value::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k.name == key)
                    .map(|(_, v)| v.clone()),
                _ => None,
            };
            let Some(scale) = field(e, "scale") else {
                continue;
            };
            let workload = field(&scale, "workload").and_then(|n| n.scalar_text());
            let replicas = field(&scale, "replicas").and_then(|n| match n.value {
                Value::Int(i) => u32::try_from(i).ok(),
                _ => None,
            });
            if let (Some(w), Some(r)) = (workload, replicas) {
                let m = scaled_to.entry(w).or_insert(0);
                *m = (*m).max(r);
            }
        }
    }
    Names {
        scaled_to,
        zones: NameList::new(zone_list.iter().cloned().map(Some).collect()),
        zone_list,
        pools: NameList::new(list_names(cluster_field("node_pools"))),
        workloads: NameList::new(list_names(top.get("workloads"))),
    }
}

/// Reports names used twice in the list at `key` of `o`.
fn check_unique(cx: &mut Cx, o: &Obj, key: &str, what: &str) {
    let Some(Value::Seq(items)) = o.get(key).map(|n| &n.value) else {
        return;
    };
    let mut seen: HashMap<String, Loc> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Map(entries) = &item.value else {
            continue;
        };
        let Some((_, v)) = entries.iter().find(|(k, _)| k.name == "name") else {
            continue;
        };
        let Some(name) = v.scalar_text() else {
            continue;
        };
        if let Some(first) = seen.get(&name) {
            let hint = match first {
                Loc::File { line, .. } => {
                    format!("first defined at line {line}; names must be unique")
                }
                _ => "names must be unique".to_string(),
            };
            cx.report(
                v.loc,
                &format!("{}[{i}].name", o.path(key)),
                Problem::new(format!("duplicate {what} name `{name}`")).hint(hint),
            );
        } else {
            seen.insert(name, v.loc);
        }
    }
}

/// Resolves a reference to a named item, suggesting the nearest name.
fn reference(cx: &mut Cx, n: &Node, path: &str, what: &str, names: &NameList) -> Option<usize> {
    let name = cx.string(n, path)?;
    if let Some(i) = names.find(&name) {
        return Some(i);
    }
    let hint = if cx.saturated() {
        // Past the report limit nothing more is shown: skip the search.
        None
    } else {
        let valid = names.valid();
        Some(
            did_you_mean(&name, valid.iter().copied()).unwrap_or_else(|| {
                if valid.is_empty() {
                    format!("no {what}s are defined")
                } else {
                    format!("defined {what}s: {}", valid.join(", "))
                }
            }),
        )
    };
    cx.report(
        n.loc,
        path,
        Problem {
            message: format!("unknown {what} `{name}`"),
            hint,
        },
    );
    None
}

fn zone_ref(cx: &mut Cx, n: &Node, path: &str, names: &Names) -> Option<usize> {
    reference(cx, n, path, "zone", &names.zones)
}

// ---------------------------------------------------------------- cluster

fn resolve_cluster(cx: &mut Cx, n: &Node, path: &str, names: &Names) -> Option<Cluster> {
    let o = cx.obj(n, path, CLUSTER)?;
    let zones = cx.opt(&o, "zones", |cx, n, p| {
        let z = cx.names(n, p)?;
        if z.is_empty() {
            cx.report(
                n.loc,
                p,
                Problem::new("at least one zone is needed")
                    .hint("leave `zones` out for a single zone named `default`"),
            );
            return None;
        }
        Some(z)
    });
    let zones = zones.map(|z| z.unwrap_or_else(|| vec!["default".to_string()]));
    let pools = cx.req(&o, "node_pools", |cx, n, p| {
        let pools = cx.list(n, p, |cx, n, p| resolve_pool(cx, n, p, names))?;
        if pools.is_empty() {
            cx.err(n.loc, p, "at least one node pool is needed");
            return None;
        }
        Some(pools)
    });
    check_unique(cx, &o, "node_pools", "node pool");
    let control_plane = match o.get("control_plane") {
        Some(n) => resolve_control_plane(cx, n, &o.path("control_plane")),
        None => Some(ControlPlane::default()),
    };
    let zone_failure = cx.opt(&o, "zone_failure", failure_process);
    Some(Cluster {
        zones: zones?,
        node_pools: pools?,
        control_plane: control_plane?,
        zone_failure: zone_failure?,
    })
}

/// A node count, refused above [`MAX_NODES`].
fn within_node_limit(cx: &mut Cx, n: &Node, p: &str, count: u32) -> Option<u32> {
    if u64::from(count) > MAX_NODES {
        cx.err(
            n.loc,
            p,
            format!("{count} nodes is more than the limit of {MAX_NODES} nodes"),
        );
        return None;
    }
    Some(count)
}

fn resolve_pool(cx: &mut Cx, n: &Node, path: &str, names: &Names) -> Option<NodePool> {
    let o = cx.obj(n, path, POOL)?;
    let name = cx.req(&o, "name", Cx::name);
    let count = cx.req(&o, "count", |cx, n, p| {
        let c = cx.u32(n, p)?;
        within_node_limit(cx, n, p, c)
    });
    let zones = cx.opt(&o, "zones", |cx, n, p| {
        let z = cx.names(n, p)?;
        if z.is_empty() {
            cx.report(
                n.loc,
                p,
                Problem::new("at least one zone is needed")
                    .hint("leave `zones` out to use every cluster zone"),
            );
            return None;
        }
        let Value::Seq(items) = &n.value else {
            return None;
        };
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            ok &= zone_ref(cx, item, &format!("{p}[{i}]"), names).is_some();
        }
        ok.then_some(z)
    });
    let zones = zones.map(|z| z.unwrap_or_else(|| names.zone_list.clone()));
    let cpu = cx.req(&o, "cpu", |cx, n, p| {
        let c = cx.cpu(n, p)?;
        if c.0 == 0 {
            cx.err(n.loc, p, "a node needs more than 0 cpu");
            return None;
        }
        Some(c)
    });
    let memory = cx.req(&o, "memory", |cx, n, p| {
        let m = cx.memory(n, p)?;
        if m.0 == 0 {
            cx.err(n.loc, p, "a node needs more than 0 memory");
            return None;
        }
        Some(m)
    });
    let max_pods = cx.or(&o, "max_pods", 110, Cx::positive_u32);
    let labels = cx.or(&o, "labels", Default::default(), Cx::string_map);
    let taints = cx.or(&o, "taints", Vec::new(), |cx, n, p| {
        cx.list(n, p, resolve_taint)
    });
    let failure = cx.opt(&o, "failure", failure_process);
    let racks = cx.or(&o, "racks", 1, Cx::positive_u32);
    let correlated_failure = cx.opt(&o, "correlated_failure", |cx, n, p| {
        let f = cx.obj(n, p, &["domain", "mttf", "mttr"])?;
        let domain = cx.req(&f, "domain", |cx, n, p| {
            Some(match cx.choice(n, p, &["rack", "pool"])? {
                "rack" => FailureDomain::Rack,
                _ => FailureDomain::Pool,
            })
        });
        let mttf = cx.req(&f, "mttf", |cx, n, p| cx.positive_dist(n, p, true));
        let mttr = cx.req(&f, "mttr", |cx, n, p| cx.positive_dist(n, p, true));
        Some(CorrelatedFailure {
            domain: domain?,
            process: FailureProcess {
                mttf: mttf?,
                mttr: mttr?,
            },
        })
    });
    let spot = cx.opt(&o, "spot", |cx, n, p| {
        let f = cx.obj(n, p, &["mttf", "notice", "replace_after"])?;
        let mttf = cx.req(&f, "mttf", |cx, n, p| cx.positive_dist(n, p, true));
        let notice = cx.or(&f, "notice", SimDuration::from_secs(120), Cx::duration);
        let replace_after = cx.or(
            &f,
            "replace_after",
            Dist::Fixed(SimDuration::from_secs(300)),
            |cx, n, p| cx.dist(n, p, false),
        );
        Some(Spot {
            mttf: mttf?,
            notice: notice?,
            replace_after: replace_after?,
        })
    });
    let autoscaling = cx.opt(&o, "autoscaling", |cx, n, p| {
        let a = cx.obj(n, p, &["min", "max", "provision_time"])?;
        let min = cx.req(&a, "min", Cx::u32);
        let max = cx.req(&a, "max", |cx, n, p| {
            let m = cx.positive_u32(n, p)?;
            within_node_limit(cx, n, p, m)
        });
        let provision_time = cx.or(
            &a,
            "provision_time",
            Dist::Fixed(SimDuration::from_secs(120)),
            |cx, n, p| cx.dist(n, p, false),
        );
        let (min, max) = (min?, max?);
        if min > max {
            cx.err(
                a.key_loc("min"),
                &a.path("min"),
                format!("min ({min}) is more than max ({max})"),
            );
            return None;
        }
        Some(PoolAutoscaling {
            min,
            max,
            provision_time: provision_time?,
        })
    });
    let cost_per_hour = cx.or(&o, "cost_per_hour", 0.0, |cx, n, p| {
        cx.f64_in(n, p, 0.0, 1e9)
    });
    let priority = cx.or(&o, "priority", 0, Cx::i32);
    if let (Some(c), Some(Some(a))) = (count, &autoscaling)
        && !(a.min..=a.max).contains(&c)
    {
        cx.report(
            o.key_loc("count"),
            &o.path("count"),
            Problem::new(format!(
                "count {c} is outside the autoscaling range {}..={}",
                a.min, a.max
            ))
            .hint("the initial count must lie between autoscaling.min and autoscaling.max"),
        );
    }
    Some(NodePool {
        name: name?,
        count: count?,
        zones: zones?,
        cpu: cpu?,
        memory: memory?,
        max_pods: max_pods?,
        labels: labels?,
        taints: taints?,
        failure: failure?,
        autoscaling: autoscaling?,
        racks: racks?,
        correlated_failure: correlated_failure?,
        spot: spot?,
        cost_per_hour: cost_per_hour?,
        priority: priority?,
    })
}

/// `{mttf, mttr}`: bare durations are exponential means.
fn failure_process(cx: &mut Cx, n: &Node, p: &str) -> Option<FailureProcess> {
    let f = cx.obj(n, p, &["mttf", "mttr"])?;
    let mttf = cx.req(&f, "mttf", |cx, n, p| cx.positive_dist(n, p, true));
    let mttr = cx.req(&f, "mttr", |cx, n, p| cx.positive_dist(n, p, true));
    Some(FailureProcess {
        mttf: mttf?,
        mttr: mttr?,
    })
}

fn effect(cx: &mut Cx, n: &Node, path: &str) -> Option<TaintEffect> {
    Some(match cx.choice(n, path, TAINT_EFFECTS)? {
        "NoSchedule" => TaintEffect::NoSchedule,
        "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
        _ => TaintEffect::NoExecute,
    })
}

fn resolve_taint(cx: &mut Cx, n: &Node, path: &str) -> Option<Taint> {
    let o = cx.obj(n, path, &["key", "value", "effect"])?;
    let key = cx.req(&o, "key", |cx, n, p| {
        let k = cx.string(n, p)?;
        if k.is_empty() {
            cx.err(n.loc, p, "a taint key cannot be empty");
            return None;
        }
        Some(k)
    });
    let value = cx.or(&o, "value", String::new(), Cx::string);
    let effect = cx.req(&o, "effect", effect);
    Some(Taint {
        key: key?,
        value: value?,
        effect: effect?,
    })
}

fn resolve_control_plane(cx: &mut Cx, n: &Node, path: &str) -> Option<ControlPlane> {
    let d = ControlPlane::default();
    let o = cx.obj(n, path, CONTROL_PLANE)?;
    // Periods drive periodic work: zero would loop forever at one instant.
    let grace = cx.or(
        &o,
        "node_monitor_grace_period",
        d.node_monitor_grace_period,
        Cx::positive_duration,
    );
    let period = cx.or(
        &o,
        "node_monitor_period",
        d.node_monitor_period,
        Cx::positive_duration,
    );
    let lease = cx.or(
        &o,
        "node_lease_renew_interval",
        d.node_lease_renew_interval,
        Cx::positive_duration,
    );
    let toleration = cx.or(
        &o,
        "default_toleration_seconds",
        d.default_toleration_seconds,
        Cx::seconds,
    );
    let watch = cx.or(&o, "watch_latency", d.watch_latency, Cx::duration);
    let scheduler = cx.or(&o, "scheduler", d.scheduler, |cx, n, p| {
        let s = cx.obj(n, p, &["score", "percentage_of_nodes_to_score"])?;
        let score = cx.or(&s, "score", ScoreStrategy::LeastAllocated, score_strategy);
        let percentage = cx.or(&s, "percentage_of_nodes_to_score", 0, percentage_to_score);
        Some(SchedulerConfig {
            score: score?,
            percentage_of_nodes_to_score: percentage?,
        })
    });
    let cluster_autoscaler = cx.or(
        &o,
        "cluster_autoscaler",
        d.cluster_autoscaler,
        resolve_cluster_autoscaler,
    );
    Some(ControlPlane {
        node_monitor_grace_period: grace?,
        node_monitor_period: period?,
        node_lease_renew_interval: lease?,
        default_toleration_seconds: toleration?,
        watch_latency: watch?,
        scheduler: scheduler?,
        cluster_autoscaler: cluster_autoscaler?,
    })
}

/// `cluster_autoscaler: {...}`: upstream flag names in snake_case, upstream
/// defaults. `scale_down_delay_after_delete` defaults to the scan interval,
/// as upstream's 0 means.
fn resolve_cluster_autoscaler(
    cx: &mut Cx,
    n: &Node,
    path: &str,
) -> Option<ClusterAutoscalerConfig> {
    let d = ClusterAutoscalerConfig::default();
    let o = cx.obj(
        n,
        path,
        &[
            "scan_interval",
            "expander",
            "scale_down_enabled",
            "scale_down_utilization_threshold",
            "scale_down_unneeded_time",
            "scale_down_delay_after_add",
            "scale_down_delay_after_delete",
            "scale_down_delay_after_failure",
            "max_pod_eviction_time",
        ],
    )?;
    let scan = cx.or(&o, "scan_interval", d.scan_interval, Cx::positive_duration);
    let expander = cx.or(&o, "expander", d.expander, |cx, n, p| {
        Some(
            match cx.choice(n, p, &["random", "least_waste", "most_pods", "priority"])? {
                "random" => Expander::Random,
                "least_waste" => Expander::LeastWaste,
                "most_pods" => Expander::MostPods,
                _ => Expander::Priority,
            },
        )
    });
    let enabled = cx.or(&o, "scale_down_enabled", true, Cx::bool);
    let threshold = cx.or(
        &o,
        "scale_down_utilization_threshold",
        d.scale_down_utilization_threshold,
        |cx, n, p| cx.f64_in(n, p, 0.0, 1.0),
    );
    let unneeded = cx.or(
        &o,
        "scale_down_unneeded_time",
        d.scale_down_unneeded_time,
        Cx::duration,
    );
    let after_add = cx.or(
        &o,
        "scale_down_delay_after_add",
        d.scale_down_delay_after_add,
        Cx::duration,
    );
    let after_delete = cx.opt(&o, "scale_down_delay_after_delete", Cx::duration);
    let after_failure = cx.or(
        &o,
        "scale_down_delay_after_failure",
        d.scale_down_delay_after_failure,
        Cx::duration,
    );
    let eviction = cx.or(
        &o,
        "max_pod_eviction_time",
        d.max_pod_eviction_time,
        Cx::positive_duration,
    );
    let scan = scan?;
    Some(ClusterAutoscalerConfig {
        scan_interval: scan,
        expander: expander?,
        scale_down_enabled: enabled?,
        scale_down_utilization_threshold: threshold?,
        scale_down_unneeded_time: unneeded?,
        scale_down_delay_after_add: after_add?,
        scale_down_delay_after_delete: after_delete?.unwrap_or(scan),
        scale_down_delay_after_failure: after_failure?,
        max_pod_eviction_time: eviction?,
    })
}

/// `least_allocated`, `most_allocated`, or
/// `{requested_to_capacity_ratio: {shape: [{utilization: 0, score: 10}, ...]}}`
/// with utilization in 0..=100 strictly ascending and score in 0..=10
/// (upstream's limits).
fn score_strategy(cx: &mut Cx, n: &Node, path: &str) -> Option<ScoreStrategy> {
    const FORMS: &[&str] = &[
        "least_allocated",
        "most_allocated",
        "requested_to_capacity_ratio",
    ];
    if let Value::Str(_) = n.value {
        return match cx.choice(n, path, FORMS)? {
            "least_allocated" => Some(ScoreStrategy::LeastAllocated),
            "most_allocated" => Some(ScoreStrategy::MostAllocated),
            _ => {
                cx.report(
                    n.loc,
                    path,
                    Problem::new("requested_to_capacity_ratio needs a shape").hint(
                        "write {requested_to_capacity_ratio: {shape: [{utilization: 0, score: 10}, \
                         {utilization: 100, score: 0}]}}",
                    ),
                );
                None
            }
        };
    }
    let o = cx.obj(n, path, &["requested_to_capacity_ratio"])?;
    let Some(rn) = o.get("requested_to_capacity_ratio") else {
        cx.err(o.loc, path, "missing field `requested_to_capacity_ratio`");
        return None;
    };
    let r = cx.obj(rn, &o.path("requested_to_capacity_ratio"), &["shape"])?;
    let shape = cx.req(&r, "shape", |cx, n, p| {
        let pts = cx.list(n, p, |cx, n, p| {
            let pt = cx.obj(n, p, &["utilization", "score"])?;
            let u = cx.req(&pt, "utilization", |cx, n, p| bounded_u32(cx, n, p, 100));
            let s = cx.req(&pt, "score", |cx, n, p| bounded_u32(cx, n, p, 10));
            Some((u?, s?, n.loc, p.to_string()))
        })?;
        if pts.is_empty() {
            cx.err(n.loc, p, "the shape needs at least one point");
            return None;
        }
        for w in pts.windows(2) {
            if w[1].0 <= w[0].0 {
                cx.err(
                    w[1].2,
                    &format!("{}.utilization", w[1].3),
                    "utilization values must be strictly ascending",
                );
                return None;
            }
        }
        Some(pts.into_iter().map(|(u, s, _, _)| (u, s)).collect())
    })?;
    Some(ScoreStrategy::RequestedToCapacityRatio { shape })
}

/// `percentage_of_nodes_to_score`: `30` or `30%`, 0..=100 (upstream's
/// validation range); 0 means adaptive. The field name carries the unit, so
/// a bare number is accepted, unlike other percentages.
fn percentage_to_score(cx: &mut Cx, n: &Node, path: &str) -> Option<u32> {
    let v = match n.value {
        Value::Int(_) => cx.u32(n, path)?,
        _ => cx.percent(n, path)?,
    };
    if v > 100 {
        cx.report(
            n.loc,
            path,
            Problem::new(format!("must be between 0 and 100, got {v}"))
                .hint("0 is the adaptive default: 50% less 1% per 125 nodes, at least 5%"),
        );
        return None;
    }
    Some(v)
}

fn bounded_u32(cx: &mut Cx, n: &Node, path: &str, max: u32) -> Option<u32> {
    let v = cx.u32(n, path)?;
    if v > max {
        cx.err(n.loc, path, format!("must be between 0 and {max}, got {v}"));
        return None;
    }
    Some(v)
}

// -------------------------------------------------------------- workloads

fn resolve_workload(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    index: usize,
    names: &Names,
    cluster: Option<&Cluster>,
    largest: Option<(MilliCpu, Bytes)>,
) -> Option<Workload> {
    let o = cx.obj(n, path, WORKLOAD)?;
    let name = cx.req(&o, "name", Cx::name);
    let replicas = cx.or(&o, "replicas", 1, Cx::u32);
    let cpu = cx.req(&o, "cpu", Cx::cpu);
    let memory = cx.req(&o, "memory", Cx::memory);
    check_fits(cx, &o, largest, cpu, memory);
    let priority = cx.or(&o, "priority", 0, Cx::i32);
    let preemption_policy = cx.or(
        &o,
        "preemption_policy",
        PreemptionPolicy::PreemptLowerPriority,
        |cx, n, p| match cx.choice(n, p, &["preempt_lower_priority", "never"])? {
            "never" => Some(PreemptionPolicy::Never),
            _ => Some(PreemptionPolicy::PreemptLowerPriority),
        },
    );
    let startup_time = cx.or(
        &o,
        "startup_time",
        Dist::Fixed(SimDuration::ZERO),
        |cx, n, p| cx.dist(n, p, false),
    );
    let termination_grace = cx.or(
        &o,
        "termination_grace",
        SimDuration::from_secs(30),
        Cx::duration,
    );
    let min_ready_seconds = cx.or(&o, "min_ready_seconds", SimDuration::ZERO, Cx::seconds);
    let progress_deadline = cx.or(
        &o,
        "progress_deadline",
        DEFAULT_PROGRESS_DEADLINE,
        |cx, n, p| whole_seconds(cx, n, p, 1),
    );
    // Upstream ValidateDeploymentSpec: progressDeadlineSeconds must be
    // greater than minReadySeconds.
    if let (Some(deadline), Some(min_ready)) = (progress_deadline, min_ready_seconds)
        && deadline <= min_ready
    {
        let hint = "a pod counts as progress only once it has been ready for min_ready_seconds";
        if o.has("progress_deadline") {
            cx.report(
                o.key_loc("progress_deadline"),
                &o.path("progress_deadline"),
                Problem::new(format!(
                    "progress_deadline {deadline} must be greater than min_ready_seconds {min_ready}"
                ))
                .hint(hint),
            );
        } else {
            cx.report(
                o.key_loc("min_ready_seconds"),
                &o.path("min_ready_seconds"),
                Problem::new(format!(
                    "min_ready_seconds {min_ready} must be less than progress_deadline \
                     (default {deadline})"
                ))
                .hint(format!("{hint}; raise progress_deadline")),
            );
        }
    }
    let strategy = cx.or(&o, "strategy", Strategy::default(), resolve_strategy);
    let node_selector = cx.or(&o, "node_selector", Default::default(), |cx, n, p| {
        let sel = cx.string_map(n, p)?;
        check_selector(cx, n, p, &sel, cluster);
        Some(sel)
    });
    let tolerations = cx.or(&o, "tolerations", Vec::new(), |cx, n, p| {
        cx.list(n, p, resolve_toleration)
    });
    let spread = cx.or(&o, "spread", Vec::new(), resolve_spread_list);
    let affinity = cx.or(&o, "affinity", Affinity::default(), |cx, n, p| {
        resolve_affinity(cx, n, p, index, names, cluster)
    });
    // The shorthand is one more anti-affinity term on the workload itself;
    // `required: false` makes it preferred with the highest weight.
    let anti_affinity = cx.opt(&o, "anti_affinity", |cx, n, p| {
        let a = cx.obj(n, p, &["topology", "required"])?;
        let topology = cx.req(&a, "topology", topology);
        let required = cx.or(&a, "required", true, Cx::bool);
        Some(PodAffinityTerm {
            workload: index,
            topology: topology?,
            weight: if required? { None } else { Some(100) },
        })
    });
    let affinity = match (affinity, anti_affinity) {
        (Some(mut a), Some(shorthand)) => {
            a.pod_anti_affinity.extend(shorthand);
            Some(a)
        }
        _ => None,
    };
    let pdb = cx.opt(&o, "pdb", resolve_pdb);
    let mut slo_target = Some(None);
    let slo_min_ready = cx.opt(&o, "slo", |cx, n, p| {
        let s = cx.obj(n, p, &["min_ready", "target"])?;
        slo_target = cx.opt(&s, "target", |cx, n, p| {
            let pct = cx.f64_percent(n, p)?;
            if !(pct > 0.0 && pct < 100.0) {
                cx.report(
                    n.loc,
                    p,
                    Problem::new(format!(
                        "an slo target must lie strictly between 0% and 100%, got {pct}%"
                    ))
                    .hint("e.g. target: 99.9%"),
                );
                return None;
            }
            Some(pct / 100.0)
        });
        cx.opt(&s, "min_ready", Cx::u32)
            .map(|v| v.map(|v| (v, s.key_loc("min_ready"), s.path("min_ready"))))
    });
    let crash = cx.opt(&o, "crash", |cx, n, p| {
        let c = cx.obj(n, p, &["mtbf"])?;
        let mtbf = cx.req(&c, "mtbf", |cx, n, p| cx.positive_dist(n, p, true))?;
        Some(CrashProcess { mtbf })
    });
    let readiness = cx.opt(&o, "readiness", resolve_readiness);
    let hang = cx.opt(&o, "hang", |cx, n, p| {
        let h = cx.obj(n, p, &["mtbf", "duration"])?;
        let mtbf = cx.req(&h, "mtbf", |cx, n, p| cx.positive_dist(n, p, true));
        let duration = cx.req(&h, "duration", |cx, n, p| cx.positive_dist(n, p, false));
        Some(HangProcess {
            mtbf: mtbf?,
            duration: duration?,
        })
    });
    // Scale-to-zero tracks its instances as serving or idle by their
    // phase; an instance that hangs is not modelled.
    if o.has("hang") && o.has("scale_to_zero") {
        cx.report(
            o.key_loc("hang"),
            &o.path("hang"),
            Problem::new("hang is not simulated for a scale_to_zero workload")
                .hint("remove hang, or remove scale_to_zero"),
        );
    }
    let traffic = cx.opt(&o, "traffic", super::resolve_traffic::resolve_traffic);
    let hpa = cx.opt(&o, "hpa", super::resolve_traffic::resolve_hpa);
    let scale_to_zero = cx.opt(&o, "scale_to_zero", resolve_scale_to_zero);
    // Checked whether or not scale_to_zero itself is valid, so every
    // problem is reported at once.
    if o.has("scale_to_zero") {
        let at = (o.key_loc("scale_to_zero"), o.path("scale_to_zero"));
        if !o.has("traffic") {
            cx.report(
                at.0,
                &at.1,
                Problem::new("scale_to_zero needs requests: the workload has no traffic").hint(
                    "add traffic: {rate: 5, capacity_per_pod: 100}; rate is requests per second",
                ),
            );
        }
        if o.has("hpa") {
            cx.report(
                at.0,
                &at.1,
                Problem::new("a workload is scaled either by scale_to_zero or by an hpa, not both")
                    .hint("remove hpa, or remove scale_to_zero"),
            );
        }
        // Its requests come from the built-in source of scale_to_zero, which
        // reads only traffic's rate and pattern: traffic routing (requests
        // mode) and fluid noise would be silently ignored.
        if let Some(Some(t)) = &traffic {
            if !matches!(t.mode, TrafficMode::Fluid) {
                cx.report(
                    at.0,
                    &at.1,
                    Problem::new(
                        "a scale_to_zero workload takes its requests from scale_to_zero, not from traffic mode: requests",
                    )
                    .hint("remove traffic.mode and its request fields; set scale_to_zero.service_time"),
                );
            }
            if t.noise {
                cx.report(
                    at.0,
                    &at.1,
                    Problem::new("traffic.noise does not apply to a scale_to_zero workload")
                        .hint("remove traffic.noise; scale_to_zero.arrivals sets poisson or regular arrivals"),
                );
            }
        }
    }
    if let (Some(Some(_)), Some(c)) = (&hpa, cpu)
        && c.0 == 0
    {
        cx.report(
            o.key_loc("hpa"),
            &o.path("hpa"),
            Problem::new("an hpa targets cpu utilization, which needs a cpu request above 0")
                .hint("set the workload's cpu"),
        );
    }

    let slo_given = matches!(slo_min_ready, Some(Some(Some(_))));
    let slo_min_ready = match (slo_min_ready, replicas) {
        (Some(Some(Some((v, loc, p)))), Some(r)) => {
            let hpa_max = match &hpa {
                Some(Some(h)) => h.max,
                _ => 0,
            };
            let scaled = match &name {
                Some(n) => names.scaled_to.get(n).copied().unwrap_or(0),
                None => 0,
            };
            let most = r.max(hpa_max).max(scaled);
            if v > most {
                cx.report(
                    loc,
                    &p,
                    Problem::new(format!(
                        "min_ready {v} is more than the {most} replicas the workload can have, \
                         so the slo could never be met"
                    ))
                    .hint("lower slo.min_ready, or raise replicas, hpa.max or a scale event's replicas"),
                );
                None
            } else {
                Some(v)
            }
        }
        (Some(Some(None) | None), Some(r)) => Some(r),
        _ => None,
    };
    Some(Workload {
        name: name?,
        replicas: replicas?,
        cpu: cpu?,
        memory: memory?,
        priority: priority?,
        preemption_policy: preemption_policy?,
        startup_time: startup_time?,
        termination_grace: termination_grace?,
        min_ready_seconds: min_ready_seconds?,
        progress_deadline: progress_deadline?,
        strategy: strategy?,
        node_selector: node_selector?,
        tolerations: tolerations?,
        spread: spread?,
        affinity: affinity?,
        pdb: pdb?,
        slo_follows_replicas: !slo_given,
        slo_min_ready: slo_min_ready?,
        slo_target: slo_target?,
        crash: crash?,
        readiness: readiness?,
        hang: hang?,
        traffic: traffic?,
        hpa: hpa?,
        scale_to_zero: scale_to_zero?,
        job: false,
    })
}

/// `readiness: {initial_delay, period, success_threshold,
/// failure_threshold}` with upstream's defaults and validation (whole
/// seconds; period and thresholds at least 1).
fn resolve_readiness(cx: &mut Cx, n: &Node, path: &str) -> Option<ReadinessProbe> {
    let o = cx.obj(
        n,
        path,
        &[
            "initial_delay",
            "period",
            "success_threshold",
            "failure_threshold",
        ],
    )?;
    let d = ReadinessProbe::default();
    let initial_delay = cx.or(&o, "initial_delay", d.initial_delay, |cx, n, p| {
        whole_seconds(cx, n, p, 0)
    });
    let period = cx.or(&o, "period", d.period, |cx, n, p| {
        whole_seconds(cx, n, p, 1)
    });
    let success_threshold = cx.or(
        &o,
        "success_threshold",
        d.success_threshold,
        Cx::positive_u32,
    );
    let failure_threshold = cx.or(
        &o,
        "failure_threshold",
        d.failure_threshold,
        Cx::positive_u32,
    );
    Some(ReadinessProbe {
        initial_delay: initial_delay?,
        period: period?,
        success_threshold: success_threshold?,
        failure_threshold: failure_threshold?,
    })
}

/// A duration in whole seconds of at least `min_s` (the upstream field is
/// an integer number of seconds); a bare number is seconds.
fn whole_seconds(cx: &mut Cx, n: &Node, path: &str, min_s: u64) -> Option<SimDuration> {
    let d = cx.seconds(n, path)?;
    if d.as_millis() % 1000 != 0 {
        cx.report(
            n.loc,
            path,
            Problem::new(format!("must be whole seconds, got {d}"))
                .hint("Kubernetes counts this field in seconds"),
        );
        return None;
    }
    if d.as_millis() < min_s * 1000 {
        cx.err(n.loc, path, format!("must be at least {min_s}s, got {d}"));
        return None;
    }
    Some(d)
}

/// The largest node's cpu and memory (each over all pools).
fn largest_node(cluster: Option<&Cluster>) -> Option<(MilliCpu, Bytes)> {
    let pools = &cluster?.node_pools;
    Some((
        pools.iter().map(|p| p.cpu).max()?,
        pools.iter().map(|p| p.memory).max()?,
    ))
}

/// A pod that fits no node type would stay pending forever: almost always
/// a unit slip (`4` instead of `4Gi`, `500` instead of `500m`).
pub(super) fn check_fits(
    cx: &mut Cx,
    o: &Obj,
    largest: Option<(MilliCpu, Bytes)>,
    cpu: Option<MilliCpu>,
    memory: Option<Bytes>,
) {
    let Some((max_cpu, max_mem)) = largest else {
        return;
    };
    if let Some(c) = cpu
        && c > max_cpu
    {
        cx.report(
            o.key_loc("cpu"),
            &o.path("cpu"),
            Problem::new(format!(
                "a pod requests {c} cpu but the largest node has {max_cpu}, so it could never be \
                 scheduled"
            ))
            .hint("cpu is in cores (2, 0.5) or millicores (500m)"),
        );
    }
    if let Some(m) = memory
        && m > max_mem
    {
        cx.report(
            o.key_loc("memory"),
            &o.path("memory"),
            Problem::new(format!(
                "a pod requests {m} memory but the largest node has {max_mem}, so it could never \
                 be scheduled"
            ))
            .hint("memory needs a unit like 512Mi or 4Gi; a bare number is bytes"),
        );
    }
}

/// A selector no pool satisfies leaves every pod pending.
pub(super) fn check_selector(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    sel: &std::collections::BTreeMap<String, String>,
    cluster: Option<&Cluster>,
) {
    let Some(cluster) = cluster else { return };
    if sel.is_empty() {
        return;
    }
    // The hostname label differs per node: assume it may match.
    let matches = cluster.node_pools.iter().any(|p| {
        p.zones.iter().any(|z| {
            sel.iter().all(|(k, v)| match k.as_str() {
                LABEL_HOSTNAME => true,
                LABEL_ZONE => z == v,
                _ => p.labels.get(k) == Some(v),
            })
        })
    });
    if !matches {
        let wanted: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
        cx.report(
            n.loc,
            path,
            Problem::new(format!(
                "no node pool has the labels {}, so no pod could be scheduled",
                wanted.join(", ")
            ))
            .hint("add the labels to a pool's `labels`"),
        );
    }
}

/// Whether some node of some pool may satisfy `term` (hostname
/// expressions are assumed satisfiable).
fn some_pool_may_match(cluster: &Cluster, term: &NodeSelectorTerm) -> bool {
    cluster.node_pools.iter().any(|p| {
        p.zones.iter().any(|z| {
            term.match_expressions.iter().all(|r| {
                r.key == LABEL_HOSTNAME
                    || r.matches(|k| match k {
                        LABEL_ZONE => Some(z.as_str()),
                        _ => p.labels.get(k).map(String::as_str),
                    })
            })
        })
    })
}

fn resolve_strategy(cx: &mut Cx, n: &Node, path: &str) -> Option<Strategy> {
    let o = cx.obj(n, path, &["type", "max_surge", "max_unavailable"])?;
    let kind = cx.or(&o, "type", "rolling_update", |cx, n, p| {
        cx.choice(n, p, &["rolling_update", "recreate"])
    })?;
    if kind == "recreate" {
        let mut ok = true;
        for f in ["max_surge", "max_unavailable"] {
            if o.has(f) {
                cx.report(
                    o.key_loc(f),
                    &o.path(f),
                    Problem::new(format!("`{f}` applies only to type rolling_update"))
                        .hint("remove it, or use type: rolling_update"),
                );
                ok = false;
            }
        }
        return ok.then_some(Strategy::Recreate);
    }
    let quarter = IntOrPercent::Percent(25);
    // Kubernetes allows a surge above 100% but not more than all pods unavailable.
    let surge = cx.or(&o, "max_surge", quarter, |cx, n, p| {
        cx.int_or_percent(n, p, true)
    });
    let unavailable = cx.or(&o, "max_unavailable", quarter, |cx, n, p| {
        cx.int_or_percent(n, p, false)
    });
    let (surge, unavailable) = (surge?, unavailable?);
    let zero = |v: IntOrPercent| matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0));
    if zero(surge) && zero(unavailable) {
        cx.report(
            o.key_loc("max_unavailable"),
            &o.path("max_unavailable"),
            Problem::new("max_unavailable may not be 0 when max_surge is 0").hint(
                "the rollout could never make progress; allow a surge or some unavailability",
            ),
        );
        return None;
    }
    Some(Strategy::RollingUpdate {
        max_surge: surge,
        max_unavailable: unavailable,
    })
}

pub(super) fn resolve_toleration(cx: &mut Cx, n: &Node, path: &str) -> Option<Toleration> {
    let o = cx.obj(
        n,
        path,
        &["key", "operator", "value", "effect", "toleration_seconds"],
    )?;
    let key = cx.or(&o, "key", String::new(), Cx::string);
    let exists = cx.or(&o, "operator", false, |cx, n, p| {
        Some(cx.choice(n, p, &["Equal", "Exists"])? == "Exists")
    });
    let value = cx.or(&o, "value", String::new(), Cx::string);
    let effect = cx.opt(&o, "effect", effect);
    let toleration_seconds = cx.opt(&o, "toleration_seconds", Cx::seconds);
    let (key, exists, value) = (key?, exists?, value?);
    // The same rules as Kubernetes' toleration validation.
    if exists && !value.is_empty() {
        cx.err(
            o.key_loc("value"),
            &o.path("value"),
            "a toleration with operator Exists cannot have a value",
        );
        return None;
    }
    if key.is_empty() && !exists {
        cx.report(
            o.loc,
            path,
            Problem::new("a toleration without a key must use operator Exists")
                .hint("add `operator: Exists` to tolerate every taint, or give a key"),
        );
        return None;
    }
    let (effect, toleration_seconds) = (effect?, toleration_seconds?);
    // Upstream ValidateTolerations: tolerationSeconds needs effect NoExecute.
    if toleration_seconds.is_some() && effect != Some(TaintEffect::NoExecute) {
        cx.report(
            o.key_loc("toleration_seconds"),
            &o.path("toleration_seconds"),
            Problem::new("toleration_seconds needs effect NoExecute")
                .hint("add `effect: NoExecute`, or remove toleration_seconds"),
        );
        return None;
    }
    Some(Toleration {
        key,
        exists,
        value,
        effect,
        toleration_seconds,
    })
}

fn topology(cx: &mut Cx, n: &Node, path: &str) -> Option<Topology> {
    Some(match cx.choice(n, path, &["zone", "hostname"])? {
        "zone" => Topology::Zone,
        _ => Topology::Hostname,
    })
}

fn resolve_spread_list(cx: &mut Cx, n: &Node, path: &str) -> Option<Vec<SpreadConstraint>> {
    let items = cx.list(n, path, |cx, n, p| {
        let o = cx.obj(
            n,
            p,
            &["topology", "max_skew", "when_unsatisfiable", "min_domains"],
        )?;
        let topology = cx.req(&o, "topology", topology);
        let max_skew = cx.or(&o, "max_skew", 1, Cx::positive_u32);
        let do_not_schedule = cx.or(&o, "when_unsatisfiable", true, |cx, n, p| {
            Some(cx.choice(n, p, &["do_not_schedule", "schedule_anyway"])? == "do_not_schedule")
        });
        let min_domains = cx.opt(&o, "min_domains", Cx::positive_u32);
        if let (Some(false), Some(Some(_))) = (do_not_schedule, min_domains) {
            cx.err(
                o.key_loc("min_domains"),
                &o.path("min_domains"),
                "min_domains applies only with when_unsatisfiable: do_not_schedule",
            );
            return None;
        }
        Some((
            SpreadConstraint {
                topology: topology?,
                max_skew: max_skew?,
                do_not_schedule: do_not_schedule?,
                min_domains: min_domains?,
            },
            n.loc,
            p.to_string(),
        ))
    })?;
    let mut seen = std::collections::HashSet::new();
    for (c, loc, p) in &items {
        if !seen.insert((c.topology, c.do_not_schedule)) {
            cx.err(
                *loc,
                p,
                "two spread constraints with the same topology and when_unsatisfiable",
            );
            return None;
        }
    }
    Some(items.into_iter().map(|(c, _, _)| c).collect())
}

/// `affinity: {node: {required, preferred}, pod_affinity, pod_anti_affinity}`.
/// `index` is the workload's own index (the default `workload` of a pod term).
fn resolve_affinity(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    index: usize,
    names: &Names,
    cluster: Option<&Cluster>,
) -> Option<Affinity> {
    let o = cx.obj(n, path, &["node", "pod_affinity", "pod_anti_affinity"])?;
    let node = cx.or(&o, "node", NodeAffinity::default(), |cx, n, p| {
        resolve_node_affinity(cx, n, p, cluster)
    });
    let terms = |cx: &mut Cx, key: &str| {
        cx.or(&o, key, Vec::new(), |cx, n, p| {
            cx.list(n, p, |cx, n, p| pod_affinity_term(cx, n, p, index, names))
        })
    };
    let pod_affinity = terms(cx, "pod_affinity");
    let pod_anti_affinity = terms(cx, "pod_anti_affinity");
    Some(Affinity {
        node: node?,
        pod_affinity: pod_affinity?,
        pod_anti_affinity: pod_anti_affinity?,
    })
}

fn resolve_node_affinity(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    cluster: Option<&Cluster>,
) -> Option<NodeAffinity> {
    let o = cx.obj(n, path, &["required", "preferred"])?;
    let required = cx.or(&o, "required", Vec::new(), |cx, n, p| {
        let terms = cx.list(n, p, |cx, n, p| {
            let t = cx.obj(n, p, &["match_expressions"])?;
            cx.req(&t, "match_expressions", match_expressions)
        })?;
        // Upstream validation: a required node affinity has at least one term
        // (an empty list would match no node at all).
        if terms.is_empty() {
            cx.report(
                n.loc,
                p,
                Problem::new("required needs at least one term")
                    .hint("leave `required` out for no requirement"),
            );
            return None;
        }
        if let Some(c) = cluster
            && !terms.iter().any(|t| some_pool_may_match(c, t))
        {
            cx.report(
                n.loc,
                p,
                Problem::new(
                    "no node pool satisfies any of the required terms, so no pod could be \
                     scheduled",
                )
                .hint("terms are ORed, expressions within a term ANDed; check keys and values"),
            );
            return None;
        }
        Some(terms)
    });
    let preferred = cx.or(&o, "preferred", Vec::new(), |cx, n, p| {
        cx.list(n, p, |cx, n, p| {
            let t = cx.obj(n, p, &["weight", "match_expressions"])?;
            let weight = cx.req(&t, "weight", weight_1_to_100);
            let term = cx.req(&t, "match_expressions", match_expressions);
            Some(PreferredSchedulingTerm {
                weight: weight?,
                term: term?,
            })
        })
    });
    Some(NodeAffinity {
        required: required?,
        preferred: preferred?,
    })
}

/// A weight of a preferred term: 1..=100, as upstream validates.
fn weight_1_to_100(cx: &mut Cx, n: &Node, path: &str) -> Option<u32> {
    let w = cx.u32(n, path)?;
    if !(1..=100).contains(&w) {
        cx.err(
            n.loc,
            path,
            format!("a weight is between 1 and 100, got {w}"),
        );
        return None;
    }
    Some(w)
}

/// A non-empty list of `{key, operator, values}`.
fn match_expressions(cx: &mut Cx, n: &Node, path: &str) -> Option<NodeSelectorTerm> {
    let exprs = cx.list(n, path, requirement)?;
    if exprs.is_empty() {
        cx.report(
            n.loc,
            path,
            Problem::new("a term needs at least one expression")
                .hint("e.g. [{key: tier, operator: In, values: [general]}]"),
        );
        return None;
    }
    Some(NodeSelectorTerm {
        match_expressions: exprs,
    })
}

/// `{key, operator, values}` with upstream's rules: In and NotIn need
/// values, Exists and DoesNotExist take none, Gt and Lt take exactly one
/// integer.
fn requirement(cx: &mut Cx, n: &Node, path: &str) -> Option<NodeSelectorRequirement> {
    const OPS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
    let o = cx.obj(n, path, &["key", "operator", "values"])?;
    let key = cx.req(&o, "key", |cx, n, p| {
        let k = cx.string(n, p)?;
        if k.is_empty() {
            cx.err(n.loc, p, "a label key cannot be empty");
            return None;
        }
        Some(k)
    });
    let op = cx.req(&o, "operator", |cx, n, p| cx.choice(n, p, OPS));
    let values = cx.or(&o, "values", Vec::new(), |cx, n, p| {
        cx.list(n, p, Cx::string)
    });
    let (key, op, values) = (key?, op?, values?);
    let vpath = o.path("values");
    let vloc = o.key_loc("values");
    let operator = match op {
        "In" | "NotIn" => {
            if values.is_empty() {
                cx.report(
                    vloc,
                    &vpath,
                    Problem::new(format!("operator {op} needs at least one value"))
                        .hint("e.g. values: [general]"),
                );
                return None;
            }
            if op == "In" {
                LabelOperator::In(values)
            } else {
                LabelOperator::NotIn(values)
            }
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                cx.report(
                    vloc,
                    &vpath,
                    Problem::new(format!("operator {op} takes no values")).hint("remove `values`"),
                );
                return None;
            }
            if op == "Exists" {
                LabelOperator::Exists
            } else {
                LabelOperator::DoesNotExist
            }
        }
        _ => {
            let parsed = match values.as_slice() {
                [v] => v.parse::<i64>().ok(),
                _ => None,
            };
            let Some(v) = parsed else {
                cx.report(
                    vloc,
                    &vpath,
                    Problem::new(format!(
                        "operator {op} takes exactly one integer value, got {values:?}"
                    ))
                    .hint("e.g. values: [4]"),
                );
                return None;
            };
            if op == "Gt" {
                LabelOperator::Gt(v)
            } else {
                LabelOperator::Lt(v)
            }
        }
    };
    Some(NodeSelectorRequirement { key, operator })
}

/// `{workload, topology, required, weight}`. `workload` defaults to the
/// workload itself; `required` defaults to true, or to false when a
/// `weight` is given; a preferred term without a weight weighs 100.
fn pod_affinity_term(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    index: usize,
    names: &Names,
) -> Option<PodAffinityTerm> {
    let o = cx.obj(n, path, &["workload", "topology", "required", "weight"])?;
    let workload = cx.or(&o, "workload", index, |cx, n, p| {
        reference(cx, n, p, "workload", &names.workloads)
    });
    let topology = cx.req(&o, "topology", topology);
    let weight = cx.opt(&o, "weight", weight_1_to_100);
    let required = cx.opt(&o, "required", Cx::bool);
    let (weight, required) = (weight?, required?);
    let weight = match (required, weight) {
        (Some(true), Some(_)) => {
            cx.report(
                o.key_loc("weight"),
                &o.path("weight"),
                Problem::new("a required term has no weight")
                    .hint("write required: false for a preferred term, or remove the weight"),
            );
            return None;
        }
        (Some(true), None) | (None, None) => None,
        (Some(false), None) => Some(100),
        (_, Some(w)) => Some(w),
    };
    Some(PodAffinityTerm {
        workload: workload?,
        topology: topology?,
        weight,
    })
}

fn resolve_pdb(cx: &mut Cx, n: &Node, path: &str) -> Option<Pdb> {
    let o = cx.obj(n, path, &["min_available", "max_unavailable"])?;
    let min = cx.opt(&o, "min_available", |cx, n, p| {
        cx.int_or_percent(n, p, false)
    });
    let max = cx.opt(&o, "max_unavailable", |cx, n, p| {
        cx.int_or_percent(n, p, false)
    });
    match (min?, max?) {
        (Some(v), None) => Some(Pdb::MinAvailable(v)),
        (None, Some(v)) => Some(Pdb::MaxUnavailable(v)),
        (Some(_), Some(_)) => {
            cx.report(
                o.loc,
                path,
                Problem::new("a pdb takes min_available or max_unavailable, not both")
                    .hint("remove one of them"),
            );
            None
        }
        (None, None) => {
            cx.report(
                o.loc,
                path,
                Problem::new("a pdb needs min_available or max_unavailable")
                    .hint("e.g. {min_available: 2} or {max_unavailable: 25%}"),
            );
            None
        }
    }
}

/// `scale_to_zero: {policy, service_time, arrivals, ...}`. Settings of the
/// other policy are refused, so a misplaced `keep_alive` is not silently
/// ignored.
fn resolve_scale_to_zero(cx: &mut Cx, n: &Node, path: &str) -> Option<ScaleToZero> {
    const KPA: &[&str] = &[
        "target",
        "target_utilization",
        "stable_window",
        "panic_window_percentage",
        "panic_threshold",
        "max_scale_up_rate",
        "max_scale_down_rate",
        "scale_to_zero_grace_period",
        "min_scale",
        "max_scale",
        "tick",
    ];
    const PER_REQUEST: &[&str] = &["keep_alive", "max_instances"];
    let mut fields = vec!["policy", "service_time", "arrivals"];
    fields.extend_from_slice(KPA);
    fields.extend_from_slice(PER_REQUEST);
    let o = cx.obj(n, path, &fields)?;
    let policy = cx.req(&o, "policy", |cx, n, p| {
        cx.choice(n, p, &["kpa", "per_request"])
    })?;
    let other = if policy == "kpa" { PER_REQUEST } else { KPA };
    let mut ok = true;
    for key in other {
        if o.has(key) {
            cx.report(
                o.key_loc(key),
                &o.path(key),
                Problem::new(format!(
                    "{key} is a setting of another policy, not of `{policy}`"
                ))
                .hint("remove it, or change policy"),
            );
            ok = false;
        }
    }
    let service_time = cx.req(&o, "service_time", |cx, n, p| cx.dist(n, p, false));
    let arrivals = cx.or(&o, "arrivals", Arrivals::Poisson, |cx, n, p| {
        Some(match cx.choice(n, p, &["poisson", "regular"])? {
            "poisson" => Arrivals::Poisson,
            _ => Arrivals::Regular,
        })
    });
    let policy = if policy == "kpa" {
        let d = KpaConfig::default();
        let positive = |cx: &mut Cx, n: &Node, p: &str| {
            let v = cx.f64_in(n, p, 0.0, 1e9)?;
            if v <= 0.0 {
                cx.err(n.loc, p, "must be more than zero");
                return None;
            }
            Some(v)
        };
        let fraction = |cx: &mut Cx, n: &Node, p: &str| {
            let v = cx.f64_percent(n, p)?;
            if v <= 0.0 {
                cx.err(n.loc, p, "must be more than 0%");
                return None;
            }
            Some(v / 100.0)
        };
        let target = cx.or(&o, "target", d.target, positive);
        let utilization = cx.or(&o, "target_utilization", d.target_utilization, fraction);
        // Knative's config validation: stable window 6 s to 1 h, panic
        // window 1% to 100% of it, panic threshold 110% to 1000%, rates
        // above 1.
        let stable = cx.or(&o, "stable_window", d.stable_window, |cx, n, p| {
            let v = cx.duration(n, p)?;
            if !(SimDuration::from_secs(6)..=SimDuration::from_secs(3600)).contains(&v) {
                cx.err(n.loc, p, format!("must be between 6s and 1h, got {v}"));
                return None;
            }
            Some(v)
        });
        let panic_window = cx.or(
            &o,
            "panic_window_percentage",
            d.panic_window_fraction,
            fraction,
        );
        let threshold = cx.or(&o, "panic_threshold", d.panic_threshold, |cx, n, p| {
            let v = cx.f64_percent(n, p)?;
            if !(110.0..=1000.0).contains(&v) {
                cx.err(
                    n.loc,
                    p,
                    format!("must be between 110% and 1000%, got {v}%"),
                );
                return None;
            }
            Some(v / 100.0)
        });
        let above_one = |cx: &mut Cx, n: &Node, p: &str| {
            let v = positive(cx, n, p)?;
            if v <= 1.0 {
                cx.err(n.loc, p, format!("must be more than 1, got {v}"));
                return None;
            }
            Some(v)
        };
        let up = cx.or(&o, "max_scale_up_rate", d.max_scale_up_rate, above_one);
        let down = cx.or(&o, "max_scale_down_rate", d.max_scale_down_rate, above_one);
        let grace = cx.or(
            &o,
            "scale_to_zero_grace_period",
            d.grace_period,
            Cx::duration,
        );
        let min_scale = cx.or(&o, "min_scale", 0, Cx::u32);
        let max_scale = cx.or(&o, "max_scale", 0, Cx::u32);
        let tick = cx.or(&o, "tick", d.tick, Cx::positive_duration);
        let (utilization, panic_window) = (utilization?, panic_window?);
        if utilization > 1.0 {
            cx.err(
                o.key_loc("target_utilization"),
                &o.path("target_utilization"),
                format!("must be at most 100%, got {}%", utilization * 100.0),
            );
            return None;
        }
        if !(0.01..=1.0).contains(&panic_window) {
            cx.err(
                o.key_loc("panic_window_percentage"),
                &o.path("panic_window_percentage"),
                format!(
                    "the panic window is a part of the stable window: 1% to 100%, got {}%",
                    panic_window * 100.0
                ),
            );
            return None;
        }
        let (min_scale, max_scale) = (min_scale?, max_scale?);
        if max_scale != 0 && min_scale > max_scale {
            cx.err(
                o.key_loc("min_scale"),
                &o.path("min_scale"),
                format!("min_scale ({min_scale}) is more than max_scale ({max_scale})"),
            );
            return None;
        }
        let stable = stable?;
        ScaleToZeroPolicy::Kpa(KpaConfig {
            target: target?,
            target_utilization: utilization,
            stable_window: stable,
            panic_window_fraction: panic_window,
            panic_threshold: threshold?,
            max_scale_up_rate: up?,
            max_scale_down_rate: down?,
            grace_period: grace?,
            min_scale,
            max_scale,
            tick: tick?,
        })
    } else {
        let keep_alive = cx.or(
            &o,
            "keep_alive",
            SimDuration::from_secs(600),
            Cx::positive_duration,
        );
        let max_instances = cx.or(&o, "max_instances", 0, Cx::u32);
        ScaleToZeroPolicy::PerRequest {
            keep_alive: keep_alive?,
            max_instances: max_instances?,
        }
    };
    if !ok {
        return None;
    }
    Some(ScaleToZero {
        policy,
        service_time: service_time?,
        arrivals: arrivals?,
    })
}

// ----------------------------------------------------------------- events

fn resolve_event(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    names: &Names,
    cluster: Option<&Cluster>,
    largest: Option<(MilliCpu, Bytes)>,
    duration: Option<SimDuration>,
) -> Option<TimedEvent> {
    let mut fields = vec!["at"];
    fields.extend_from_slice(EVENT_ACTIONS);
    let o = cx.obj(n, path, &fields)?;
    let at = cx.req(&o, "at", |cx, n, p| {
        let at = cx.duration(n, p)?;
        if let Some(d) = duration
            && at >= d
        {
            cx.report(
                n.loc,
                p,
                Problem::new(format!(
                    "the event at {at} is not before the end of the simulation at {d}"
                ))
                .hint("events must happen before `duration`"),
            );
            return None;
        }
        Some(at)
    });
    let present: Vec<&str> = EVENT_ACTIONS.iter().copied().filter(|a| o.has(a)).collect();
    let action = match present.as_slice() {
        [kind] => {
            let n = o.get(kind)?;
            let p = o.path(kind);
            match *kind {
                "scale" => event_scale(cx, n, &p, names),
                "rollout" => event_rollout(cx, n, &p, names, largest),
                "zone_outage" => {
                    let z = cx.obj(n, &p, &["zone", "duration"])?;
                    let zone = cx.req(&z, "zone", |cx, n, p| zone_ref(cx, n, p, names));
                    let duration = cx.req(&z, "duration", |cx, n, p| cx.positive_dist(n, p, false));
                    Some(EventAction::ZoneOutage {
                        zone: zone?,
                        duration: duration?,
                    })
                }
                "node_failure" => event_node_failure(cx, n, &p, names, cluster),
                "drain" => {
                    let f = cx.obj(
                        n,
                        &p,
                        &["node", "pool", "count", "zone", "hosting", "uncordon_after"],
                    )?;
                    let uncordon_after = cx.opt(&f, "uncordon_after", Cx::positive_duration);
                    let target = node_target(cx, &f, &p, "drain", names, cluster);
                    Some(EventAction::Drain {
                        target: target?,
                        uncordon_after: uncordon_after?,
                    })
                }
                "partition" => {
                    let f = cx.obj(
                        n,
                        &p,
                        &["node", "pool", "count", "zone", "hosting", "duration"],
                    )?;
                    let duration = cx.req(&f, "duration", |cx, n, p| cx.positive_dist(n, p, false));
                    let target = node_target(cx, &f, &p, "partition", names, cluster);
                    Some(EventAction::Partition {
                        target: target?,
                        duration: duration?,
                    })
                }
                "control_plane_outage" => {
                    let f = cx.obj(n, &p, &["duration"])?;
                    let duration = cx.req(&f, "duration", |cx, n, p| cx.positive_dist(n, p, false));
                    Some(EventAction::ControlPlaneOutage {
                        duration: duration?,
                    })
                }
                _ => {
                    let u = cx.obj(
                        n,
                        &p,
                        &["pool", "max_surge", "provision_time", "node_upgrade_time"],
                    )?;
                    let pool = cx.req(&u, "pool", |cx, n, p| {
                        reference(cx, n, p, "node pool", &names.pools)
                    });
                    let max_surge = cx.or(&u, "max_surge", 1, Cx::u32);
                    let provision_time = cx.or(
                        &u,
                        "provision_time",
                        Dist::Fixed(SimDuration::from_secs(120)),
                        |cx, n, p| cx.dist(n, p, false),
                    );
                    let node_upgrade_time = cx.or(
                        &u,
                        "node_upgrade_time",
                        Dist::Fixed(SimDuration::from_secs(300)),
                        |cx, n, p| cx.dist(n, p, false),
                    );
                    Some(EventAction::NodePoolUpgrade {
                        pool: pool?,
                        max_surge: max_surge?,
                        provision_time: provision_time?,
                        node_upgrade_time: node_upgrade_time?,
                    })
                }
            }
        }
        [] => {
            cx.report(
                o.loc,
                path,
                Problem::new("an event needs an action")
                    .hint(format!("one of {}", EVENT_ACTIONS.join(", "))),
            );
            None
        }
        many => {
            cx.report(
                o.loc,
                path,
                Problem::new(format!(
                    "an event has exactly one action, got {}",
                    many.join(", ")
                ))
                .hint("split it into several events with the same `at`"),
            );
            None
        }
    };
    Some(TimedEvent {
        at: at?,
        action: action?,
    })
}

fn event_scale(cx: &mut Cx, n: &Node, p: &str, names: &Names) -> Option<EventAction> {
    let s = cx.obj(n, p, &["workload", "replicas"])?;
    let workload = cx.req(&s, "workload", |cx, n, p| {
        reference(cx, n, p, "workload", &names.workloads)
    });
    let replicas = cx.req(&s, "replicas", Cx::u32);
    Some(EventAction::Scale {
        workload: workload?,
        replicas: replicas?,
    })
}

fn event_rollout(
    cx: &mut Cx,
    n: &Node,
    p: &str,
    names: &Names,
    largest: Option<(MilliCpu, Bytes)>,
) -> Option<EventAction> {
    let r = cx.obj(
        n,
        p,
        &[
            "workload",
            "startup_time",
            "cpu",
            "memory",
            "crash_probability",
        ],
    )?;
    let workload = cx.req(&r, "workload", |cx, n, p| {
        reference(cx, n, p, "workload", &names.workloads)
    });
    let startup_time = cx.opt(&r, "startup_time", |cx, n, p| cx.dist(n, p, false));
    let cpu = cx.opt(&r, "cpu", Cx::cpu);
    let memory = cx.opt(&r, "memory", Cx::memory);
    check_fits(cx, &r, largest, cpu.flatten(), memory.flatten());
    let crash_probability = cx.or(&r, "crash_probability", 0.0, |cx, n, p| {
        cx.f64_in(n, p, 0.0, 1.0)
    });
    Some(EventAction::Rollout {
        workload: workload?,
        startup_time: startup_time?,
        cpu: cpu?,
        memory: memory?,
        crash_probability: crash_probability?,
    })
}

/// `{node: general-3}`, `{pool: general, count: 2}`, `{zone: a}` or
/// `{hosting: web}`, each with an optional `duration`.
fn event_node_failure(
    cx: &mut Cx,
    n: &Node,
    p: &str,
    names: &Names,
    cluster: Option<&Cluster>,
) -> Option<EventAction> {
    let f = cx.obj(
        n,
        p,
        &["node", "pool", "count", "zone", "hosting", "duration"],
    )?;
    let duration = cx.opt(&f, "duration", |cx, n, p| cx.positive_dist(n, p, false));
    let target = node_target(cx, &f, p, "node_failure", names, cluster);
    Some(EventAction::NodeFailure {
        target: target?,
        duration: duration?,
    })
}

/// The target of a node event: exactly one of `node`, `pool` (+`count`),
/// `zone` or `hosting`.
fn node_target(
    cx: &mut Cx,
    f: &Obj,
    p: &str,
    what: &str,
    names: &Names,
    cluster: Option<&Cluster>,
) -> Option<NodeTarget> {
    let targets: Vec<&str> = ["node", "pool", "zone", "hosting"]
        .into_iter()
        .filter(|t| f.has(t))
        .collect();
    if f.has("count") && targets != ["pool"] {
        cx.report(
            f.key_loc("count"),
            &f.path("count"),
            Problem::new("`count` goes with `pool`").hint("write {pool: general, count: 2}"),
        );
        return None;
    }
    match targets.as_slice() {
        ["node"] => cx.req(f, "node", |cx, n, p| node_ref(cx, n, p, names, cluster)),
        ["pool"] => {
            let pool = cx.req(f, "pool", |cx, n, p| {
                reference(cx, n, p, "node pool", &names.pools)
            });
            let count = cx.or(f, "count", 1, Cx::positive_u32);
            let (pool, count) = (pool?, count?);
            if let Some(pl) = cluster.and_then(|c| c.node_pools.get(pool)) {
                let most = pl
                    .autoscaling
                    .as_ref()
                    .map_or(pl.count, |a| a.max.max(pl.count));
                if count > most {
                    cx.err(
                        f.key_loc("count"),
                        &f.path("count"),
                        format!(
                            "count {count} is more than the {most} nodes pool `{}` can have",
                            pl.name
                        ),
                    );
                    return None;
                }
            }
            Some(NodeTarget::Pool { pool, count })
        }
        ["zone"] => cx
            .req(f, "zone", |cx, n, p| zone_ref(cx, n, p, names))
            .map(NodeTarget::Zone),
        ["hosting"] => cx
            .req(f, "hosting", |cx, n, p| {
                reference(cx, n, p, "workload", &names.workloads)
            })
            .map(NodeTarget::Hosting),
        [] => {
            cx.report(
                f.loc,
                p,
                Problem::new(format!("{what} needs a target")).hint(
                    "one of node: general-3, pool: general (with count), zone: a, hosting: web",
                ),
            );
            None
        }
        many => {
            cx.report(
                f.loc,
                p,
                Problem::new(format!("{what} takes one target, got {}", many.join(", ")))
                    .hint("use separate events"),
            );
            None
        }
    }
}

/// `general-3`: node 3 of pool `general`; the index must be below the
/// pool's initial count.
fn node_ref(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    names: &Names,
    cluster: Option<&Cluster>,
) -> Option<NodeTarget> {
    let s = cx.string(n, path)?;
    let parsed = s
        .rsplit_once('-')
        .and_then(|(pool, i)| Some((pool, i.parse::<u32>().ok()?)));
    let Some((pool_name, index)) = parsed else {
        cx.report(
            n.loc,
            path,
            Problem::new(format!("expected a node name like general-3, got {s:?}"))
                .hint("nodes are named <pool>-<index>, counting from 0"),
        );
        return None;
    };
    let Some(pool) = names.pools.find(pool_name) else {
        let valid = names.pools.valid();
        let hint = suggest(pool_name, valid.iter().copied())
            .map(|p| format!("did you mean `{p}-{index}`?"))
            .unwrap_or_else(|| format!("defined node pools: {}", valid.join(", ")));
        cx.report(
            n.loc,
            path,
            Problem::new(format!(
                "node `{s}` names an unknown node pool `{pool_name}`"
            ))
            .hint(hint),
        );
        return None;
    };
    if let Some(pl) = cluster.and_then(|c| c.node_pools.get(pool))
        && index >= pl.count
    {
        cx.report(
            n.loc,
            path,
            Problem::new(format!(
                "pool `{}` starts with {} nodes, so there is no node `{s}`",
                pl.name, pl.count
            ))
            .hint(format!(
                "nodes are numbered from 0: {}-0 to {}-{}",
                pl.name,
                pl.name,
                pl.count.saturating_sub(1)
            )),
        );
        return None;
    }
    Some(NodeTarget::Node { pool, index })
}

// ----------------------------------------------------------------- limits

/// Totals across the scenario against the documented limits.
fn check_totals(
    cx: &mut Cx,
    top: &Obj,
    cluster: &Cluster,
    workloads: &[Workload],
    events: &[TimedEvent],
) {
    let nodes: u64 = cluster
        .node_pools
        .iter()
        .map(|p| {
            u64::from(
                p.autoscaling
                    .as_ref()
                    .map_or(p.count, |a| a.max.max(p.count)),
            )
        })
        .sum();
    if nodes > MAX_NODES {
        cx.report(
            top.key_loc("cluster"),
            "cluster.node_pools",
            Problem::new(format!(
                "the node pools can reach {nodes} nodes in total, more than the limit of {MAX_NODES}"
            ))
            .hint("counts and autoscaling maxima add up across pools"),
        );
    }
    let mut replicas: u64 = 0;
    for (i, w) in workloads.iter().enumerate() {
        let scaled = events
            .iter()
            .filter_map(|e| match e.action {
                EventAction::Scale { workload, replicas } if workload == i => Some(replicas),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let hpa = w.hpa.as_ref().map_or(0, |h| h.max);
        replicas += u64::from(w.replicas.max(scaled).max(hpa));
    }
    if replicas > MAX_REPLICAS {
        cx.report(
            top.key_loc("workloads"),
            "workloads",
            Problem::new(format!(
                "the workloads can reach {replicas} replicas in total, more than the limit of \
                 {MAX_REPLICAS}"
            ))
            .hint("replicas, hpa.max and scale events count"),
        );
    }
}
