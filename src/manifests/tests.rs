//! Manifest import tests: translation rules (requests, probes, affinity,
//! spread, priority, autoscalers, budgets), selector edge cases, warnings,
//! and errors located in the manifest (file, line, document, field path).

use super::read::{document_of, document_starts};
use crate::dist::Dist;
use crate::engine::SimDuration;
use crate::scenario::{
    Loaded, Pdb, PreemptionPolicy, Scenario, ScenarioError, Strategy, Topology,
    load_str_with_report,
};
use crate::units::{Bytes, IntOrPercent, MilliCpu};

/// A cluster of three zones, six general nodes (label tier: general) and
/// three tainted frontend nodes.
const CLUSTER: &str = "\
name: t
duration: 1d
cluster:
  zones: [a, b, c]
  node_pools:
    - {name: general, count: 6, cpu: 4, memory: 16Gi, labels: {tier: general}}
    - name: frontend
      count: 3
      cpu: 4
      memory: 8Gi
      labels: {tier: frontend}
      taints: [{key: dedicated, value: frontend, effect: NoSchedule}]
";

/// Writes `files` into a temporary directory and loads a scenario made of
/// CLUSTER, `manifests: [<each file>]` and `tail`, as if the scenario file
/// were in that directory.
fn load_with(files: &[(&str, &str)], tail: &str) -> (Result<Loaded, ScenarioError>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let list: Vec<String> = files
        .iter()
        .map(|(n, _)| n.split('/').next().unwrap().to_string())
        .fold(Vec::new(), |mut v, n| {
            if !v.contains(&n) {
                v.push(n);
            }
            v
        });
    let text = format!("{CLUSTER}manifests: [{}]\n{tail}", list.join(", "));
    let origin = dir.path().join("scenario.yaml").display().to_string();
    let r = load_str_with_report(&text, &origin, &[]);
    (r, dir.path().display().to_string())
}

fn ok(files: &[(&str, &str)], tail: &str) -> Loaded {
    match load_with(files, tail).0 {
        Ok(l) => l,
        Err(e) => panic!("expected the scenario to load, got:\n{e}"),
    }
}

/// The error lines, with the temporary directory replaced by `DIR`.
fn errors(files: &[(&str, &str)], tail: &str) -> Vec<String> {
    match load_with(files, tail) {
        (Ok(l), _) => panic!(
            "expected errors, the scenario loaded; warnings:\n{}",
            warnings_of(&l).join("\n")
        ),
        (Err(e), dir) => e
            .to_string()
            .lines()
            .map(|l| l.replace(&dir, "DIR"))
            .collect(),
    }
}

fn warnings_of(l: &Loaded) -> Vec<String> {
    l.warnings.iter().map(|w| w.to_string()).collect()
}

/// Asserts that some line contains every needle.
#[track_caller]
fn assert_line(lines: &[String], needles: &[&str]) {
    assert!(
        lines.iter().any(|l| needles.iter().all(|n| l.contains(n))),
        "no line contains all of {needles:?}:\n{}",
        lines.join("\n")
    );
}

fn workload<'s>(s: &'s Scenario, name: &str) -> &'s crate::scenario::Workload {
    s.workloads
        .iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}

/// A Deployment `name` (labels app: NAME) with `pod` appended to its pod
/// spec (indented 6 spaces) and `spec` to its spec (indented 2).
fn deploy(name: &str, spec: &str, pod: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: {name}}}
{spec}  template:
    metadata:
      labels: {{app: {name}, tier: backend}}
    spec:
{pod}"
    )
}

const ONE_CONTAINER: &str = "      containers:
        - name: app
          resources: {requests: {cpu: 500m, memory: 1Gi}}
";

#[test]
fn document_indices_count_separators_as_kubectl_does() {
    let text = "# leading comment\n---\na: 1\n---\n---\nb: 2\n...\nc: 3\n";
    let starts = document_starts(text);
    assert_eq!(starts, vec![2, 4, 5, 8]);
    assert_eq!(document_of(&starts, 3), 1);
    assert_eq!(document_of(&starts, 6), 3, "an empty document counts");
    assert_eq!(document_of(&starts, 8), 4, "content after ... starts one");
    assert_eq!(document_starts("a: 1\n---\nb: 2\n"), vec![1, 2]);
}

