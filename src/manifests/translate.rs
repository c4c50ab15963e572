//! Objects to workloads: Deployments and ReplicaSets become workloads;
//! PriorityClasses, HorizontalPodAutoscalers and PodDisruptionBudgets are
//! bound to them; everything else is listed as ignored.

use super::object::{Map, Object, list, map, unknown_fields};
use super::pod::{self, Class, Ctx, Stub};
use super::selector::{self, Labels};
use super::synth;
use super::{Ignored, ImportReport, ImportedWorkload, ObjectRef};
use crate::scenario::for_manifests::{Cx, Loc, Node, Problem, Value, did_you_mean};
use std::collections::BTreeMap;

/// Whether this kubesim's scenario `hpa` takes a `behavior` (the traffic
/// and HPA wiring adds it as `{scale_up, scale_down}` with
/// `stabilization_window`, `select_policy`, `policies: [{type, value,
/// period}]` and `tolerance`). Until then a manifest's `behavior` is read
/// and checked, then left out with a warning.
const HPA_BEHAVIOR_SIMULATED: bool = true;

/// A workload translated from a manifest.
pub(crate) struct Translated {
    /// Its name.
    pub name: String,
    /// Where the name is written, reported as `metadata.name` (for
    /// duplicate-name messages).
    pub name_loc: Loc,
    /// Where the workload is (the object), for the scenario item.
    pub loc: Loc,
    /// The fields of a scenario `workloads` item.
    pub entries: Vec<(&'static str, Node)>,
    /// What the report says about it.
    pub report: ImportedWorkload,
}

/// Kinds whose pods would take capacity in a real cluster but that
/// kubesim does not simulate.
const UNSIMULATED_WORKLOADS: &[&str] = &[
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
    "ReplicationController",
];

/// Read kinds and the one apiVersion each is read in (others are removed
/// or beta APIs, refused with the version to use).
const READ: &[(&str, &[&str])] = &[
    ("Deployment", &["apps/v1"]),
    ("ReplicaSet", &["apps/v1"]),
    (
        "HorizontalPodAutoscaler",
        &["autoscaling/v2", "autoscaling/v1"],
    ),
    ("PodDisruptionBudget", &["policy/v1"]),
    ("PriorityClass", &["scheduling.k8s.io/v1"]),
];

pub(crate) fn object_ref(cx: &Cx, o: &Object) -> ObjectRef {
    ObjectRef {
        kind: o.kind.clone(),
        name: o.name.clone().unwrap_or_default(),
        namespace: o.namespace.clone(),
        file: cx.file_name(o.file).to_string(),
        document: o.document,
    }
}

/// Translates the objects read from the manifests.
pub(crate) fn translate(cx: &mut Cx, objects: &[Object]) -> (Vec<Translated>, ImportReport) {
    let mut report = ImportReport::default();
    let mut workloads: Vec<&Object> = Vec::new();
    let mut hpas: Vec<&Object> = Vec::new();
    let mut pdbs: Vec<&Object> = Vec::new();
    let mut class_objects: Vec<&Object> = Vec::new();
    let mut namespaces: BTreeMap<String, Labels> = BTreeMap::new();
    let mut unsimulated: Vec<&Object> = Vec::new();
    let mut seen: BTreeMap<(String, String, String), &Object> = BTreeMap::new();
    for o in objects {
        if let Some((_, versions)) = READ.iter().find(|(k, _)| *k == o.kind) {
            if !versions.contains(&o.api_version.as_str()) {
                let loc = o.root().key_loc("apiVersion");
                cx.report(
                    loc,
                    &o.path("apiVersion"),
                    Problem::new(format!(
                        "{} {} is not read: kubesim reads {}",
                        o.api_version,
                        o.kind,
                        versions.join(" and ")
                    ))
                    .hint(format!(
                        "{} was removed from Kubernetes or is not GA; convert the manifest to {}",
                        o.api_version, versions[0]
                    )),
                );
                continue;
            }
            let ns = if o.kind == "PriorityClass" {
                String::new()
            } else {
                o.namespace.clone()
            };
            if let Some(name) = &o.name {
                let key = (o.kind.clone(), ns, name.clone());
                if let Some(first) = seen.get(&key) {
                    cx.report(
                        o.root().key_loc("metadata"),
                        &o.path("metadata.name"),
                        Problem::new(format!("{} is defined twice", o.title())).hint(format!(
                            "first in {} document {}",
                            cx.file_name(first.file),
                            first.document
                        )),
                    );
                    continue;
                }
                seen.insert(key, o);
            }
        }
        match o.kind.as_str() {
            "Deployment" => workloads.push(o),
            "ReplicaSet" => match owner(o) {
                Some(owner) => report.ignored.push(Ignored {
                    object: object_ref(cx, o),
                    reason: format!("owned by {owner}, which makes its pods"),
                }),
                None => workloads.push(o),
            },
            "HorizontalPodAutoscaler" => hpas.push(o),
            "PodDisruptionBudget" => pdbs.push(o),
            "PriorityClass" => class_objects.push(o),
            "Namespace" if o.api_version == "v1" => {
                if let Some(name) = &o.name {
                    namespaces.insert(name.clone(), metadata_labels(cx, o).unwrap_or_default());
                }
                report.ignored.push(Ignored {
                    object: object_ref(cx, o),
                    reason: "labels read for namespace selectors".into(),
                });
            }
            kind if UNSIMULATED_WORKLOADS.contains(&kind) => {
                cx.warn(
                    o.root().key_loc("kind"),
                    &o.path("kind"),
                    Problem::new(format!(
                        "{kind} is not simulated: its pods take no capacity in kubesim"
                    ))
                    .hint(
                        "model it as a Deployment (or a hand-written workload) to count its pods",
                    ),
                );
                report.ignored.push(Ignored {
                    object: object_ref(cx, o),
                    reason: format!("{kind}s are not simulated"),
                });
                unsimulated.push(o);
            }
            _ => report.ignored.push(Ignored {
                object: object_ref(cx, o),
                reason: String::new(),
            }),
        }
    }

    let (classes, default_class) = priority_classes(cx, &class_objects);

    // Names, namespaces and template labels first: pod affinity terms,
    // HPAs and PDBs refer to workloads by them.
    let mut stubs: Vec<Stub> = Vec::new();
    let mut specs: Vec<(&Object, Map, Map, Loc)> = Vec::new();
    let mut names: BTreeMap<String, &Object> = BTreeMap::new();
    for o in &workloads {
        let Some((stub, spec, template, name_loc)) = stub(cx, o) else {
            continue;
        };
        if let Some(first) = names.get(&stub.name) {
            cx.report(
                name_loc,
                &o.path("metadata.name"),
                Problem::new(format!(
                    "workload name `{}` is used twice (here and by {} in {} document {})",
                    stub.name,
                    first.title(),
                    cx.file_name(first.file),
                    first.document
                ))
                .hint("kubesim workload names are unique across kinds and namespaces; rename one"),
            );
            continue;
        }
        names.insert(stub.name.clone(), o);
        stubs.push(stub);
        specs.push((o, spec, template, name_loc));
    }
    let ctx = Ctx {
        stubs: &stubs,
        namespaces: &namespaces,
        classes: &classes,
        default_class: default_class.as_deref(),
    };
    let mut out: Vec<Option<Translated>> = Vec::new();
    let mut pods: Vec<Option<pod::Pod>> = Vec::new();
    for (i, (o, spec, template, name_loc)) in specs.iter().enumerate() {
        let t = workload(cx, o, spec, template, *name_loc, i, &ctx);
        match t {
            Some((t, p)) => {
                out.push(Some(t));
                pods.push(Some(p));
            }
            None => {
                out.push(None);
                pods.push(None);
            }
        }
    }
    for h in &hpas {
        hpa(cx, h, &stubs, &pods, &unsimulated, &mut out);
    }
    for p in &pdbs {
        pdb(cx, p, &stubs, &mut out);
    }
    let mut translated = Vec::new();
    for t in out.into_iter().flatten() {
        report.workloads.push(t.report.clone());
        translated.push(t);
    }
    (translated, report)
}

/// The Deployment owning a ReplicaSet (`Deployment web`), if any.
fn owner(o: &Object) -> Option<String> {
    let root = o.root();
    let Value::Map(meta) = &root.get("metadata")?.value else {
        return None;
    };
    let (_, owners) = meta.iter().find(|(k, _)| k.name == "ownerReferences")?;
    let Value::Seq(owners) = &owners.value else {
        return None;
    };
    owners.iter().find_map(|r| {
        let Value::Map(e) = &r.value else { return None };
        let field = |k: &str| {
            e.iter()
                .find(|(key, _)| key.name == k)
                .and_then(|(_, v)| v.scalar_text())
        };
        (field("kind").as_deref() == Some("Deployment"))
            .then(|| format!("Deployment {}", field("name").unwrap_or_default()))
    })
}

fn metadata_labels(cx: &mut Cx, o: &Object) -> Option<Labels> {
    let root = o.root();
    let meta = map(cx, root.get("metadata")?, &root.path("metadata"))?;
    match meta.get("labels") {
        Some(l) => cx.string_map(l, &meta.path("labels")),
        None => Some(Labels::new()),
    }
}

/// PriorityClasses by name, and the `globalDefault` one.
fn priority_classes(cx: &mut Cx, objects: &[&Object]) -> (BTreeMap<String, Class>, Option<String>) {
    let mut classes = BTreeMap::new();
    let mut default: Option<(String, &Object)> = None;
    for o in objects {
        let root = o.root();
        unknown_fields(
            cx,
            &root,
            &[
                "apiVersion",
                "kind",
                "metadata",
                "value",
                "globalDefault",
                "description",
                "preemptionPolicy",
            ],
            "a PriorityClass",
        );
        let Some(name) = object_name(cx, o) else {
            continue;
        };
        if name.starts_with("system-") {
            cx.report(
                root.key_loc("metadata"),
                &o.path("metadata.name"),
                Problem::new(format!(
                    "PriorityClass names starting with `system-` are reserved; `{name}` is refused \
                     by Kubernetes"
                ))
                .hint("system-cluster-critical and system-node-critical are built in"),
            );
            continue;
        }
        let value = match root.get("value") {
            Some(v) => {
                let p = root.path("value");
                cx.i32(v, &p).and_then(|x| {
                    if x > 1_000_000_000 {
                        cx.err(
                            v.loc,
                            &p,
                            format!(
                                "user-defined priorities are at most 1000000000, got {x} \
                                 (higher values are reserved for system classes)"
                            ),
                        );
                        return None;
                    }
                    Some(x)
                })
            }
            None => {
                cx.err(root.loc, &o.path("value"), "missing field `value`");
                None
            }
        };
        let never = match root.get("preemptionPolicy") {
            Some(v) => cx
                .choice(
                    v,
                    &root.path("preemptionPolicy"),
                    &["PreemptLowerPriority", "Never"],
                )
                .map(|c| c == "Never"),
            None => Some(false),
        };
        let global = match root.get("globalDefault") {
            Some(v) => cx.bool(v, &root.path("globalDefault")),
            None => Some(false),
        };
        let (Some(value), Some(never), Some(global)) = (value, never, global) else {
            continue;
        };
        if global {
            if let Some((first, fo)) = &default {
                cx.report(
                    root.key_loc("globalDefault"),
                    &root.path("globalDefault"),
                    Problem::new(format!(
                        "two PriorityClasses are globalDefault (`{first}` and `{name}`); \
                         Kubernetes allows one"
                    ))
                    .hint(format!(
                        "`{first}` is in {} document {}",
                        cx.file_name(fo.file),
                        fo.document
                    )),
                );
            } else {
                default = Some((name.clone(), o));
            }
        }
        classes.insert(name, Class { value, never });
    }
    (classes, default.map(|(n, _)| n))
}

/// `metadata.name`, required and a DNS label (kubesim names end up in
/// file names and CSV columns, so Kubernetes' dotted names are refused).
fn object_name(cx: &mut Cx, o: &Object) -> Option<String> {
    let root = o.root();
    let Some(meta) = root.get("metadata") else {
        cx.report(
            root.loc,
            &o.path("metadata.name"),
            Problem::new(format!("a {} needs metadata.name", o.kind)),
        );
        return None;
    };
    let meta = map(cx, meta, &root.path("metadata"))?;
    match meta.get("name") {
        Some(n) => cx.name(n, &meta.path("name")),
        None => {
            let hint = if meta.get("generateName").is_some() {
                "generateName is not supported: give the object a fixed name"
            } else {
                "add metadata.name"
            };
            cx.report(
                meta.loc,
                &meta.path("name"),
                Problem::new(format!("a {} needs metadata.name", o.kind)).hint(hint),
            );
            None
        }
    }
}

/// The name, namespace, selector and template labels of a workload
/// object, with its `spec` and `spec.template` mappings.
fn stub<'o>(cx: &mut Cx, o: &'o Object) -> Option<(Stub, Map<'o>, Map<'o>, Loc)> {
    let root = o.root();
    let name = object_name(cx, o);
    let name_loc = root
        .get("metadata")
        .and_then(|m| match &m.value {
            Value::Map(e) => e.iter().find(|(k, _)| k.name == "name").map(|(_, v)| v.loc),
            _ => None,
        })
        .unwrap_or(root.loc);
    let Some(spec_n) = root.get("spec") else {
        cx.err(
            root.loc,
            &o.path("spec"),
            format!("a {} needs a spec", o.kind),
        );
        return None;
    };
    let spec = map(cx, spec_n, &root.path("spec"))?;
    let known: &[&str] = if o.kind == "Deployment" {
        &[
            "replicas",
            "selector",
            "template",
            "strategy",
            "minReadySeconds",
            "revisionHistoryLimit",
            "paused",
            "progressDeadlineSeconds",
        ]
    } else {
        &["replicas", "selector", "template", "minReadySeconds"]
    };
    unknown_fields(cx, &spec, known, &format!("a {} spec", o.kind));
    let Some(template_n) = spec.get("template") else {
        cx.err(spec.loc, &spec.path("template"), "missing field `template`");
        return None;
    };
    let template = map(cx, template_n, &spec.path("template"))?;
    let labels = match template.get("metadata") {
        Some(m) => {
            let mp = template.path("metadata");
            let meta = map(cx, m, &mp)?;
            match meta.get("labels") {
                Some(l) => cx.string_map(l, &meta.path("labels"))?,
                None => Labels::new(),
            }
        }
        None => Labels::new(),
    };
    let selector = match spec.get("selector") {
        Some(s) => selector::parse(cx, s, &spec.path("selector"))?,
        None => {
            cx.report(
                spec.loc,
                &spec.path("selector"),
                Problem::new(format!("a {} needs spec.selector", o.kind)).hint(
                    "e.g. selector: {matchLabels: {app: web}}, matching the template's labels",
                ),
            );
            return None;
        }
    };
    let sel_loc = spec.key_loc("selector");
    if selector.is_empty() {
        cx.report(
            sel_loc,
            &spec.path("selector"),
            Problem::new("an empty selector is invalid for a workload: it would select every pod")
                .hint("select the template's labels, e.g. {matchLabels: {app: web}}"),
        );
        return None;
    }
    if !selector.matches(&labels) {
        cx.report(
            sel_loc,
            &spec.path("selector"),
            Problem::new(format!(
                "the selector ({}) does not select the pod template's labels ({}); Kubernetes \
                 refuses the {}",
                selector.describe(),
                if labels.is_empty() {
                    "none".to_string()
                } else {
                    labels
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                },
                o.kind
            )),
        );
        return None;
    }
    Some((
        Stub {
            name: name?,
            namespace: o.namespace.clone(),
            labels,
        },
        spec,
        template,
        name_loc,
    ))
}

