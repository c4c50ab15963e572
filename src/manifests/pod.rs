//! A pod template (`spec.template`) as the pod fields of a scenario
//! workload: requests, priority, start-up time, grace period, node
//! selector, tolerations, spread constraints and affinity.

use super::object::{Map, Object, list, map, unknown_fields};
use super::selector::{self, Labels, Selector};
use super::synth;
use crate::scenario::for_manifests::{Cx, Loc, Node, Problem, Value, did_you_mean};
use crate::scenario::{LABEL_HOSTNAME, LABEL_ZONE};
use crate::units::{Bytes, MilliCpu};
use std::collections::BTreeMap;

/// What the translation of other workloads needs to know of one imported
/// workload: its name, namespace and pod template labels.
#[derive(Clone, Debug)]
pub(crate) struct Stub {
    /// The workload name (`metadata.name`).
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `spec.template.metadata.labels`.
    pub labels: Labels,
}

/// A PriorityClass.
#[derive(Clone, Debug)]
pub(crate) struct Class {
    /// `value`.
    pub value: i32,
    /// `preemptionPolicy: Never`.
    pub never: bool,
}

/// Upstream's built-in classes (`scheduling.SystemPriorityClasses`).
pub(crate) const SYSTEM_CLASSES: [(&str, i32); 2] = [
    ("system-cluster-critical", 2_000_000_000),
    ("system-node-critical", 2_000_001_000),
];

/// What a pod template is translated against.
pub(crate) struct Ctx<'a> {
    /// Every imported workload, by index.
    pub stubs: &'a [Stub],
    /// Labels of the Namespace objects read, by name.
    pub namespaces: &'a BTreeMap<String, Labels>,
    /// PriorityClasses read, by name.
    pub classes: &'a BTreeMap<String, Class>,
    /// The `globalDefault` class, if one is read.
    pub default_class: Option<&'a str>,
}

impl Ctx<'_> {
    /// A namespace's labels: those of its Namespace object, if read, plus
    /// `kubernetes.io/metadata.name`, which the API server always sets.
    fn namespace_labels(&self, ns: &str) -> Labels {
        let mut l = self.namespaces.get(ns).cloned().unwrap_or_default();
        l.insert("kubernetes.io/metadata.name".to_string(), ns.to_string());
        l
    }
}

/// A translated pod template.
pub(crate) struct Pod {
    /// Scenario workload fields.
    pub entries: Vec<(&'static str, Node)>,
    /// The pod's cpu request.
    pub cpu: MilliCpu,
    /// Containers without a cpu request (the HPA needs one on each).
    pub cpu_unset: Vec<String>,
    /// The PriorityClass that set the priority, if any.
    pub priority_class: Option<String>,
}

const POD_SPEC: &[&str] = &[
    "volumes",
    "initContainers",
    "containers",
    "ephemeralContainers",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "dnsPolicy",
    "nodeSelector",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "securityContext",
    "imagePullSecrets",
    "hostname",
    "subdomain",
    "affinity",
    "schedulerName",
    "tolerations",
    "hostAliases",
    "priorityClassName",
    "priority",
    "dnsConfig",
    "readinessGates",
    "runtimeClassName",
    "enableServiceLinks",
    "preemptionPolicy",
    "overhead",
    "topologySpreadConstraints",
    "setHostnameAsFQDN",
    "os",
    "hostUsers",
    "schedulingGates",
    "resourceClaims",
    "resources",
];

const CONTAINER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "restartPolicyRules",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
];

/// Translates the pod template `template` of `obj` (workload `me` of
/// `ctx.stubs`).
pub(crate) fn translate(
    cx: &mut Cx,
    obj: &Object,
    me: usize,
    template: &Map,
    ctx: &Ctx,
) -> Option<Pod> {
    let spec_node = match template.get("spec") {
        Some(s) => s,
        None => {
            cx.err(template.loc, &template.path, "missing field `spec`");
            return None;
        }
    };
    let spec = map(cx, spec_node, &template.path("spec"))?;
    unknown_fields(cx, &spec, POD_SPEC, "a pod spec");
    let before = cx.errors();
    let mut entries: Vec<(&'static str, Node)> = Vec::new();

    let containers = containers(cx, &spec, "containers");
    let inits = containers_opt(cx, &spec, "initContainers");
    let (Some(containers), Some(inits)) = (containers, inits) else {
        return None;
    };
    if containers.is_empty() {
        cx.err(
            spec.key_loc("containers"),
            &spec.path("containers"),
            "a pod needs at least one container",
        );
        return None;
    }
    let req = requests(cx, obj, &spec, &containers, &inits);
    entries.push(("cpu", req.cpu_node));
    entries.push(("memory", req.memory_node));

    let priority_class = priority(cx, &spec, ctx, &mut entries);
    if let Some(n) = spec.get("terminationGracePeriodSeconds") {
        let p = spec.path("terminationGracePeriodSeconds");
        if let Some(s) = cx.u64(n, &p) {
            let node = synth::text(cx, n.loc, &p, format!("{s}s"));
            entries.push(("termination_grace", node));
        }
    }
    if let Some(n) = startup_time(cx, &containers, &inits) {
        entries.push(("startup_time", n));
    }
    if let Some(n) = spec.get("nodeSelector") {
        let p = spec.path("nodeSelector");
        if let Some(m) = map(cx, n, &p) {
            let mut sel = Vec::new();
            for (k, v) in m.entries {
                let vp = m.path(&k.name);
                let value = Node::new(v.value.clone(), synth::at(cx, v.loc, &vp));
                sel.push((k.name.as_str(), value));
            }
            let node = synth::map(cx, n.loc, &p, sel);
            entries.push(("node_selector", node));
        }
    }
    if let Some(n) = spec.get("tolerations") {
        let t = tolerations(cx, n, &spec.path("tolerations"));
        entries.push(("tolerations", t?));
    }
    let labels = &ctx.stubs[me].labels;
    if let Some(n) = spec.get("topologySpreadConstraints") {
        let p = spec.path("topologySpreadConstraints");
        if let Some(s) = spread(cx, n, &p, me, labels, ctx) {
            entries.push(("spread", s));
        }
    }
    if let Some(n) = spec.get("affinity") {
        let p = spec.path("affinity");
        if let Some(a) = affinity(cx, n, &p, me, ctx) {
            entries.push(("affinity", a));
        }
    }
    unsupported_pod_fields(cx, &spec, &containers, &inits);
    (cx.errors() == before).then_some(Pod {
        entries,
        cpu: req.cpu,
        cpu_unset: req.cpu_unset,
        priority_class,
    })
}

/// A container: its mapping and name.
struct Container<'n> {
    m: Map<'n>,
    name: String,
    /// An init container with `restartPolicy: Always` (a sidecar).
    sidecar: bool,
}