#[test]
fn deployment_fields_map_onto_the_workload() {
    let pod = "      terminationGracePeriodSeconds: 45
      nodeSelector: {tier: general}
      tolerations:
        - {key: dedicated, operator: Equal, value: frontend, effect: NoSchedule}
        - {operator: Exists, effect: \"\"}
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
"
    .to_string()
        + ONE_CONTAINER;
    let spec = "  minReadySeconds: 10
  revisionHistoryLimit: 3
  progressDeadlineSeconds: 120
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 50%, maxUnavailable: 1}
";
    let l = ok(&[("m.yaml", &deploy("web", spec, &pod))], "");
    assert!(l.warnings.is_empty(), "{:?}", warnings_of(&l));
    let w = workload(&l.scenario, "web");
    assert_eq!(w.replicas, 3);
    assert_eq!(w.cpu, MilliCpu(500));
    assert_eq!(w.memory, Bytes(1 << 30));
    assert_eq!(w.termination_grace, SimDuration::from_secs(45));
    assert_eq!(w.min_ready_seconds, SimDuration::from_secs(10));
    assert_eq!(w.progress_deadline, SimDuration::from_secs(120));
    assert_eq!(
        w.strategy,
        Strategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(50),
            max_unavailable: IntOrPercent::Int(1)
        }
    );
    assert_eq!(
        w.node_selector.get("tier").map(String::as_str),
        Some("general")
    );
    assert_eq!(w.tolerations.len(), 3);
    assert!(w.tolerations[1].exists && w.tolerations[1].effect.is_none());
    assert_eq!(
        w.tolerations[2].toleration_seconds,
        Some(SimDuration::from_secs(30))
    );
    assert_eq!(w.startup_time, Dist::Fixed(SimDuration::ZERO));
    assert_eq!(w.slo_min_ready, 3, "the slo follows the replicas");
    let r = l.imports.unwrap();
    assert_eq!(r.workloads.len(), 1);
    assert_eq!(r.workloads[0].source.kind, "Deployment");
    assert_eq!(r.workloads[0].source.document, 1);

    let recreate = ok(
        &[(
            "m.yaml",
            &deploy("web", "  strategy: {type: Recreate}\n", ONE_CONTAINER),
        )],
        "",
    );
    assert_eq!(
        workload(&recreate.scenario, "web").strategy,
        Strategy::Recreate
    );
}

#[test]
fn requests_add_containers_and_take_the_largest_init_container() {
    // App 250m + envoy's limit 100m (a limit stands for a missing
    // request) = 350m, below the 500m init container: the pod needs 500m.
    let pod = "      initContainers:
        - {name: migrate, resources: {requests: {cpu: 500m, memory: 128Mi}}}
      containers:
        - {name: app, resources: {requests: {cpu: 250m, memory: 256Mi}}}
        - {name: envoy, resources: {limits: {cpu: 100m, memory: 64Mi}}}
";
    let l = ok(&[("m.yaml", &deploy("web", "", pod))], "");
    let w = workload(&l.scenario, "web");
    assert_eq!((w.cpu, w.memory), (MilliCpu(500), Bytes(320 << 20)));

    // A sidecar (restartable init container) declared before an init
    // container runs next to it: 300m app + 200m sidecar = 500m, but the
    // init container needs 500m + the 200m sidecar = 700m.
    let pod = "      initContainers:
        - {name: mesh, restartPolicy: Always, resources: {requests: {cpu: 200m}}}
        - {name: migrate, resources: {requests: {cpu: 500m}}}
      containers:
        - {name: app, resources: {requests: {cpu: 300m, memory: 1Gi}}}
";
    let l = ok(&[("m.yaml", &deploy("web", "", pod))], "");
    assert_eq!(workload(&l.scenario, "web").cpu, MilliCpu(700));
    // Declared after it, the sidecar is not running yet: max(500, 500).
    let pod = "      initContainers:
        - {name: migrate, resources: {requests: {cpu: 500m}}}
        - {name: mesh, restartPolicy: Always, resources: {requests: {cpu: 200m}}}
      containers:
        - {name: app, resources: {requests: {cpu: 300m, memory: 1Gi}}}
";
    let l = ok(&[("m.yaml", &deploy("web", "", pod))], "");
    assert_eq!(workload(&l.scenario, "web").cpu, MilliCpu(500));

    // Pod-level requests replace the containers'; overhead adds.
    let pod = "      resources: {requests: {cpu: \"2\"}}
      overhead: {cpu: 100m, memory: 10Mi}
      containers:
        - {name: app, resources: {requests: {cpu: 300m, memory: 1Gi}}}
";
    let l = ok(&[("m.yaml", &deploy("web", "", pod))], "");
    let w = workload(&l.scenario, "web");
    assert_eq!(
        (w.cpu, w.memory),
        (MilliCpu(2100), Bytes((1 << 30) + (10 << 20)))
    );
}

#[test]
fn missing_requests_count_as_zero_with_a_warning() {
    let pod = "      containers:
        - name: app
          resources: {requests: {memory: 1Gi, ephemeral-storage: 1Gi}}
";
    let l = ok(&[("m.yaml", &deploy("web", "", pod))], "");
    assert_eq!(workload(&l.scenario, "web").cpu, MilliCpu(0));
    let w = warnings_of(&l);
    assert_line(
        &w,
        &[
            "m.yaml:",
            "document 1 (Deployment web): spec.template.spec.containers",
            "no cpu request on container `app`",
            "upstream's scoring counts 100m",
        ],
    );
    assert_line(&w, &["requests for `ephemeral-storage` are not modelled"]);
}

#[test]
fn readiness_probes_give_a_uniform_startup_time() {
    // 5 s delay, 5 s period, 2 successes: Ready 10 to 15 s after start;
    // the sidecar's default probe (10 s period) is Ready by 0 to 10 s; the
    // pod needs both: 10 to 15 s.
    let pod = "      initContainers:
        - name: mesh
          restartPolicy: Always
          readinessProbe: {tcpSocket: {port: 15021}}
      containers:
        - name: app
          resources: {requests: {cpu: 100m, memory: 100Mi}}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
            initialDelaySeconds: 5
            periodSeconds: 5
            successThreshold: 2
";
    let l = ok(&[("m.yaml", &deploy("web", "", pod))], "");
    assert_eq!(
        workload(&l.scenario, "web").startup_time,
        Dist::Uniform {
            min: SimDuration::from_secs(10),
            max: SimDuration::from_secs(15)
        }
    );
    // An override replaces the probe's estimate.
    let l = ok(
        &[("m.yaml", &deploy("web", "", pod))],
        "overrides: {web: {startup_time: 45s}}\n",
    );
    assert_eq!(
        workload(&l.scenario, "web").startup_time,
        Dist::Fixed(SimDuration::from_secs(45))
    );
    assert_eq!(l.imports.unwrap().workloads[0].overrides, ["startup_time"]);
}

