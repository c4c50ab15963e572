//! The invariant checker. Cheap checks run on every run (over-commitment at
//! binding, rollout bounds, PDB-respecting evictions); the full check, on
//! with [`Simulation::check_invariants`] (the CLI's `--check-invariants` and
//! every test), recounts after every event what the metrics keep
//! incrementally and stops the run at the first violation.

use super::Simulation;
use crate::model::NodeId;

impl Simulation {
    /// Turns the full invariant check on: after every event the counters
    /// are recounted from the cluster state, nodes checked against their
    /// capacity, and the run stops at the first violation.
    pub fn check_invariants(mut self, on: bool) -> Self {
        self.full_checks = on;
        self
    }

    /// Records a violation, naming the time and the event being handled.
    pub(super) fn violation(&mut self, what: String) {
        let now = self.engine.now();
        let ev = self
            .current_event
            .map(|e| format!("{e:?}"))
            .unwrap_or_else(|| "setup".into());
        self.invariant_violations
            .push(format!("at {now} while handling {ev}: {what}"));
    }

    /// Recounts everything the simulation keeps incrementally.
    pub(super) fn full_check(&mut self) {
        let mut problems = Vec::new();
        let workloads = self.state.deployments.len();
        let mut serving = vec![0u32; workloads];
        let mut endpoints = vec![0u32; workloads];
        let mut active = vec![0u32; workloads];
        let mut pending = 0u32;
        for (id, p) in self.state.pods.iter_ids() {
            if p.gone {
                continue;
            }
            let node = p.node.map(|n| self.state.node(n));
            let d = p.deployment.idx();
            let ep = p.is_api_ready();
            let running_ready = p.phase == crate::model::PodPhase::Ready
                && p.hang_since.is_none()
                && node.is_some_and(|n| n.is_up());
            let partitioned = node.is_some_and(|n| n.partitioned > 0);
            serving[d] += u32::from(running_ready && (ep || partitioned));
            endpoints[d] += u32::from(ep);
            active[d] += u32::from(p.is_active());
            pending += u32::from(p.node.is_none());
            if let Some(n) = p.node
                && !self.state.node(n).pods.contains(&id)
            {
                problems.push(format!(
                    "pod {} is bound to {} but not listed there",
                    id.0,
                    self.state.node(n).name
                ));
            }
        }
        for (d, m) in self.workload_metrics.iter().enumerate() {
            let name = &self.state.deployments[d].name;
            if (m.serving, m.endpoints, m.active_pods) != (serving[d], endpoints[d], active[d]) {
                problems.push(format!(
                    "workload {name}: counters (serving {}, endpoints {}, active {}) but the pods say ({}, {}, {})",
                    m.serving, m.endpoints, m.active_pods, serving[d], endpoints[d], active[d]
                ));
            }
        }
        let cm = &self.cluster_metrics;
        if cm.pending_pods != pending {
            problems.push(format!(
                "pending pods counter {} but {pending} pods are unbound",
                cm.pending_pods
            ));
        }
        let (mut req_cpu, mut req_mem, mut ready_nodes) = (0u64, 0u64, 0u32);
        for (i, n) in self.state.nodes.iter().enumerate() {
            let (mut cpu, mut mem) = (0u64, 0u64);
            for &p in &n.pods {
                let pod = self.state.pod(p);
                if pod.gone || pod.node != Some(NodeId(i as u32)) {
                    problems.push(format!(
                        "node {} lists pod {} that is not bound to it",
                        n.name, p.0
                    ));
                }
                cpu += pod.cpu.0;
                mem += pod.memory.0;
            }
            if (cpu, mem) != (n.requested_cpu.0, n.requested_memory.0) {
                problems.push(format!(
                    "node {}: requested counters disagree with its pods",
                    n.name
                ));
            }
            if n.pods.len() as u32 > n.max_pods || cpu > n.cpu.0 || mem > n.memory.0 {
                problems.push(format!(
                    "node {} is over its allocatable resources or max pods",
                    n.name
                ));
            }
            if n.is_up() && n.ready {
                req_cpu += cpu;
                req_mem += mem;
                ready_nodes += 1;
            }
        }
        if (cm.requested_cpu, cm.requested_memory, cm.ready_nodes)
            != (req_cpu, req_mem, ready_nodes)
        {
            problems.push("cluster allocation counters disagree with the nodes".to_string());
        }
        problems.extend(self.check_jobs());
        for p in problems {
            self.violation(p);
        }
        self.check_released_reads();
    }

    /// Reports reads of released pods since the last call (each means a
    /// reference was missed when the pod was released, `reclaim.rs`).
    /// Cheap: part of every run, not only of the full check.
    pub(super) fn check_released_reads(&mut self) {
        let reads = self.state.pods.released_reads();
        if reads > self.released_reads_reported {
            self.released_reads_reported = reads;
            self.violation(format!(
                "a released pod was read ({reads} reads so far): a reference to it was missed when it was released"
            ));
        }
    }

    /// Whether the run must stop (full checks on and something broke).
    pub(super) fn must_stop(&self) -> bool {
        self.full_checks && !self.invariant_violations.is_empty()
    }
}