fn containers<'n>(cx: &mut Cx, spec: &Map<'n>, key: &str) -> Option<Vec<Container<'n>>> {
    let Some(n) = spec.get(key) else {
        cx.err(spec.loc, &spec.path, format!("missing field `{key}`"));
        return None;
    };
    container_list(cx, n, &spec.path(key), key == "initContainers")
}

fn containers_opt<'n>(cx: &mut Cx, spec: &Map<'n>, key: &str) -> Option<Vec<Container<'n>>> {
    match spec.get(key) {
        None => Some(Vec::new()),
        Some(n) => container_list(cx, n, &spec.path(key), true),
    }
}

fn container_list<'n>(
    cx: &mut Cx,
    n: &'n Node,
    path: &str,
    init: bool,
) -> Option<Vec<Container<'n>>> {
    let items = list(cx, n, path)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let m = map(cx, item, &p)?;
        unknown_fields(cx, &m, CONTAINER, "a container");
        let name = match m.get("name") {
            Some(v) => cx.string(v, &m.path("name"))?,
            None => format!("#{i}"),
        };
        let sidecar = init
            && match m.get("restartPolicy") {
                Some(v) => cx.choice(v, &m.path("restartPolicy"), &["Always"])? == "Always",
                None => false,
            };
        out.push(Container { m, name, sidecar });
    }
    Some(out)
}

/// The pod's requests and their nodes.
struct Requests {
    cpu: MilliCpu,
    cpu_node: Node,
    memory_node: Node,
    cpu_unset: Vec<String>,
}

/// A container's request for one resource: value, place and field path.
type Request = Option<(u64, Loc, String)>;

/// One container's cpu and memory requests (a missing request defaults to
/// the limit, as the API server does). Names of other resources go to
/// `other`.
fn container_requests(cx: &mut Cx, c: &Container, other: &mut Vec<String>) -> [Request; 2] {
    let mut out = [None, None];
    let Some(res) = c.m.get("resources") else {
        return out;
    };
    let rp = c.m.path("resources");
    let Some(res) = map(cx, res, &rp) else {
        return out;
    };
    unknown_fields(
        cx,
        &res,
        &["requests", "limits", "claims"],
        "container resources",
    );
    if res.get("claims").is_some() {
        cx.warn(
            res.key_loc("claims"),
            &res.path("claims"),
            Problem::new("resource claims (dynamic resource allocation) are not modelled"),
        );
    }
    for section in ["requests", "limits"] {
        let Some(sec) = res.get(section) else {
            continue;
        };
        let Value::Map(entries) = &sec.value else {
            cx.err(
                sec.loc,
                &res.path(section),
                format!(
                    "expected a mapping like {{cpu: 500m}}, got {}",
                    sec.describe()
                ),
            );
            continue;
        };
        for (k, v) in entries {
            let i = match k.name.as_str() {
                "cpu" => 0,
                "memory" => 1,
                other_name => {
                    if !other.iter().any(|o| o == other_name) {
                        other.push(other_name.to_string());
                    }
                    continue;
                }
            };
            // Requests first; a limit stands in for a missing request.
            if out[i].is_some() {
                continue;
            }
            let p = format!("{}.{}", res.path(section), k.name);
            let value = if i == 0 {
                cx.cpu(v, &p).map(|c| c.0)
            } else {
                cx.memory(v, &p).map(|m| m.0)
            };
            if let Some(value) = value {
                out[i] = Some((value, v.loc, p));
            }
        }
    }
    out
}