#[test]
fn spread_and_affinity_translate_to_workload_terms() {
    let web = deploy(
        "web",
        "",
        &("      topologySpreadConstraints:
        - {maxSkew: 2, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway,
           labelSelector: {matchLabels: {app: web}}}
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
           minDomains: 3, labelSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions: [{key: tier, operator: In, values: [general, frontend]}]
              - {}
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: cache}}}
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 30
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector: {matchLabels: {tier: backend}}
"
        .to_string()
            + ONE_CONTAINER),
    );
    let cache = deploy("cache", "", ONE_CONTAINER);
    let l = ok(&[("m.yaml", &format!("{web}---\n{cache}"))], "");
    assert!(l.warnings.is_empty(), "{:?}", warnings_of(&l));
    let s = &l.scenario;
    let w = workload(s, "web");
    assert_eq!(w.spread.len(), 2);
    assert_eq!(w.spread[0].topology, Topology::Zone);
    assert_eq!(
        (w.spread[0].max_skew, w.spread[0].do_not_schedule),
        (2, false)
    );
    assert_eq!(w.spread[1].topology, Topology::Hostname);
    assert_eq!(w.spread[1].min_domains, Some(3));
    assert_eq!(
        w.affinity.node.required.len(),
        1,
        "the empty term is left out"
    );
    let cache_i = s.workloads.iter().position(|w| w.name == "cache").unwrap();
    let web_i = s.workloads.iter().position(|w| w.name == "web").unwrap();
    assert_eq!(w.affinity.pod_affinity.len(), 1);
    assert_eq!(w.affinity.pod_affinity[0].workload, cache_i);
    assert!(w.affinity.pod_affinity[0].is_required());
    // tier: backend selects both workloads: one preferred term each.
    let anti: Vec<(usize, Option<u32>)> = w
        .affinity
        .pod_anti_affinity
        .iter()
        .map(|t| (t.workload, t.weight))
        .collect();
    assert_eq!(anti, vec![(web_i, Some(30)), (cache_i, Some(30))]);
}

#[test]
fn selectors_that_kubesim_cannot_honour_are_left_out_with_warnings() {
    let web = deploy(
        "web",
        "",
        &("      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: rack, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: other}}}
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: redis}}}
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {tier: backend}}}
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}, matchLabelKeys: [pod-template-hash]}
"
        .to_string()
            + ONE_CONTAINER),
    );
    let api = deploy("api", "", ONE_CONTAINER);
    let l = ok(&[("m.yaml", &format!("{web}---\n{api}"))], "");
    let w = warnings_of(&l);
    assert_line(
        &w,
        &[
            "m.yaml:",
            "spec.template.spec.topologySpreadConstraints[0].topologyKey",
            "topology key `rack` is not modelled",
        ],
    );
    assert_line(
        &w,
        &[
            "topologySpreadConstraints[1].labelSelector",
            "does not select the workload's own pods",
        ],
    );
    assert_line(
        &w,
        &["topologySpreadConstraints[2]", "without labelSelector"],
    );
    assert_line(
        &w,
        &[
            "podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector",
            "(app=redis) selects no imported workload",
            "stay Pending",
        ],
    );
    assert_line(&w, &["selects several workloads (web, api)", "left out"]);
    assert_line(&w, &["matchLabelKeys is not modelled"]);
    let web = workload(&l.scenario, "web");
    assert!(web.spread.is_empty() && web.affinity.pod_affinity.is_empty());
    assert_eq!(
        web.affinity.pod_anti_affinity.len(),
        1,
        "kept, with a warning"
    );
}

#[test]
fn pod_affinity_namespaces_follow_upstream() {
    let ns = "apiVersion: v1
kind: Namespace
metadata: {name: data, labels: {team: storage}}
";
    let cache = deploy("cache", "", ONE_CONTAINER)
        .replace("  name: cache\n", "  name: cache\n  namespace: data\n");
    let term = |extra: &str| {
        deploy(
            "web",
            "",
            &(format!(
                "      affinity:
        podAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              podAffinityTerm: {{topologyKey: kubernetes.io/hostname, labelSelector: {{matchLabels: {{app: cache}}}}{extra}}}
"
            ) + ONE_CONTAINER),
        )
    };
    let terms = |extra: &str| {
        let l = ok(
            &[("m.yaml", &format!("{ns}---\n{cache}---\n{}", term(extra)))],
            "",
        );
        workload(&l.scenario, "web").affinity.pod_affinity.len()
    };
    assert_eq!(terms(""), 0, "own namespace (default) only");
    assert_eq!(terms(", namespaces: [data]"), 1);
    assert_eq!(
        terms(", namespaceSelector: {}"),
        1,
        "{{}} selects every namespace"
    );
    assert_eq!(
        terms(", namespaceSelector: {matchLabels: {team: storage}}"),
        1
    );
    assert_eq!(terms(", namespaceSelector: {matchLabels: {team: web}}"), 0);
    assert_eq!(
        terms(", namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: data}}"),
        1
    );
}