/// A Deployment or ReplicaSet as a scenario workload.
fn workload(
    cx: &mut Cx,
    o: &Object,
    spec: &Map,
    template: &Map,
    name_loc: Loc,
    me: usize,
    ctx: &Ctx,
) -> Option<(Translated, pod::Pod)> {
    let before = cx.errors();
    let name = ctx.stubs[me].name.clone();
    let mut entries: Vec<(&'static str, Node)> = Vec::new();
    let np = o.path("metadata.name");
    entries.push(("name", synth::text(cx, name_loc, &np, name.clone())));
    if let Some(r) = spec.get("replicas") {
        let p = spec.path("replicas");
        if let Some(v) = cx.u32(r, &p) {
            entries.push(("replicas", synth::int(cx, r.loc, &p, v)));
        }
    }
    if let Some(m) = spec.get("minReadySeconds") {
        let p = spec.path("minReadySeconds");
        if let Some(v) = cx.u32(m, &p) {
            entries.push(("min_ready_seconds", synth::int(cx, m.loc, &p, v)));
        }
    }
    if let Some(s) = spec.get("strategy")
        && let Some(n) = strategy(cx, s, &spec.path("strategy"))
    {
        entries.push(("strategy", n));
    }
    if let Some(p) = spec.get("paused")
        && matches!(p.value, Value::Bool(true))
    {
        cx.warn(
            p.loc,
            &spec.path("paused"),
            Problem::new(
                "paused Deployments are not modelled: kubesim rolls out `rollout` events at once",
            ),
        );
    }
    if let Some(m) = spec.get("progressDeadlineSeconds") {
        let p = spec.path("progressDeadlineSeconds");
        if let Some(v) = cx.u32(m, &p) {
            entries.push(("progress_deadline", synth::int(cx, m.loc, &p, v)));
        }
    }
    // Read for its type only: kubesim keeps 10 old ReplicaSets.
    if let Some(v) = spec.get("revisionHistoryLimit") {
        cx.u32(v, &spec.path("revisionHistoryLimit"));
    }
    let pod = pod::translate(cx, o, me, template, ctx)?;
    entries.extend(pod.entries.iter().cloned());
    if cx.errors() != before {
        return None;
    }
    let report = ImportedWorkload {
        name: name.clone(),
        source: object_ref(cx, o),
        hpa: None,
        pdb: None,
        priority_class: pod.priority_class.clone(),
        overrides: Vec::new(),
    };
    let loc = cx.relabel(o.node.loc, o.prefix.clone());
    let name_loc = cx.relabel(name_loc, np);
    Some((
        Translated {
            name,
            name_loc,
            loc,
            entries,
            report,
        },
        pod,
    ))
}

/// `strategy` as the scenario's.
fn strategy(cx: &mut Cx, n: &Node, path: &str) -> Option<Node> {
    let m = map(cx, n, path)?;
    unknown_fields(cx, &m, &["type", "rollingUpdate"], "a deployment strategy");
    let kind = match m.get("type") {
        Some(t) => cx.choice(t, &m.path("type"), &["RollingUpdate", "Recreate"])?,
        None => "RollingUpdate",
    };
    let ru = m.get("rollingUpdate");
    if kind == "Recreate" {
        if let Some(ru) = ru {
            cx.report(
                ru.loc,
                &m.path("rollingUpdate"),
                Problem::new("rollingUpdate may not be given with type Recreate")
                    .hint("Kubernetes refuses it; remove rollingUpdate"),
            );
            return None;
        }
        let t = synth::text(cx, m.key_loc("type"), &m.path("type"), "recreate");
        return Some(synth::map(cx, n.loc, path, vec![("type", t)]));
    }
    let t = synth::text(cx, m.key_loc("type"), &m.path("type"), "rolling_update");
    let mut fields = vec![("type", t)];
    if let Some(ru) = ru {
        let rp = m.path("rollingUpdate");
        let r = map(cx, ru, &rp)?;
        unknown_fields(cx, &r, &["maxSurge", "maxUnavailable"], "rollingUpdate");
        for (from, to) in [
            ("maxSurge", "max_surge"),
            ("maxUnavailable", "max_unavailable"),
        ] {
            if let Some(v) = r.get(from) {
                let p = r.path(from);
                fields.push((to, Node::new(v.value.clone(), synth::at(cx, v.loc, &p))));
            }
        }
    }
    Some(synth::map(cx, n.loc, path, fields))
}

/// Binds a HorizontalPodAutoscaler to its target workload as `hpa`.
fn hpa(
    cx: &mut Cx,
    o: &Object,
    stubs: &[Stub],
    pods: &[Option<pod::Pod>],
    unsimulated: &[&Object],
    out: &mut [Option<Translated>],
) {
    let root = o.root();
    let v1 = o.api_version == "autoscaling/v1";
    let Some(spec_n) = root.get("spec") else {
        cx.err(
            root.loc,
            &o.path("spec"),
            "a HorizontalPodAutoscaler needs a spec",
        );
        return;
    };
    let Some(spec) = map(cx, spec_n, &root.path("spec")) else {
        return;
    };
    let known: &[&str] = if v1 {
        &[
            "scaleTargetRef",
            "minReplicas",
            "maxReplicas",
            "targetCPUUtilizationPercentage",
        ]
    } else {
        &[
            "scaleTargetRef",
            "minReplicas",
            "maxReplicas",
            "metrics",
            "behavior",
        ]
    };
    unknown_fields(cx, &spec, known, "a HorizontalPodAutoscaler spec");
    let Some(target) = target(cx, o, &spec, stubs, unsimulated) else {
        return;
    };
    let min = match spec.get("minReplicas") {
        Some(n) => {
            let p = spec.path("minReplicas");
            match cx.u32(n, &p) {
                Some(0) => {
                    cx.report(
                        n.loc,
                        &p,
                        Problem::new("minReplicas 0 needs the HPAScaleToZero alpha feature, which kubesim does not model")
                            .hint("use minReplicas 1 or more"),
                    );
                    return;
                }
                Some(v) => Some((v, n.loc, p)),
                None => return,
            }
        }
        None => None,
    };
    let Some(max_n) = spec.get("maxReplicas") else {
        cx.err(
            spec.loc,
            &spec.path("maxReplicas"),
            "missing field `maxReplicas`",
        );
        return;
    };
    let max_p = spec.path("maxReplicas");
    let Some(max) = cx.positive_u32(max_n, &max_p) else {
        return;
    };
    if let Some((m, loc, p)) = &min
        && *m > max
    {
        cx.err(
            *loc,
            p,
            format!("minReplicas ({m}) is more than maxReplicas ({max})"),
        );
        return;
    }
    let Some(pod) = pods.get(target).and_then(Option::as_ref) else {
        return;
    };
    let cpu_target = if v1 {
        match spec.get("targetCPUUtilizationPercentage") {
            Some(n) => {
                let p = spec.path("targetCPUUtilizationPercentage");
                let Some(v) = cx.positive_u32(n, &p) else {
                    return;
                };
                Some((v, n.loc, p))
            }
            None => Some((80, spec.loc, spec.path("targetCPUUtilizationPercentage"))),
        }
    } else {
        metrics(cx, &spec, pod.cpu.0)
    };
    let Some((percent, target_loc, target_path)) = cpu_target else {
        cx.warn(
            spec.loc,
            &spec.path("metrics"),
            Problem::new(format!(
                "the HorizontalPodAutoscaler has no cpu metric kubesim models, so it is left \
                 out: {} keeps its replicas",
                stubs[target].name
            )),
        );
        return;
    };
    if let Some(c) = pod.cpu_unset.first() {
        cx.report(
            target_loc,
            &target_path,
            Problem::new(format!(
                "the HorizontalPodAutoscaler computes cpu utilization against requests, and \
                 container `{c}` of {} has no cpu request; upstream it cannot scale",
                stubs[target].name
            ))
            .hint("set resources.requests.cpu on every container"),
        );
        return;
    }
    let behavior = match spec.get("behavior") {
        Some(b) => match behavior(cx, b, &spec.path("behavior")) {
            Some(node) => Some((node, b.loc)),
            None => return,
        },
        None => None,
    };
    let mut fields = Vec::new();
    if let Some((m, loc, p)) = &min {
        fields.push(("min", synth::int(cx, *loc, p, *m)));
    }
    fields.push(("max", synth::int(cx, max_n.loc, &max_p, max)));
    fields.push((
        "target_cpu_utilization",
        synth::text(cx, target_loc, &target_path, format!("{percent}%")),
    ));
    if let Some((node, loc)) = behavior {
        if HPA_BEHAVIOR_SIMULATED {
            fields.push(("behavior", node));
        } else {
            cx.warn(
                loc,
                &spec.path("behavior"),
                Problem::new(
                    "behavior is read and checked, but this kubesim's hpa has no behavior \
                     settings yet: the default scaling rules apply",
                ),
            );
        }
    }
    let node = synth::map(cx, root.loc, &o.path("spec"), fields);
    let Some(t) = out.get_mut(target).and_then(Option::as_mut) else {
        return;
    };
    if let Some(first) = &t.report.hpa {
        cx.report(
            target_loc,
            &o.path("spec.scaleTargetRef"),
            Problem::new(format!(
                "{} is already scaled by HorizontalPodAutoscaler {} ({} document {}); upstream \
                 two autoscalers on one target refuse to scale (AmbiguousSelector)",
                t.name, first.name, first.file, first.document
            ))
            .hint("keep one"),
        );
        return;
    }
    t.entries.push(("hpa", node));
    t.report.hpa = Some(object_ref(cx, o));
}

/// The workload `scaleTargetRef` names, by index.
fn target(
    cx: &mut Cx,
    o: &Object,
    spec: &Map,
    stubs: &[Stub],
    unsimulated: &[&Object],
) -> Option<usize> {
    let Some(r) = spec.get("scaleTargetRef") else {
        cx.err(
            spec.loc,
            &spec.path("scaleTargetRef"),
            "missing field `scaleTargetRef`",
        );
        return None;
    };
    let rp = spec.path("scaleTargetRef");
    let r = map(cx, r, &rp)?;
    unknown_fields(cx, &r, &["apiVersion", "kind", "name"], "scaleTargetRef");
    let field = |cx: &mut Cx, k: &str| match r.get(k) {
        Some(v) => cx.string(v, &r.path(k)),
        None => {
            cx.err(r.loc, &rp, format!("missing field `{k}`"));
            None
        }
    };
    let kind = field(cx, "kind");
    let name = field(cx, "name");
    let (kind, name) = (kind?, name?);
    let found = stubs
        .iter()
        .position(|s| s.name == name && s.namespace == o.namespace);
    if let Some(i) = found
        && (kind == "Deployment" || kind == "ReplicaSet")
    {
        return Some(i);
    }
    if unsimulated
        .iter()
        .any(|u| u.kind == kind && u.name.as_deref() == Some(&name) && u.namespace == o.namespace)
    {
        cx.warn(
            r.key_loc("name"),
            &r.path("name"),
            Problem::new(format!(
                "the target {kind} {name} is not simulated, so this autoscaler is left out"
            )),
        );
        return None;
    }
    let candidates: Vec<&str> = stubs
        .iter()
        .filter(|s| s.namespace == o.namespace)
        .map(|s| s.name.as_str())
        .collect();
    let hint = did_you_mean(&name, candidates.iter().copied()).unwrap_or_else(|| {
        if candidates.is_empty() {
            format!("no Deployment is read in namespace {}", o.namespace)
        } else {
            format!(
                "workloads read in namespace {}: {}",
                o.namespace,
                candidates.join(", ")
            )
        }
    });
    cx.report(
        r.key_loc("name"),
        &r.path("name"),
        Problem::new(format!(
            "the HorizontalPodAutoscaler targets {kind} `{name}`, which no manifest defines in \
             namespace {}",
            o.namespace
        ))
        .hint(hint),
    );
    None
}

/// The cpu utilization target of an autoscaling/v2 `metrics` list: upstream
/// proposes the largest replica count over the metrics, so of several cpu
/// targets the lowest decides; other metrics are warned about and left out.
/// No `metrics` at all means 80% cpu, upstream's default.
fn metrics(cx: &mut Cx, spec: &Map, cpu_request: u64) -> Option<(u32, Loc, String)> {
    let Some(ms) = spec.get("metrics") else {
        return Some((80, spec.loc, spec.path("metrics")));
    };
    let mp = spec.path("metrics");
    let items = list(cx, ms, &mp)?;
    if items.is_empty() {
        return Some((80, ms.loc, mp));
    }
    let mut best: Option<(u32, Loc, String)> = None;
    for (i, item) in items.iter().enumerate() {
        let p = format!("{mp}[{i}]");
        let Some(m) = map(cx, item, &p) else { continue };
        let kind = m
            .get("type")
            .and_then(|t| t.scalar_text())
            .unwrap_or_default();
        let source_key = match kind.as_str() {
            "Resource" => "resource",
            "ContainerResource" => "containerResource",
            other => {
                let what = if other.is_empty() {
                    "a metric without a type".to_string()
                } else {
                    format!("a {other} metric")
                };
                cx.warn(
                    m.key_loc("type"),
                    &p,
                    Problem::new(format!(
                        "{what} is not modelled: kubesim's autoscaler sees cpu utilization \
                         only; the metric is left out"
                    )),
                );
                continue;
            }
        };
        let Some(src) = m.get(source_key) else {
            cx.err(m.loc, &p, format!("missing field `{source_key}`"));
            continue;
        };
        let sp = m.path(source_key);
        let Some(s) = map(cx, src, &sp) else { continue };
        let resource = s
            .get("name")
            .and_then(|n| n.scalar_text())
            .unwrap_or_default();
        if resource != "cpu" {
            cx.warn(
                s.key_loc("name"),
                &s.path("name"),
                Problem::new(format!(
                    "a {resource} metric is not modelled (kubesim has no {resource} usage); \
                     the metric is left out"
                )),
            );
            continue;
        }
        if kind == "ContainerResource" {
            cx.warn(
                m.key_loc("type"),
                &p,
                Problem::new(
                    "a ContainerResource metric is approximated by the pod's cpu utilization",
                ),
            );
        }
        let Some(t) = s.get("target") else {
            cx.err(s.loc, &s.path("target"), "missing field `target`");
            continue;
        };
        let tp = s.path("target");
        let Some(t) = map(cx, t, &tp) else { continue };
        let ttype = t
            .get("type")
            .and_then(|n| n.scalar_text())
            .unwrap_or_default();
        let value = match ttype.as_str() {
            "Utilization" => match t.get("averageUtilization") {
                Some(v) => cx
                    .positive_u32(v, &t.path("averageUtilization"))
                    .map(|u| (u, v.loc, t.path("averageUtilization"))),
                None => {
                    cx.err(t.loc, &tp, "missing field `averageUtilization`");
                    None
                }
            },
            "AverageValue" => match t.get("averageValue") {
                Some(v) => {
                    let vp = t.path("averageValue");
                    cx.cpu(v, &vp).and_then(|c| {
                        if cpu_request == 0 {
                            return None;
                        }
                        let pct = (c.0 * 100).div_ceil(cpu_request).max(1);
                        cx.warn(
                            v.loc,
                            &vp,
                            Problem::new(format!(
                                "an averageValue cpu target is read as {pct}% of the pod's \
                                 {}m cpu request",
                                cpu_request
                            )),
                        );
                        u32::try_from(pct).ok().map(|p| (p, v.loc, vp.clone()))
                    })
                }
                None => {
                    cx.err(t.loc, &tp, "missing field `averageValue`");
                    None
                }
            },
            other => {
                cx.warn(
                    t.key_loc("type"),
                    &t.path("type"),
                    Problem::new(format!(
                        "a cpu target of type `{other}` is not modelled; use Utilization"
                    )),
                );
                None
            }
        };
        if let Some(v) = value
            && best.as_ref().is_none_or(|b| v.0 < b.0)
        {
            best = Some(v);
        }
    }
    best
}

/// An autoscaling/v2 `behavior`, checked with the API's limits, as the
/// scenario's `hpa.behavior` tree (see [`HPA_BEHAVIOR_SIMULATED`]).
pub(super) fn behavior(cx: &mut Cx, n: &Node, path: &str) -> Option<Node> {
    let m = map(cx, n, path)?;
    unknown_fields(cx, &m, &["scaleUp", "scaleDown"], "an autoscaler behavior");
    let before = cx.errors();
    let mut fields = Vec::new();
    for (from, to) in [("scaleUp", "scale_up"), ("scaleDown", "scale_down")] {
        let Some(r) = m.get(from) else { continue };
        if let Some(node) = rules(cx, r, &m.path(from)) {
            fields.push((to, node));
        }
    }
    (cx.errors() == before).then(|| synth::map(cx, n.loc, path, fields))
}

fn rules(cx: &mut Cx, n: &Node, path: &str) -> Option<Node> {
    let m = map(cx, n, path)?;
    unknown_fields(
        cx,
        &m,
        &[
            "stabilizationWindowSeconds",
            "selectPolicy",
            "policies",
            "tolerance",
        ],
        "autoscaler scaling rules",
    );
    let mut fields = Vec::new();
    if let Some(w) = m.get("stabilizationWindowSeconds") {
        let p = m.path("stabilizationWindowSeconds");
        let v = cx.u32(w, &p)?;
        if v > 3600 {
            cx.err(
                w.loc,
                &p,
                format!("must be at most 3600 (one hour), got {v}"),
            );
            return None;
        }
        fields.push(("stabilization_window", synth::int(cx, w.loc, &p, v)));
    }
    if let Some(s) = m.get("selectPolicy") {
        let p = m.path("selectPolicy");
        let v = cx.choice(s, &p, &["Max", "Min", "Disabled"])?;
        fields.push((
            "select_policy",
            synth::text(cx, s.loc, &p, v.to_lowercase()),
        ));
    }
    if let Some(ps) = m.get("policies") {
        let pp = m.path("policies");
        let mut out = Vec::new();
        for (i, item) in list(cx, ps, &pp)?.iter().enumerate() {
            let p = format!("{pp}[{i}]");
            let pm = map(cx, item, &p)?;
            unknown_fields(
                cx,
                &pm,
                &["type", "value", "periodSeconds"],
                "a scaling policy",
            );
            let (Some(t), Some(v), Some(per)) =
                (pm.get("type"), pm.get("value"), pm.get("periodSeconds"))
            else {
                cx.err(
                    pm.loc,
                    &p,
                    "a policy needs `type`, `value` and `periodSeconds`",
                );
                return None;
            };
            let kind = cx.choice(t, &pm.path("type"), &["Pods", "Percent"])?;
            let value = cx.positive_u32(v, &pm.path("value"))?;
            let period = cx.u32(per, &pm.path("periodSeconds"))?;
            if !(1..=1800).contains(&period) {
                cx.err(
                    per.loc,
                    &pm.path("periodSeconds"),
                    format!("must be between 1 and 1800, got {period}"),
                );
                return None;
            }
            let fields = vec![
                (
                    "type",
                    synth::text(cx, t.loc, &pm.path("type"), kind.to_lowercase()),
                ),
                ("value", synth::int(cx, v.loc, &pm.path("value"), value)),
                (
                    "period",
                    synth::int(cx, per.loc, &pm.path("periodSeconds"), period),
                ),
            ];
            out.push(synth::map(cx, item.loc, &p, fields));
        }
        fields.push(("policies", synth::seq(cx, ps.loc, &pp, out)));
    }
    if let Some(t) = m.get("tolerance") {
        // A Kubernetes quantity: 0.1 or 100m.
        let p = m.path("tolerance");
        let milli = cx.cpu(t, &p)?.0;
        if milli >= 1000 {
            cx.err(t.loc, &p, "must be below 1");
            return None;
        }
        let pct = milli as f64 / 10.0;
        fields.push(("tolerance", synth::text(cx, t.loc, &p, format!("{pct}%"))));
    }
    Some(synth::map(cx, n.loc, path, fields))
}

/// Binds a PodDisruptionBudget to the one workload its selector selects,
/// as `pdb`.
fn pdb(cx: &mut Cx, o: &Object, stubs: &[Stub], out: &mut [Option<Translated>]) {
    let root = o.root();
    let Some(spec_n) = root.get("spec") else {
        cx.err(
            root.loc,
            &o.path("spec"),
            "a PodDisruptionBudget needs a spec",
        );
        return;
    };
    let Some(spec) = map(cx, spec_n, &root.path("spec")) else {
        return;
    };
    unknown_fields(
        cx,
        &spec,
        &[
            "selector",
            "minAvailable",
            "maxUnavailable",
            "unhealthyPodEvictionPolicy",
        ],
        "a PodDisruptionBudget spec",
    );
    let (min, max) = (spec.get("minAvailable"), spec.get("maxUnavailable"));
    let (key, value) = match (min, max) {
        (Some(_), Some(_)) => {
            cx.report(
                spec.loc,
                &spec.path("minAvailable"),
                Problem::new("minAvailable and maxUnavailable cannot both be set")
                    .hint("Kubernetes refuses it; keep one"),
            );
            return;
        }
        (Some(v), None) => (("minAvailable", "min_available"), v),
        (None, Some(v)) => (("maxUnavailable", "max_unavailable"), v),
        (None, None) => {
            cx.warn(
                spec.loc,
                &o.path("spec"),
                Problem::new(
                    "a PodDisruptionBudget without minAvailable or maxUnavailable never blocks \
                     an eviction; it is left out",
                ),
            );
            return;
        }
    };
    let vp = spec.path(key.0);
    if cx.int_or_percent(value, &vp, false).is_none() {
        return;
    }
    if let Some(p) = spec.get("unhealthyPodEvictionPolicy") {
        let pp = spec.path("unhealthyPodEvictionPolicy");
        if cx.choice(p, &pp, &["IfHealthyBudget", "AlwaysAllow"]) == Some("AlwaysAllow") {
            cx.warn(
                p.loc,
                &pp,
                Problem::new(
                    "unhealthyPodEvictionPolicy AlwaysAllow is not modelled: kubesim applies \
                     IfHealthyBudget, the default",
                ),
            );
        }
    }
    let Some(sel_n) = spec.get("selector") else {
        cx.warn(
            spec.loc,
            &spec.path("selector"),
            Problem::new(
                "a policy/v1 PodDisruptionBudget without a selector selects no pods; it is \
                 left out",
            )
            .hint("an empty selector {} selects every pod of the namespace"),
        );
        return;
    };
    let sp = spec.path("selector");
    let Some(sel) = selector::parse(cx, sel_n, &sp) else {
        return;
    };
    let matched: Vec<usize> = stubs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.namespace == o.namespace && sel.matches(&s.labels))
        .map(|(i, _)| i)
        .collect();
    let target = match matched.as_slice() {
        [] => {
            cx.warn(
                sel_n.loc,
                &sp,
                Problem::new(format!(
                    "the selector ({}) selects no imported workload in namespace {}; the \
                     PodDisruptionBudget is left out",
                    sel.describe(),
                    o.namespace
                )),
            );
            return;
        }
        [one] => *one,
        many => {
            let names: Vec<&str> = many.iter().map(|i| stubs[*i].name.as_str()).collect();
            cx.warn(
                sel_n.loc,
                &sp,
                Problem::new(format!(
                    "the selector ({}) selects the pods of several workloads ({}); kubesim's \
                     budgets cover one workload each, so the PodDisruptionBudget is left out",
                    sel.describe(),
                    names.join(", ")
                ))
                .hint("give each workload its own PodDisruptionBudget"),
            );
            return;
        }
    };
    let value_node = Node::new(value.value.clone(), synth::at(cx, value.loc, &vp));
    let node = synth::map(cx, spec_n.loc, &o.path("spec"), vec![(key.1, value_node)]);
    let Some(t) = out.get_mut(target).and_then(Option::as_mut) else {
        return;
    };
    if let Some(first) = &t.report.pdb {
        cx.report(
            sel_n.loc,
            &sp,
            Problem::new(format!(
                "{} is already covered by PodDisruptionBudget {} ({} document {}); upstream \
                 the eviction API refuses every eviction of a pod with two budgets",
                t.name, first.name, first.file, first.document
            ))
            .hint("keep one PodDisruptionBudget per workload"),
        );
        return;
    }
    t.entries.push(("pdb", node));
    t.report.pdb = Some(object_ref(cx, o));
}