/// The pod's effective requests, upstream's `PodRequests`: app containers
/// and sidecars (restartable init containers) add up; each other init
/// container needs its own request plus the sidecars started before it;
/// the pod needs the larger of the two, plus `overhead`. Pod-level
/// `resources.requests`, where set, take the place of the containers'.
fn requests(
    cx: &mut Cx,
    obj: &Object,
    spec: &Map,
    containers: &[Container],
    inits: &[Container],
) -> Requests {
    let mut other = Vec::new();
    let app: Vec<[Request; 2]> = containers
        .iter()
        .map(|c| container_requests(cx, c, &mut other))
        .collect();
    let init: Vec<[Request; 2]> = inits
        .iter()
        .map(|c| container_requests(cx, c, &mut other))
        .collect();
    let mut sum = [0u64; 2];
    // Where a value comes from: the one request when a single one counts,
    // else the containers list.
    let mut sources: [Vec<(Loc, String)>; 2] = [Vec::new(), Vec::new()];
    let mut unset: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    let mut add = |i: usize, c: &Container, r: &Request, sum: &mut [u64; 2]| match r {
        Some((v, loc, p)) => {
            sum[i] = sum[i].saturating_add(*v);
            if *v > 0 {
                sources[i].push((*loc, p.clone()));
            }
        }
        None => unset[i].push(c.name.clone()),
    };
    for (c, r) in containers.iter().zip(&app) {
        for (i, req) in r.iter().enumerate() {
            add(i, c, req, &mut sum);
        }
    }
    let mut restartable = [0u64; 2];
    let mut init_max = [0u64; 2];
    let mut init_source: [Option<(Loc, String)>; 2] = [None, None];
    for (c, r) in inits.iter().zip(&init) {
        for i in 0..2 {
            let v = r[i].as_ref().map_or(0, |(v, _, _)| *v);
            let need = if c.sidecar {
                add(i, c, &r[i], &mut sum);
                restartable[i] = restartable[i].saturating_add(v);
                restartable[i]
            } else {
                v.saturating_add(restartable[i])
            };
            if need > init_max[i] {
                init_max[i] = need;
                init_source[i] = r[i].as_ref().map(|(_, loc, p)| (*loc, p.clone()));
            }
        }
    }
    let mut total = [0u64; 2];
    for i in 0..2 {
        total[i] = sum[i].max(init_max[i]);
        if init_max[i] > sum[i] {
            sources[i] = init_source[i].clone().into_iter().collect();
        }
    }
    if let Some(pod) = spec.get("resources")
        && let Value::Map(entries) = &pod.value
        && let Some((_, req)) = entries.iter().find(|(k, _)| k.name == "requests")
        && let Value::Map(reqs) = &req.value
    {
        for (i, resource) in ["cpu", "memory"].into_iter().enumerate() {
            if let Some((_, v)) = reqs.iter().find(|(k, _)| k.name == resource) {
                let p = format!("{}.requests.{resource}", spec.path("resources"));
                let value = if i == 0 {
                    cx.cpu(v, &p).map(|c| c.0)
                } else {
                    cx.memory(v, &p).map(|m| m.0)
                };
                if let Some(value) = value {
                    total[i] = value;
                    sources[i] = vec![(v.loc, p)];
                    unset[i].clear();
                }
            }
        }
    }
    if let Some(oh) = spec.get("overhead")
        && let Value::Map(entries) = &oh.value
    {
        for (i, resource) in ["cpu", "memory"].into_iter().enumerate() {
            if let Some((_, v)) = entries.iter().find(|(k, _)| k.name == resource) {
                let p = format!("{}.{resource}", spec.path("overhead"));
                let value = if i == 0 {
                    cx.cpu(v, &p).map(|c| c.0)
                } else {
                    cx.memory(v, &p).map(|m| m.0)
                };
                if let Some(value) = value {
                    total[i] = total[i].saturating_add(value);
                    sources[i].push((v.loc, p));
                }
            }
        }
    }
    for (i, (resource, default)) in [("cpu", "100m"), ("memory", "200Mi")]
        .into_iter()
        .enumerate()
    {
        if unset[i].is_empty() {
            continue;
        }
        let simulated = if i == 0 {
            MilliCpu(total[0]).to_string()
        } else {
            Bytes(total[1]).to_string()
        };
        cx.warn(
            spec.key_loc("containers"),
            &spec.path("containers"),
            Problem::new(format!(
                "no {resource} request on {} {}: kubesim counts it as 0, as the scheduler's \
                 fit check does, but upstream's scoring counts {default} for it",
                plural(unset[i].len(), "container"),
                quote_list(&unset[i]),
            ))
            .hint(format!(
                "set resources.requests.{resource}; the pods of {} are simulated with \
                 {simulated} {resource}",
                obj.title()
            )),
        );
    }
    if !other.is_empty() {
        other.sort();
        cx.warn(
            spec.key_loc("containers"),
            &spec.path("containers"),
            Problem::new(format!(
                "requests for {} are not modelled: kubesim schedules on cpu, memory and the \
                 pod count only",
                quote_list(&other)
            )),
        );
    }
    let node_of = |cx: &mut Cx, i: usize, text: String| {
        let (loc, path) = match sources[i].as_slice() {
            [(loc, p)] => (*loc, p.clone()),
            _ => (
                spec.key_loc("containers"),
                format!(
                    "{}[*].resources.requests.{}",
                    spec.path("containers"),
                    if i == 0 { "cpu" } else { "memory" }
                ),
            ),
        };
        synth::text(cx, loc, &path, text)
    };
    let cpu_node = node_of(cx, 0, MilliCpu(total[0]).to_string());
    let memory_node = node_of(cx, 1, Bytes(total[1]).to_string());
    Requests {
        cpu: MilliCpu(total[0]),
        cpu_node,
        memory_node,
        cpu_unset: unset[0].clone(),
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        what.to_string()
    } else {
        format!("{what}s")
    }
}

fn quote_list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    q.join(", ")
}