#[test]
fn priority_classes_set_priority_and_preemption_policy() {
    let classes = "apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: critical}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch}
value: -10
globalDefault: true
preemptionPolicy: Never
";
    let web = deploy(
        "web",
        "",
        &("      priorityClassName: critical\n".to_string() + ONE_CONTAINER),
    );
    let node = deploy(
        "agent",
        "",
        &("      priorityClassName: system-node-critical\n".to_string() + ONE_CONTAINER),
    );
    let api = deploy("api", "", ONE_CONTAINER);
    let l = ok(
        &[(
            "m.yaml",
            &format!("{classes}---\n{web}---\n{node}---\n{api}"),
        )],
        "",
    );
    let s = &l.scenario;
    let w = workload(s, "web");
    assert_eq!(
        (w.priority, w.preemption_policy),
        (1000, PreemptionPolicy::PreemptLowerPriority)
    );
    assert_eq!(workload(s, "agent").priority, 2_000_001_000);
    let api = workload(s, "api");
    assert_eq!(
        (api.priority, api.preemption_policy),
        (-10, PreemptionPolicy::Never)
    );
    assert_eq!(
        l.imports.unwrap().workloads[2].priority_class.as_deref(),
        Some("batch")
    );
}

#[test]
fn priority_class_errors() {
    let web = |class: &str, extra: &str| {
        deploy(
            "web",
            "",
            &(format!("      priorityClassName: {class}\n{extra}") + ONE_CONTAINER),
        )
    };
    let class = |name: &str, global: bool| {
        format!(
            "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {{name: {name}}}\nvalue: 5\nglobalDefault: {global}\n"
        )
    };
    let e = errors(
        &[(
            "m.yaml",
            &format!("{}---\n{}", class("critical", false), web("critcal", "")),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "DIR/m.yaml:",
            "document 2 (Deployment web): spec.template.spec.priorityClassName",
            "no PriorityClass `critcal` is read",
            "did you mean `critical`?",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{}---\n{}---\n{}",
                class("a", true),
                class("b", true),
                web("a", "")
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "document 2 (PriorityClass b): globalDefault",
            "two PriorityClasses are globalDefault",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{}---\n{}",
                class("a", false),
                web("a", "      priority: 7\n")
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "spec.template.spec.priority",
            "priority 7 disagrees with PriorityClass `a` (5)",
        ],
    );
    let e = errors(&[("m.yaml", &class("system-high", false))], "");
    assert_line(&e, &["`system-` are reserved"]);
}

const HPA_TARGET: &str = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
";

#[test]
fn hpas_translate_to_the_scenario_hpa() {
    let web = deploy("web", "", ONE_CONTAINER);
    let hpa = |spec: &str| {
        let l = ok(&[("m.yaml", &format!("{web}---\n{HPA_TARGET}{spec}"))], "");
        let h = workload(&l.scenario, "web").hpa.clone();
        (
            h.map(|h| (h.min, h.max, h.target_cpu_utilization_percent)),
            warnings_of(&l),
        )
    };
    // No metrics: upstream's default, 80% cpu; minReplicas defaults to 1.
    assert_eq!(hpa("  maxReplicas: 10\n").0, Some((1, 10, 80)));
    // Several cpu targets: the lowest proposes the most replicas, so wins;
    // other metrics are left out with a warning.
    let (h, w) = hpa(
        "  minReplicas: 2
  maxReplicas: 10
  metrics:
    - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}
    - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}
    - {type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 60}}}
    - {type: External, external: {metric: {name: queue_depth}, target: {type: Value, value: 10}}}
",
    );
    assert_eq!(h, Some((2, 10, 60)));
    assert_line(
        &w,
        &[
            "spec.metrics[2].resource.name",
            "a memory metric is not modelled",
        ],
    );
    assert_line(
        &w,
        &["spec.metrics[3]", "a External metric is not modelled"],
    );
    // An averageValue target is read against the pod's 500m request.
    let (h, w) = hpa("  maxReplicas: 10
  metrics:
    - {type: Resource, resource: {name: cpu, target: {type: AverageValue, averageValue: 350m}}}
");
    assert_eq!(h, Some((1, 10, 70)));
    assert_line(&w, &["read as 70% of the pod's 500m cpu request"]);
    // Only metrics kubesim cannot see: the autoscaler is left out.
    let (h, w) = hpa("  maxReplicas: 10
  metrics:
    - {type: Pods, pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: \"10\"}}}
");
    assert_eq!(h, None);
    assert_line(
        &w,
        &["no cpu metric kubesim models", "web keeps its replicas"],
    );
    // Behavior is checked and carried over to the scenario's hpa.behavior.
    let (h, w) = hpa("  maxReplicas: 10
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 600
      selectPolicy: Min
      policies: [{type: Percent, value: 10, periodSeconds: 60}]
      tolerance: 50m
");
    assert_eq!(h, Some((1, 10, 80)));
    assert!(
        !format!("{w:?}").contains("behavior is read and checked"),
        "{w:?}"
    );
    // autoscaling/v1.
    let v1 = ok(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}  maxReplicas: 4\n  targetCPUUtilizationPercentage: 55\n",
                HPA_TARGET.replace("autoscaling/v2", "autoscaling/v1")
            ),
        )],
        "",
    );
    let h = workload(&v1.scenario, "web").hpa.clone().unwrap();
    assert_eq!((h.min, h.max, h.target_cpu_utilization_percent), (1, 4, 55));
}

#[test]
fn imported_hpa_is_refused_like_a_hand_written_one() {
    let web = deploy("web", "", ONE_CONTAINER);
    let l = ok(
        &[(
            "m.yaml",
            &format!("{web}---\n{HPA_TARGET}  minReplicas: 3\n  maxReplicas: 9\n"),
        )],
        "",
    );
    let hand = crate::scenario::load_str(
        &format!(
            "{CLUSTER}workloads:
  - {{name: web, replicas: 3, cpu: 500m, memory: 1Gi, hpa: {{min: 3, max: 9, target_cpu_utilization: 80%}}}}
"
        ),
        "hand.yaml",
        &[],
    )
    .unwrap();
    let (a, b) = (
        crate::sim::Unsupported::check(&l.scenario),
        crate::sim::Unsupported::check(&hand),
    );
    assert_eq!(a, b, "the same refusal (or, once simulated, the same run)");
    let (ha, hb) = (
        workload(&l.scenario, "web").hpa.clone().unwrap(),
        hand.workloads[0].hpa.clone().unwrap(),
    );
    assert_eq!(
        (ha.min, ha.max, ha.target_cpu_utilization_percent),
        (hb.min, hb.max, hb.target_cpu_utilization_percent)
    );
}

#[test]
fn hpa_errors() {
    let web = deploy("web", "", ONE_CONTAINER);
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}  maxReplicas: 10\n",
                HPA_TARGET.replace(
                    "kind: Deployment, name: web}",
                    "kind: Deployment, name: wbe}"
                )
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "DIR/m.yaml:",
            "document 2 (HorizontalPodAutoscaler web): spec.scaleTargetRef.name",
            "targets Deployment `wbe`, which no manifest defines in namespace default",
            "did you mean `web`?",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &format!("{web}---\n{HPA_TARGET}  minReplicas: 5\n  maxReplicas: 2\n"),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "spec.minReplicas",
            "minReplicas (5) is more than maxReplicas (2)",
        ],
    );
    let e = errors(&[("m.yaml", &format!("{web}---\n{HPA_TARGET}"))], "");
    assert_line(&e, &["missing field `maxReplicas`"]);
    let no_cpu = deploy(
        "web",
        "",
        "      containers: [{name: app, resources: {requests: {memory: 1Gi}}}]\n",
    );
    let e = errors(
        &[(
            "m.yaml",
            &format!("{no_cpu}---\n{HPA_TARGET}  maxReplicas: 3\n"),
        )],
        "",
    );
    assert_line(&e, &["container `app` of web has no cpu request"]);
    let two = format!(
        "{web}---\n{HPA_TARGET}  maxReplicas: 3\n---\n{}  maxReplicas: 4\n",
        HPA_TARGET.replace("metadata: {name: web}", "metadata: {name: web2}")
    );
    let e = errors(&[("m.yaml", &two)], "");
    assert_line(&e, &["already scaled by HorizontalPodAutoscaler web"]);
}

fn pdb(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: {name}}}\nspec:\n{spec}"
    )
}

#[test]
fn pdb_selectors_are_evaluated_for_real() {
    let web = deploy("web", "", ONE_CONTAINER);
    let api = deploy("api", "", ONE_CONTAINER);
    let other_ns =
        deploy("db", "", ONE_CONTAINER).replace("  name: db\n", "  name: db\n  namespace: data\n");
    let load = |p: &str| {
        let l = ok(
            &[("m.yaml", &format!("{web}---\n{api}---\n{other_ns}---\n{p}"))],
            "",
        );
        let s = l.scenario.clone();
        let pdbs: Vec<(String, Pdb)> = s
            .workloads
            .iter()
            .filter_map(|w| w.pdb.map(|p| (w.name.clone(), p)))
            .collect();
        (pdbs, warnings_of(&l))
    };
    // matchExpressions: app in (web, api) but not api.
    let (p, w) = load(&pdb(
        "web",
        "  maxUnavailable: 25%\n  selector:\n    matchExpressions:\n      - {key: app, operator: In, values: [web, api]}\n      - {key: app, operator: NotIn, values: [api]}\n",
    ));
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        p,
        vec![(
            "web".to_string(),
            Pdb::MaxUnavailable(IntOrPercent::Percent(25))
        )]
    );
    // Exists selects both: left out.
    let (p, w) = load(&pdb(
        "all",
        "  minAvailable: 1\n  selector: {matchExpressions: [{key: app, operator: Exists}]}\n",
    ));
    assert!(p.is_empty());
    assert_line(
        &w,
        &[
            "spec.selector",
            "selects the pods of several workloads (web, api)",
        ],
    );
    // Another namespace's workload is not selected.
    let (p, w) = load(&pdb(
        "db",
        "  minAvailable: 1\n  selector: {matchLabels: {app: db}}\n",
    ));
    assert!(p.is_empty());
    assert_line(
        &w,
        &["(app=db) selects no imported workload in namespace default"],
    );
    // No selector selects nothing (policy/v1); {} selects the namespace.
    let (p, w) = load(&pdb("none", "  minAvailable: 1\n"));
    assert!(p.is_empty());
    assert_line(&w, &["without a selector selects no pods"]);
    let db_only = pdb("db", "  minAvailable: 2\n  selector: {}\n").replace(
        "metadata: {name: db}",
        "metadata: {name: db, namespace: data}",
    );
    let (p, _) = load(&db_only);
    assert_eq!(
        p,
        vec![("db".to_string(), Pdb::MinAvailable(IntOrPercent::Int(2)))]
    );
    // Neither minAvailable nor maxUnavailable: never blocks, left out.
    let (p, w) = load(&pdb("x", "  selector: {matchLabels: {app: web}}\n"));
    assert!(p.is_empty());
    assert_line(&w, &["never blocks an eviction"]);
}