/// `priorityClassName` (or the `globalDefault` class) as `priority` and
/// `preemption_policy`, as the Priority admission plugin resolves them; a
/// `priority` or `preemptionPolicy` written in the pod spec must agree.
fn priority(
    cx: &mut Cx,
    spec: &Map,
    ctx: &Ctx,
    entries: &mut Vec<(&'static str, Node)>,
) -> Option<String> {
    let (name, loc, path) = match spec.get("priorityClassName") {
        Some(n) => {
            let p = spec.path("priorityClassName");
            (cx.string(n, &p)?, n.loc, p)
        }
        None => match ctx.default_class {
            Some(d) => (d.to_string(), spec.loc, spec.path("priorityClassName")),
            None => {
                for f in ["priority", "preemptionPolicy"] {
                    if spec.get(f).is_some() {
                        cx.report(
                            spec.key_loc(f),
                            &spec.path(f),
                            Problem::new(format!(
                                "`{f}` is set by the Priority admission plugin from the \
                                 PriorityClass; Kubernetes refuses a pod that sets it"
                            ))
                            .hint("use priorityClassName"),
                        );
                    }
                }
                return None;
            }
        },
    };
    let class = match ctx.classes.get(&name) {
        Some(c) => c.clone(),
        None => match SYSTEM_CLASSES.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => Class {
                value: *v,
                never: false,
            },
            None => {
                let known: Vec<&str> = ctx
                    .classes
                    .keys()
                    .map(String::as_str)
                    .chain(SYSTEM_CLASSES.iter().map(|(n, _)| *n))
                    .collect();
                let hint = did_you_mean(&name, known.iter().copied())
                    .unwrap_or_else(|| "add the PriorityClass manifest to `manifests`".to_string());
                cx.report(
                    loc,
                    &path,
                    Problem::new(format!(
                        "no PriorityClass `{name}` is read; Kubernetes refuses pods naming an \
                         unknown class"
                    ))
                    .hint(hint),
                );
                return None;
            }
        },
    };
    if let Some(n) = spec.get("priority") {
        let p = spec.path("priority");
        if let Some(v) = cx.i32(n, &p)
            && v != class.value
        {
            cx.err(
                n.loc,
                &p,
                format!(
                    "priority {v} disagrees with PriorityClass `{name}` ({}); Kubernetes \
                     refuses the pod",
                    class.value
                ),
            );
        }
    }
    if let Some(n) = spec.get("preemptionPolicy") {
        let p = spec.path("preemptionPolicy");
        if let Some(v) = cx.choice(n, &p, &["PreemptLowerPriority", "Never"])
            && (v == "Never") != class.never
        {
            cx.err(
                n.loc,
                &p,
                format!(
                    "preemptionPolicy {v} disagrees with PriorityClass `{name}`; Kubernetes \
                     refuses the pod"
                ),
            );
        }
    }
    let n = synth::int(cx, loc, &path, class.value);
    entries.push(("priority", n));
    let policy = if class.never {
        "never"
    } else {
        "preempt_lower_priority"
    };
    let n = synth::text(cx, loc, &path, policy);
    entries.push(("preemption_policy", n));
    Some(name)
}

/// Readiness probe timings as a start-up time: the kubelet probes every
/// `periodSeconds`, skips probes before `initialDelaySeconds`, and marks
/// the container ready after `successThreshold` successes in a row. For an
/// application ready before the first probe, the pod is Ready between
/// `initialDelaySeconds + (successThreshold - 1) * periodSeconds` (a probe
/// falls right at the end of the delay) and one period later (one just
/// missed it); the probe ticker's phase is arbitrary, so the start-up time
/// is uniform over that interval. A pod is Ready when every container is:
/// the bounds are the largest over the containers (app and sidecars).
/// Pods without readiness probes are Ready at once (start-up 0).
fn startup_time(cx: &mut Cx, containers: &[Container], inits: &[Container]) -> Option<Node> {
    let mut lo = 0u64;
    let mut hi = 0u64;
    let mut src: Option<(Loc, String)> = None;
    for c in containers.iter().chain(inits.iter().filter(|c| c.sidecar)) {
        if c.m.get("startupProbe").is_some() {
            cx.warn(
                c.m.key_loc("startupProbe"),
                &c.m.path("startupProbe"),
                Problem::new(
                    "startup probes are not modelled: readiness is assumed to be probed from \
                     the start",
                )
                .hint("set the workload's startup_time under `overrides`"),
            );
        }
        let Some(probe) = c.m.get("readinessProbe") else {
            continue;
        };
        let pp = c.m.path("readinessProbe");
        let m = map(cx, probe, &pp)?;
        unknown_fields(
            cx,
            &m,
            &[
                "exec",
                "httpGet",
                "tcpSocket",
                "grpc",
                "initialDelaySeconds",
                "timeoutSeconds",
                "periodSeconds",
                "successThreshold",
                "failureThreshold",
                "terminationGracePeriodSeconds",
            ],
            "a probe",
        );
        let field = |cx: &mut Cx, key: &str, default: u64, min: u64| -> Option<u64> {
            match m.get(key) {
                None => Some(default),
                Some(n) => {
                    let p = m.path(key);
                    let v = cx.u64(n, &p)?;
                    if v < min {
                        cx.err(n.loc, &p, format!("must be at least {min}, got {v}"));
                        return None;
                    }
                    Some(v)
                }
            }
        };
        let delay = field(cx, "initialDelaySeconds", 0, 0)?;
        let period = field(cx, "periodSeconds", 10, 1)?;
        let success = field(cx, "successThreshold", 1, 1)?;
        let first = delay.saturating_add(success.saturating_sub(1).saturating_mul(period));
        let last = first.saturating_add(period);
        lo = lo.max(first);
        if last > hi {
            hi = last;
            src = Some((probe.loc, pp));
        }
    }
    let (loc, path) = src?;
    let min = synth::text(cx, loc, &path, format!("{lo}s"));
    let max = synth::text(cx, loc, &path, format!("{hi}s"));
    let dist = synth::text(cx, loc, &path, "uniform");
    Some(synth::map(
        cx,
        loc,
        &path,
        vec![("dist", dist), ("min", min), ("max", max)],
    ))
}