#[test]
fn pdb_and_selector_errors() {
    let web = deploy("web", "", ONE_CONTAINER);
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}",
                pdb(
                    "web",
                    "  minAvailable: 1\n  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}\n"
                )
            ),
        )],
        "",
    );
    assert_line(&e, &["minAvailable and maxUnavailable cannot both be set"]);
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}---\n{}",
                pdb(
                    "a",
                    "  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n"
                ),
                pdb(
                    "b",
                    "  minAvailable: 2\n  selector: {matchLabels: {tier: backend}}\n"
                ),
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "document 3 (PodDisruptionBudget b): spec.selector",
            "already covered by PodDisruptionBudget a",
        ],
    );
    // A misspelt matchLabels would select everything: an error.
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}",
                pdb(
                    "a",
                    "  minAvailable: 1\n  selector: {matchLabel: {app: web}}\n"
                )
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "spec.selector.matchLabel",
            "unknown field `matchLabel` in a label selector",
            "did you mean `matchLabels`?",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}",
                pdb(
                    "a",
                    "  minAvailable: 1\n  selector: {matchExpressions: [{key: app, operator: In}]}\n"
                )
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "spec.selector.matchExpressions[0].values",
            "operator In needs at least one value",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &format!(
                "{web}---\n{}",
                pdb(
                    "a",
                    "  minAvailable: 1\n  selector: {matchExpressions: [{key: app, operator: Gt, values: [\"1\"]}]}\n"
                )
            ),
        )],
        "",
    );
    assert_line(&e, &["operator", "unknown value \"Gt\""]);
    // The Deployment's selector must select its template's labels.
    let bad = deploy("web", "", ONE_CONTAINER)
        .replace("matchLabels: {app: web}", "matchLabels: {app: frontend}");
    let e = errors(&[("m.yaml", &bad)], "");
    assert_line(
        &e,
        &[
            "document 1 (Deployment web): spec.selector",
            "does not select the pod template's labels",
        ],
    );
}

#[test]
fn manifest_errors_point_at_file_document_line_and_field() {
    // Bad YAML: the line of the problem and its document.
    let e = errors(
        &[(
            "m.yaml",
            "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: apps/v1\nkind: 'Deployment\n",
        )],
        "",
    );
    assert_line(&e, &["DIR/m.yaml:5:", "document 2", "invalid YAML"]);
    // No name.
    let nameless = deploy("web", "", ONE_CONTAINER)
        .replace("metadata:\n  name: web\n", "metadata:\n  labels: {a: b}\n");
    let e = errors(
        &[(
            "m.yaml",
            &format!("apiVersion: v1\nkind: Secret\n---\n{nameless}"),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "DIR/m.yaml:7:3",
            "document 2 (Deployment): metadata.name",
            "a Deployment needs metadata.name",
        ],
    );
    // A bad quantity, at its line and column.
    let bad_cpu = deploy(
        "web",
        "",
        "      containers:\n        - name: app\n          resources: {requests: {cpu: lots}}\n",
    );
    let e = errors(&[("m.yaml", &bad_cpu)], "");
    assert_line(
        &e,
        &[
            "DIR/m.yaml:15:39",
            "document 1 (Deployment web): spec.template.spec.containers[0].resources.requests.cpu",
            "expected a CPU quantity",
        ],
    );
    // A check of the scenario resolver (the pod fits no node) names the
    // manifest's field too.
    let huge = deploy(
        "web",
        "",
        "      containers:\n        - name: app\n          resources: {requests: {cpu: \"64\", memory: 1Gi}}\n",
    );
    let e = errors(&[("m.yaml", &huge)], "");
    assert_line(
        &e,
        &[
            "DIR/m.yaml:15:39",
            "spec.template.spec.containers[0].resources.requests.cpu",
            "a pod requests 64 cpu but the largest node has 4",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &deploy(
                "web",
                "",
                &("      nodeSelector: {tier: gpu}\n".to_string() + ONE_CONTAINER),
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "spec.template.spec.nodeSelector",
            "no node pool has the labels tier=gpu",
        ],
    );
    let e = errors(
        &[(
            "m.yaml",
            &deploy(
                "web",
                "  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n",
                ONE_CONTAINER,
            ),
        )],
        "",
    );
    assert_line(
        &e,
        &[
            "spec.strategy.rollingUpdate.maxUnavailable",
            "may not be 0 when max_surge is 0",
        ],
    );
    // Removed API versions are refused with the one to use.
    let old = deploy("web", "", ONE_CONTAINER).replace("apps/v1", "extensions/v1beta1");
    let e = errors(&[("m.yaml", &old)], "");
    assert_line(
        &e,
        &[
            "apiVersion",
            "extensions/v1beta1 Deployment is not read",
            "convert the manifest to apps/v1",
        ],
    );
    // A document that is no object.
    let e = errors(&[("m.yaml", "- a\n- b\n")], "");
    assert_line(&e, &["document 1", "expected a Kubernetes object"]);
    let e = errors(&[("m.yaml", "metadata: {name: x}\n")], "");
    assert_line(&e, &["missing field `apiVersion`"]);
}

#[test]
fn duplicate_names_across_manifests_and_workloads() {
    let web = deploy("web", "", ONE_CONTAINER);
    let e = errors(&[("a/one.yaml", &web), ("a/two.yaml", &web)], "");
    assert_line(
        &e,
        &[
            "DIR/a/two.yaml:",
            "Deployment web is defined twice",
            "first in DIR/a/one.yaml document 1",
        ],
    );
    let other_ns = web.replace("  name: web\n", "  name: web\n  namespace: prod\n");
    let e = errors(&[("a/one.yaml", &web), ("a/two.yaml", &other_ns)], "");
    assert_line(
        &e,
        &[
            "workload name `web` is used twice",
            "unique across kinds and namespaces",
        ],
    );
    let e = errors(
        &[("m.yaml", &web)],
        "workloads:\n  - {name: web, cpu: 1, memory: 1Gi}\n",
    );
    assert_line(
        &e,
        &[
            "DIR/m.yaml:4:9: document 1 (Deployment web): metadata.name:",
            "workload name `web` is also defined under `workloads` (line 15)",
        ],
    );
}

#[test]
fn paths_and_overrides_errors() {
    let web = deploy("web", "", ONE_CONTAINER);
    let e = errors(
        &[("m.yaml", &web)],
        "overrides: {wbe: {startup_time: 5s}, web: {name: x, startup_tme: 5s}}\n",
    );
    assert_line(
        &e,
        &[
            "overrides.wbe",
            "no imported workload is named `wbe`",
            "did you mean `web`?",
        ],
    );
    assert_line(&e, &["overrides.web.name", "comes from its manifest"]);
    assert_line(
        &e,
        &[
            "overrides.web.startup_tme",
            "unknown field",
            "did you mean `startup_time`?",
        ],
    );
    let e = errors(
        &[("m.yaml", &web)],
        "workloads:\n  - {name: api, cpu: 1, memory: 1Gi}\noverrides: {api: {replicas: 2}}\n",
    );
    assert_line(&e, &["overrides.api", "`api` is a hand-written workload"]);
    let e = crate::scenario::load_str(
        &format!("{CLUSTER}overrides: {{web: {{replicas: 2}}}}\n"),
        "s.yaml",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("the scenario has none"), "{e}");
    // Missing file, empty directory, the same file twice.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("m.yaml"), &web).unwrap();
    let origin = dir.path().join("s.yaml").display().to_string();
    let e = load_str_with_report(
        &format!("{CLUSTER}manifests: [nothere.yaml, empty, m.yaml, ./m.yaml]\n"),
        &origin,
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("manifests[0]: cannot read") && e.contains("relative to the scenario file"),
        "{e}"
    );
    assert!(
        e.contains("manifests[1]: directory") && e.contains("holds no .yaml"),
        "{e}"
    );
    assert!(
        e.contains("manifests[3]:") && e.contains("is read twice"),
        "{e}"
    );
}

#[test]
fn overrides_replace_manifest_fields_and_set_works_on_them() {
    let web = deploy("web", "", ONE_CONTAINER);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), &web).unwrap();
    let origin = dir.path().join("s.yaml").display().to_string();
    let text = format!(
        "{CLUSTER}manifests: [m.yaml]\noverrides:\n  web: {{traffic: null, slo: {{min_ready: 2}}, crash: {{mtbf: 3d}}}}\nevents:\n  - {{at: 1h, scale: {{workload: web, replicas: 5}}}}\n"
    );
    let sets = vec![
        "overrides.web.replicas=9".to_string(),
        "overrides.web.strategy={type: recreate}".to_string(),
    ];
    let l = load_str_with_report(&text, &origin, &sets).unwrap();
    let w = workload(&l.scenario, "web");
    assert_eq!(w.replicas, 9);
    assert_eq!(w.strategy, Strategy::Recreate);
    assert_eq!(w.slo_min_ready, 2);
    assert!(w.crash.is_some());
    assert_eq!(
        l.scenario.events.len(),
        1,
        "events may name imported workloads"
    );

    // A null removes what the manifest set.
    let with_pdb = format!(
        "{web}---\n{}",
        pdb(
            "web",
            "  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n"
        )
    );
    let l = ok(&[("m.yaml", &with_pdb)], "");
    assert!(workload(&l.scenario, "web").pdb.is_some());
    let l = ok(&[("m.yaml", &with_pdb)], "overrides: {web: {pdb: null}}\n");
    assert!(workload(&l.scenario, "web").pdb.is_none());
}