/// `tolerations` as the scenario's (same fields and rules).
fn tolerations(cx: &mut Cx, n: &Node, path: &str) -> Option<Node> {
    let items = list(cx, n, path)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let m = map(cx, item, &p)?;
        unknown_fields(
            cx,
            &m,
            &["key", "operator", "value", "effect", "tolerationSeconds"],
            "a toleration",
        );
        let mut fields = Vec::new();
        for f in ["key", "operator", "value", "effect"] {
            if let Some(v) = m.get(f) {
                // An empty effect tolerates every effect, as no effect does.
                if f == "effect" && matches!(&v.value, Value::Str(s) if s.is_empty()) {
                    continue;
                }
                let fp = m.path(f);
                fields.push((f, Node::new(v.value.clone(), synth::at(cx, v.loc, &fp))));
            }
        }
        if let Some(ts) = m.get("tolerationSeconds") {
            // Seconds, as the scenario's bare numbers are; upstream treats
            // a negative value as 0 (evict at once).
            let v = match &ts.value {
                Value::Int(i) if *i < 0 => Value::Int(0),
                v => v.clone(),
            };
            let fp = m.path("tolerationSeconds");
            fields.push((
                "toleration_seconds",
                Node::new(v, synth::at(cx, ts.loc, &fp)),
            ));
        }
        out.push(synth::map(cx, item.loc, &p, fields));
    }
    Some(synth::seq(cx, n.loc, path, out))
}

/// The scenario topology for a topology key, or a warning.
fn topology(cx: &mut Cx, n: &Node, path: &str, what: &str) -> Option<&'static str> {
    let key = cx.string(n, path)?;
    match key.as_str() {
        LABEL_HOSTNAME => Some("hostname"),
        LABEL_ZONE => Some("zone"),
        _ => {
            let hint = if key == "failure-domain.beta.kubernetes.io/zone" {
                format!("the beta zone label is deprecated; use {LABEL_ZONE}")
            } else {
                format!("kubesim models {LABEL_HOSTNAME} and {LABEL_ZONE}")
            };
            cx.warn(
                n.loc,
                path,
                Problem::new(format!(
                    "topology key `{key}` is not modelled; the {what} is left out"
                ))
                .hint(hint),
            );
            None
        }
    }
}

/// Which namespaces a pod (anti-)affinity term selects pods in.
enum Namespaces {
    /// The pod's own.
    Own,
    /// Those listed, and those the selector (if any) selects.
    Some(Vec<String>, Option<Selector>),
}

/// `topologySpreadConstraints` as `spread`. kubesim counts the pods of the
/// workload itself, so a constraint must select the workload's own pods.
fn spread(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    me: usize,
    labels: &Labels,
    ctx: &Ctx,
) -> Option<Node> {
    let items = list(cx, n, path)?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(m) = map(cx, item, &p) else {
            continue;
        };
        unknown_fields(
            cx,
            &m,
            &[
                "maxSkew",
                "topologyKey",
                "whenUnsatisfiable",
                "labelSelector",
                "minDomains",
                "matchLabelKeys",
                "nodeAffinityPolicy",
                "nodeTaintsPolicy",
            ],
            "a topology spread constraint",
        );
        let mut missing = false;
        for f in ["maxSkew", "topologyKey", "whenUnsatisfiable"] {
            if m.get(f).is_none() {
                cx.err(m.loc, &p, format!("missing field `{f}`"));
                missing = true;
            }
        }
        if missing {
            continue;
        }
        let skew_n = m.get("maxSkew").expect("checked");
        let when_n = m.get("whenUnsatisfiable").expect("checked");
        let skew = cx.positive_u32(skew_n, &m.path("maxSkew"));
        let when = cx.choice(
            when_n,
            &m.path("whenUnsatisfiable"),
            &["DoNotSchedule", "ScheduleAnyway"],
        );
        let topo = topology(
            cx,
            m.get("topologyKey").expect("checked"),
            &m.path("topologyKey"),
            "constraint",
        );
        let (Some(skew), Some(when)) = (skew, when) else {
            continue;
        };
        let Some(topo) = topo else { continue };
        let Some(sel_n) = m.get("labelSelector") else {
            cx.warn(
                m.loc,
                &p,
                Problem::new(
                    "a constraint without labelSelector counts no pods upstream, so it never \
                     constrains; it is left out (note: kubesim then applies the scheduler's \
                     default spreading, which upstream skips for pods with any constraint)",
                ),
            );
            continue;
        };
        let sp = m.path("labelSelector");
        let Some(sel) = selector::parse(cx, sel_n, &sp) else {
            continue;
        };
        if !sel.matches(labels) {
            cx.warn(
                sel_n.loc,
                &sp,
                Problem::new(format!(
                    "the selector ({}) does not select the workload's own pods; kubesim spreads \
                     a workload's own pods only, so the constraint is left out",
                    sel.describe()
                )),
            );
            continue;
        }
        let others: Vec<&str> = ctx
            .stubs
            .iter()
            .enumerate()
            .filter(|(j, s)| {
                *j != me && s.namespace == ctx.stubs[me].namespace && sel.matches(&s.labels)
            })
            .map(|(_, s)| s.name.as_str())
            .collect();
        if !others.is_empty() {
            cx.warn(
                sel_n.loc,
                &sp,
                Problem::new(format!(
                    "the selector also selects the pods of {}; kubesim counts only the \
                     workload's own pods",
                    others.join(", ")
                )),
            );
        }
        if let Some(k) = m.get("matchLabelKeys")
            && let Value::Seq(keys) = &k.value
            && keys
                .iter()
                .any(|k| matches!(&k.value, Value::Str(s) if s == "pod-template-hash"))
        {
            cx.warn(
                k.loc,
                &m.path("matchLabelKeys"),
                Problem::new(
                    "matchLabelKeys [pod-template-hash] (spreading each revision on its own) \
                     is not modelled: kubesim spreads all the workload's pods together",
                ),
            );
        }
        for (f, default) in [
            ("nodeAffinityPolicy", "Honor"),
            ("nodeTaintsPolicy", "Ignore"),
        ] {
            if let Some(v) = m.get(f) {
                let fp = m.path(f);
                if let Some(c) = cx.choice(v, &fp, &["Honor", "Ignore"])
                    && c != default
                {
                    cx.warn(
                        v.loc,
                        &fp,
                        Problem::new(format!(
                            "{f}: {c} is not modelled; kubesim uses the default, {default}"
                        )),
                    );
                }
            }
        }
        let mut fields = vec![
            (
                "topology",
                synth::text(cx, m.key_loc("topologyKey"), &m.path("topologyKey"), topo),
            ),
            (
                "max_skew",
                synth::int(cx, skew_n.loc, &m.path("maxSkew"), skew),
            ),
            (
                "when_unsatisfiable",
                synth::text(
                    cx,
                    when_n.loc,
                    &m.path("whenUnsatisfiable"),
                    if when == "DoNotSchedule" {
                        "do_not_schedule"
                    } else {
                        "schedule_anyway"
                    },
                ),
            ),
        ];
        if let Some(md) = m.get("minDomains") {
            let mp = m.path("minDomains");
            fields.push((
                "min_domains",
                Node::new(md.value.clone(), synth::at(cx, md.loc, &mp)),
            ));
        }
        out.push(synth::map(cx, item.loc, &p, fields));
    }
    if out.is_empty() {
        return None;
    }
    Some(synth::seq(cx, n.loc, path, out))
}

/// `affinity` as the scenario's: node affinity as is; pod (anti-)affinity
/// terms translated to the imported workloads their selectors select.
fn affinity(cx: &mut Cx, n: &Node, path: &str, me: usize, ctx: &Ctx) -> Option<Node> {
    let m = map(cx, n, path)?;
    unknown_fields(
        cx,
        &m,
        &["nodeAffinity", "podAffinity", "podAntiAffinity"],
        "affinity",
    );
    let mut fields = Vec::new();
    if let Some(na) = m.get("nodeAffinity")
        && let Some(node) = node_affinity(cx, na, &m.path("nodeAffinity"))
    {
        fields.push(("node", node));
    }
    for (key, anti, out) in [
        ("podAffinity", false, "pod_affinity"),
        ("podAntiAffinity", true, "pod_anti_affinity"),
    ] {
        if let Some(pa) = m.get(key) {
            let terms = pod_terms(cx, pa, &m.path(key), anti, me, ctx);
            if !terms.is_empty() {
                let node = synth::seq(cx, pa.loc, &m.path(key), terms);
                fields.push((out, node));
            }
        }
    }
    if fields.is_empty() {
        return None;
    }
    Some(synth::map(cx, n.loc, path, fields))
}

const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";

fn node_affinity(cx: &mut Cx, n: &Node, path: &str) -> Option<Node> {
    let m = map(cx, n, path)?;
    unknown_fields(cx, &m, &[REQUIRED, PREFERRED], "node affinity");
    let mut fields = Vec::new();
    if let Some(req) = m.get(REQUIRED) {
        let rp = m.path(REQUIRED);
        let r = map(cx, req, &rp)?;
        unknown_fields(cx, &r, &["nodeSelectorTerms"], "a node selector");
        let Some(terms_n) = r.get("nodeSelectorTerms") else {
            cx.err(r.loc, &rp, "missing field `nodeSelectorTerms`");
            return None;
        };
        let tp = r.path("nodeSelectorTerms");
        let mut terms = Vec::new();
        for (i, t) in list(cx, terms_n, &tp)?.iter().enumerate() {
            let p = format!("{tp}[{i}]");
            // An empty term selects no node: leaving it out of the ORed
            // list changes nothing.
            if let Some(exprs) = node_term(cx, t, &p) {
                let node = synth::map(cx, t.loc, &p, vec![("match_expressions", exprs)]);
                terms.push(node);
            }
        }
        if terms.is_empty() {
            cx.report(
                terms_n.loc,
                &tp,
                Problem::new("no term has an expression, so no node matches and no pod could be scheduled")
                    .hint("an empty term matches no node; remove the required node affinity for no requirement"),
            );
            return None;
        }
        let node = synth::seq(cx, terms_n.loc, &tp, terms);
        fields.push(("required", node));
    }
    if let Some(pref) = m.get(PREFERRED) {
        let pp = m.path(PREFERRED);
        let mut terms = Vec::new();
        for (i, t) in list(cx, pref, &pp)?.iter().enumerate() {
            let p = format!("{pp}[{i}]");
            let Some(tm) = map(cx, t, &p) else { continue };
            unknown_fields(
                cx,
                &tm,
                &["weight", "preference"],
                "a preferred scheduling term",
            );
            let (Some(w), Some(pref_n)) = (tm.get("weight"), tm.get("preference")) else {
                cx.err(
                    tm.loc,
                    &p,
                    "a preferred term needs `weight` and `preference`",
                );
                continue;
            };
            let Some(exprs) = node_term(cx, pref_n, &tm.path("preference")) else {
                continue;
            };
            let weight = Node::new(w.value.clone(), synth::at(cx, w.loc, &tm.path("weight")));
            let node = synth::map(
                cx,
                t.loc,
                &p,
                vec![("weight", weight), ("match_expressions", exprs)],
            );
            terms.push(node);
        }
        if !terms.is_empty() {
            let node = synth::seq(cx, pref.loc, &pp, terms);
            fields.push(("preferred", node));
        }
    }
    if fields.is_empty() {
        return None;
    }
    Some(synth::map(cx, n.loc, path, fields))
}