/// A tree as flow YAML, for comparing synthesized scenario trees.
fn flow(n: &crate::scenario::for_manifests::Node) -> String {
    use crate::scenario::for_manifests::Value;
    match &n.value {
        Value::Map(e) => format!(
            "{{{}}}",
            e.iter()
                .map(|(k, v)| format!("{}: {}", k.name, flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        _ => n.scalar_text().unwrap_or_default(),
    }
}

#[test]
fn hpa_behavior_translates_to_the_scenario_form() {
    use crate::scenario::for_manifests::{Cx, parse_documents};
    let docs = parse_documents(
        "scaleUp:
  selectPolicy: Max
  policies: [{type: Pods, value: 4, periodSeconds: 15}, {type: Percent, value: 100, periodSeconds: 15}]
scaleDown:
  stabilizationWindowSeconds: 600
  selectPolicy: Disabled
  tolerance: 50m
",
    )
    .unwrap();
    let mut cx = Cx::new("t.yaml", &[]);
    let n = super::translate::behavior(&mut cx, &docs[0], "spec.behavior").unwrap();
    assert_eq!(cx.errors(), 0);
    assert_eq!(
        flow(&n),
        "{scale_up: {select_policy: max, policies: [{type: pods, value: 4, period: 15}, \
         {type: percent, value: 100, period: 15}]}, scale_down: {stabilization_window: 600, \
         select_policy: disabled, tolerance: 5%}}"
    );
    let bad = parse_documents(
        "scaleDown: {stabilizationWindowSeconds: 7200, policies: [{type: Pods, value: 0, periodSeconds: 15}]}\n",
    )
    .unwrap();
    assert!(super::translate::behavior(&mut cx, &bad[0], "spec.behavior").is_none());
    assert!(cx.errors() > 0);
}

#[test]
fn lists_owned_replica_sets_and_other_kinds() {
    let web = deploy("web", "", ONE_CONTAINER);
    let rs = deploy("cache", "", ONE_CONTAINER).replace("kind: Deployment", "kind: ReplicaSet");
    let owned = deploy("web-5d4f", "", ONE_CONTAINER)
        .replace("kind: Deployment", "kind: ReplicaSet")
        .replace(
            "  name: web-5d4f\n",
            "  name: web-5d4f\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web}]\n",
        );
    let indent = |s: &str| {
        s.lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    format!("  - {l}")
                } else {
                    format!("    {l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}\n{}\n{}\n",
        indent(&web),
        indent(&rs),
        indent(&owned)
    );
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {}\n";
    let l = ok(
        &[(
            "m.yaml",
            &format!(
                "{list}---\n{sts}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\n"
            ),
        )],
        "",
    );
    let names: Vec<&str> = l
        .scenario
        .workloads
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    assert_eq!(names, ["web", "cache"]);
    let r = l.imports.clone().unwrap();
    let ignored: Vec<String> = r
        .ignored
        .iter()
        .map(|i| format!("{} {}: {}", i.object.kind, i.object.name, i.reason))
        .collect();
    assert_eq!(
        ignored,
        [
            "ReplicaSet web-5d4f: owned by Deployment web, which makes its pods",
            "StatefulSet db: StatefulSets are not simulated",
            "Service web: ",
        ]
    );
    assert_line(
        &warnings_of(&l),
        &[
            "document 2 (StatefulSet db): kind",
            "its pods take no capacity",
        ],
    );
    assert_eq!(r.workloads[1].source.kind, "ReplicaSet");
    assert_eq!(r.workloads[1].source.document, 1);
}

#[test]
fn unknown_and_unsupported_fields_warn_without_failing() {
    let web = deploy(
        "web",
        "  replica: 3\n  paused: true\n",
        "      nodeName: node-1
      schedulerName: my-scheduler
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
      tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]
      containers:
        - name: app
          resources: {requests: {cpu: 100m, memory: 100Mi}}
          ports: [{containerPort: 8080, hostPort: 8080}]
          startupProbe: {httpGet: {path: /, port: 8080}}
",
    );
    let l = ok(&[("m.yaml", &web)], "");
    let w = warnings_of(&l);
    assert_line(
        &w,
        &[
            "spec.replica",
            "unknown field `replica` in a Deployment spec",
            "did you mean `replicas`?",
        ],
    );
    for needle in [
        "paused Deployments are not modelled",
        "nodeName binds pods without the scheduler",
        "only the default scheduler is modelled",
        "persistent volumes are not modelled",
        "host ports are not modelled",
        "startup probes are not modelled",
    ] {
        assert_line(&w, &["m.yaml:", "document 1 (Deployment web)", needle]);
    }
    // Warnings are in file order, with line and column.
    let lines: Vec<u32> = l.warnings.iter().map(|d| d.line.unwrap()).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn shop_fixture_imports_like_its_hand_translation() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
    let l = crate::scenario::load_file_with_report(&root.join("shop.yaml"), &[]).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", warnings_of(&l));
    let hand = crate::scenario::load_file(&root.join("shop-handwritten.yaml"), &[]).unwrap();
    // Debug output covers every field of every workload.
    assert_eq!(
        format!("{:?}", l.scenario.workloads),
        format!("{:?}", hand.workloads)
    );
}