/// A node selector term's expressions (`matchFields` on `metadata.name`
/// read as the hostname label, which equals the node name in kubesim), or
/// None for an empty term.
fn node_term(cx: &mut Cx, n: &Node, path: &str) -> Option<Node> {
    let m = map(cx, n, path)?;
    unknown_fields(
        cx,
        &m,
        &["matchExpressions", "matchFields"],
        "a node selector term",
    );
    let mut exprs = Vec::new();
    for key in ["matchExpressions", "matchFields"] {
        let Some(e) = m.get(key) else { continue };
        let ep = m.path(key);
        for (i, r) in list(cx, e, &ep)?.iter().enumerate() {
            let p = format!("{ep}[{i}]");
            let rm = map(cx, r, &p)?;
            unknown_fields(
                cx,
                &rm,
                &["key", "operator", "values"],
                "a node selector requirement",
            );
            let mut fields = Vec::new();
            for f in ["key", "operator", "values"] {
                let Some(v) = rm.get(f) else { continue };
                let fp = rm.path(f);
                let mut value = v.value.clone();
                if key == "matchFields" && f == "key" {
                    if matches!(&v.value, Value::Str(s) if s == "metadata.name") {
                        value = Value::Str(LABEL_HOSTNAME.to_string());
                        cx.warn(
                            v.loc,
                            &fp,
                            Problem::new(
                                "matchFields on metadata.name names nodes; kubesim's nodes are \
                                 named <pool>-<index>",
                            ),
                        );
                    } else {
                        cx.err(
                            v.loc,
                            &fp,
                            format!(
                                "matchFields supports only metadata.name, got {}",
                                v.describe()
                            ),
                        );
                        return None;
                    }
                }
                fields.push((f, Node::new(value, synth::at(cx, v.loc, &fp))));
            }
            exprs.push(synth::map(cx, r.loc, &p, fields));
        }
    }
    if exprs.is_empty() {
        return None;
    }
    Some(synth::seq(cx, n.loc, path, exprs))
}

/// The pod (anti-)affinity terms of `n` (a `podAffinity` or
/// `podAntiAffinity` mapping), one scenario term per imported workload a
/// term's selector selects.
fn pod_terms(cx: &mut Cx, n: &Node, path: &str, anti: bool, me: usize, ctx: &Ctx) -> Vec<Node> {
    let mut out = Vec::new();
    let Some(m) = map(cx, n, path) else {
        return out;
    };
    unknown_fields(cx, &m, &[REQUIRED, PREFERRED], "pod affinity");
    for (key, required) in [(REQUIRED, true), (PREFERRED, false)] {
        let Some(l) = m.get(key) else { continue };
        let lp = m.path(key);
        let Some(items) = list(cx, l, &lp) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let p = format!("{lp}[{i}]");
            let (term_n, term_p, weight) = if required {
                (item, p.clone(), None)
            } else {
                let Some(wm) = map(cx, item, &p) else {
                    continue;
                };
                unknown_fields(
                    cx,
                    &wm,
                    &["weight", "podAffinityTerm"],
                    "a weighted pod affinity term",
                );
                let (Some(w), Some(t)) = (wm.get("weight"), wm.get("podAffinityTerm")) else {
                    cx.err(
                        wm.loc,
                        &p,
                        "a preferred term needs `weight` and `podAffinityTerm`",
                    );
                    continue;
                };
                (t, wm.path("podAffinityTerm"), Some(w))
            };
            out.extend(pod_term(cx, term_n, &term_p, anti, weight, me, ctx));
        }
    }
    out
}

fn pod_term(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    anti: bool,
    weight: Option<&Node>,
    me: usize,
    ctx: &Ctx,
) -> Vec<Node> {
    let mut out = Vec::new();
    let Some(m) = map(cx, n, path) else {
        return out;
    };
    unknown_fields(
        cx,
        &m,
        &[
            "labelSelector",
            "namespaces",
            "namespaceSelector",
            "topologyKey",
            "matchLabelKeys",
            "mismatchLabelKeys",
        ],
        "a pod affinity term",
    );
    let what = match (anti, weight.is_none()) {
        (false, true) => "required pod affinity",
        (false, false) => "preferred pod affinity",
        (true, true) => "required pod anti-affinity",
        (true, false) => "preferred pod anti-affinity",
    };
    let Some(tk) = m.get("topologyKey") else {
        cx.err(m.loc, path, "missing field `topologyKey`");
        return out;
    };
    let Some(topo) = topology(cx, tk, &m.path("topologyKey"), "term") else {
        return out;
    };
    for f in ["matchLabelKeys", "mismatchLabelKeys"] {
        if let Some(v) = m.get(f)
            && matches!(&v.value, Value::Seq(s) if !s.is_empty())
        {
            cx.warn(
                v.loc,
                &m.path(f),
                Problem::new(format!(
                    "{f} is not modelled: kubesim's terms select every pod of the workloads \
                     the selector selects, all revisions"
                )),
            );
        }
    }
    let Some(sel_n) = m.get("labelSelector") else {
        cx.warn(
            m.loc,
            path,
            Problem::new(format!(
                "a {what} term without labelSelector selects no pods; it is left out"
            )),
        );
        return out;
    };
    let sp = m.path("labelSelector");
    let Some(sel) = selector::parse(cx, sel_n, &sp) else {
        return out;
    };
    let namespaces = match (m.get("namespaces"), m.get("namespaceSelector")) {
        (None, None) => Namespaces::Own,
        (names, nsel) => {
            let mut listed = Vec::new();
            if let Some(l) = names {
                let np = m.path("namespaces");
                if let Some(items) = list(cx, l, &np) {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(s) = cx.string(item, &format!("{np}[{i}]")) {
                            listed.push(s);
                        }
                    }
                }
            }
            let nsel = match nsel {
                Some(s) => match selector::parse(cx, s, &m.path("namespaceSelector")) {
                    Some(s) => Some(s),
                    None => return out,
                },
                None => None,
            };
            if listed.is_empty() && nsel.is_none() {
                Namespaces::Own
            } else {
                Namespaces::Some(listed, nsel)
            }
        }
    };
    let own_ns = &ctx.stubs[me].namespace;
    let in_scope = |ns: &str| match &namespaces {
        Namespaces::Own => ns == own_ns,
        Namespaces::Some(listed, sel) => {
            listed.iter().any(|l| l == ns)
                || sel
                    .as_ref()
                    .is_some_and(|s| s.matches(&ctx.namespace_labels(ns)))
        }
    };
    let matched: Vec<usize> = ctx
        .stubs
        .iter()
        .enumerate()
        .filter(|(_, s)| in_scope(&s.namespace) && sel.matches(&s.labels))
        .map(|(j, _)| j)
        .collect();
    if matched.is_empty() {
        let consequence = if !anti && weight.is_none() {
            "; upstream its pods stay Pending unless such pods run in the cluster"
        } else {
            ""
        };
        cx.warn(
            sel_n.loc,
            &sp,
            Problem::new(format!(
                "the {what} selector ({}) selects no imported workload, so the term is left \
                 out{consequence}",
                sel.describe()
            ))
            .hint("add the manifests of the pods it should select"),
        );
        return out;
    }
    if !anti && weight.is_none() && matched.len() > 1 {
        let names: Vec<&str> = matched
            .iter()
            .map(|j| ctx.stubs[*j].name.as_str())
            .collect();
        cx.warn(
            sel_n.loc,
            &sp,
            Problem::new(format!(
                "the required pod affinity selector selects several workloads ({}); upstream \
                 a pod of any of them satisfies it, kubesim's terms name one workload, so the \
                 term is left out",
                names.join(", ")
            )),
        );
        return out;
    }
    let tk_loc = tk.loc;
    let tk_path = m.path("topologyKey");
    for j in matched {
        let mut fields = vec![
            (
                "workload",
                synth::text(cx, sel_n.loc, &sp, ctx.stubs[j].name.clone()),
            ),
            ("topology", synth::text(cx, tk_loc, &tk_path, topo)),
        ];
        if let Some(w) = weight {
            let wp = format!("{}.weight", path.trim_end_matches(".podAffinityTerm"));
            fields.push(("required", synth::boolean(cx, w.loc, &wp, false)));
            fields.push((
                "weight",
                Node::new(w.value.clone(), synth::at(cx, w.loc, &wp)),
            ));
        }
        out.push(synth::map(cx, n.loc, path, fields));
    }
    out
}

/// Warnings for pod spec fields whose behaviour kubesim does not model.
fn unsupported_pod_fields(cx: &mut Cx, spec: &Map, containers: &[Container], inits: &[Container]) {
    let warn = |cx: &mut Cx, key: &str, msg: &str| {
        cx.warn(
            spec.key_loc(key),
            &spec.path(key),
            Problem::new(msg.to_string()),
        );
    };
    if spec.get("nodeName").is_some() {
        warn(
            cx,
            "nodeName",
            "nodeName binds pods without the scheduler; kubesim schedules them",
        );
    }
    if let Some(s) = spec.get("schedulerName")
        && !matches!(&s.value, Value::Str(v) if v == "default-scheduler")
    {
        warn(
            cx,
            "schedulerName",
            "only the default scheduler is modelled; kubesim schedules these pods with it",
        );
    }
    if matches!(spec.get("schedulingGates").map(|g| &g.value), Some(Value::Seq(g)) if !g.is_empty())
    {
        warn(
            cx,
            "schedulingGates",
            "scheduling gates are not modelled: kubesim schedules the pods at once",
        );
    }
    if matches!(spec.get("readinessGates").map(|g| &g.value), Some(Value::Seq(g)) if !g.is_empty())
    {
        warn(
            cx,
            "readinessGates",
            "readiness gates are not modelled: pods are Ready without their conditions",
        );
    }
    if spec.get("runtimeClassName").is_some() {
        warn(
            cx,
            "runtimeClassName",
            "the RuntimeClass's overhead and node selector are not known to kubesim; set \
             `overhead` in the pod spec to count the overhead",
        );
    }
    if matches!(spec.get("resourceClaims").map(|g| &g.value), Some(Value::Seq(g)) if !g.is_empty())
    {
        warn(
            cx,
            "resourceClaims",
            "resource claims (dynamic resource allocation) are not modelled",
        );
    }
    if let Some(Value::Seq(volumes)) = spec.get("volumes").map(|v| &v.value) {
        for (i, v) in volumes.iter().enumerate() {
            if let Value::Map(entries) = &v.value
                && let Some((k, _)) = entries
                    .iter()
                    .find(|(k, _)| k.name == "persistentVolumeClaim" || k.name == "ephemeral")
            {
                cx.warn(
                    k.loc,
                    &format!("{}[{i}].{}", spec.path("volumes"), k.name),
                    Problem::new(
                        "persistent volumes are not modelled: no volume binding, zone or \
                         attach limits",
                    ),
                );
            }
        }
    }
    let host_network = matches!(
        spec.get("hostNetwork").map(|v| &v.value),
        Some(Value::Bool(true))
    );
    for c in containers.iter().chain(inits) {
        let Some(Value::Seq(ports)) = c.m.get("ports").map(|p| &p.value) else {
            continue;
        };
        for (i, port) in ports.iter().enumerate() {
            let Value::Map(entries) = &port.value else {
                continue;
            };
            let host_port = entries.iter().find(|(k, _)| k.name == "hostPort");
            if host_port.is_some() || host_network {
                let loc = host_port.map_or(port.loc, |(k, _)| k.loc);
                cx.warn(
                    loc,
                    &format!("{}[{i}]", c.m.path("ports")),
                    Problem::new(
                        "host ports are not modelled: kubesim lets pods with the same host \
                         port share a node (upstream's NodePorts filter does not)",
                    ),
                );
                break;
            }
        }
    }
}
