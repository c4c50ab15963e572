//! Planned disruptions: the eviction API with PodDisruptionBudgets, `kubectl
//! drain`, and node pool upgrades (surge or in place).

use super::events::JoinPurpose;
use super::{Action, DeleteReason, Event, OutageCause, Simulation};
use crate::dist::Dist;
use crate::engine::{SimDuration, SimTime};
use crate::model::{DeploymentId, NodeId, PodId, PodPhase};
use crate::scenario::Pdb;
use std::collections::VecDeque;

/// kubectl drain retries an eviction refused with 429 after 5 s.
pub const DRAIN_RETRY: SimDuration = SimDuration::from_secs(5);

/// Why a node is drained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DrainPurpose {
    /// A `drain` event.
    Manual,
    /// Node pool upgrade `u`.
    Upgrade(u32),
    /// A spot reclamation notice.
    Spot,
    /// Cluster autoscaler scale-down: the node is deleted once empty.
    ScaleDown,
}

/// A drain in progress or done.
#[derive(Debug)]
pub(super) struct DrainState {
    pub node: NodeId,
    pub started: SimTime,
    /// Everyone waiting for this drain (a manual drain and an upgrade can
    /// reach the same node).
    pub purposes: Vec<DrainPurpose>,
    pub uncordon_after: Option<SimDuration>,
    pub retry_pending: bool,
    pub done: bool,
}

/// A node pool upgrade in progress or done.
#[derive(Debug)]
pub(super) struct UpgradeState {
    pub pool: usize,
    pub max_surge: u32,
    pub provision_time: Dist,
    pub node_upgrade_time: Dist,
    pub start: SimTime,
    pub end: Option<SimTime>,
    /// Draws for this upgrade only (provisioning and upgrade times).
    pub rng: crate::engine::SimRng,
    /// The in-place node's upgrade downtime is over (it may still be down
    /// for another reason).
    pub in_place_upgraded: bool,
    /// Old nodes not yet replaced or upgraded, in order.
    pub queue: VecDeque<NodeId>,
    /// Surge slots (or the in-place node) busy.
    pub in_flight: u32,
    /// The node being upgraded in place.
    pub in_place: Option<NodeId>,
    pub nodes_before: u32,
    pub min_ready_nodes: u32,
    pub min_ready_cpu_millis: u64,
    pub cpu_before_millis: u64,
}

/// One entry of `upgrades` in summary.json.
#[derive(Clone, Debug, serde::Serialize, PartialEq)]
pub struct UpgradeSummary {
    /// Pool name.
    pub pool: String,
    /// Start, seconds.
    pub start_s: f64,
    /// Duration until every old node was replaced or upgraded (or to the end
    /// of the run if it did not finish), seconds.
    pub duration_s: f64,
    /// Whether it finished.
    pub completed: bool,
    /// Nodes in the pool when it started.
    pub nodes: u32,
    /// Fewest schedulable, ready nodes of the pool during the upgrade.
    pub min_ready_nodes: u32,
    /// Smallest schedulable ready CPU of the pool during the upgrade, as a
    /// fraction of what it had at the start.
    pub min_capacity_fraction: f64,
}

impl Simulation {
    // ---- eviction API ----------------------------------------------------

    /// The PDB arithmetic of the disruption controller for deployment `d`:
    /// (currentHealthy, desiredHealthy), or None without a PDB.
    pub(super) fn pdb_status(&self, d: DeploymentId) -> Option<(u32, u32)> {
        // Job classes (after the workloads) have no PDB.
        let pdb = self.scenario.workloads.get(d.idx())?.pdb?;
        let dep = self.state.deployment(d);
        let mut pods = 0u32;
        let mut healthy = 0u32;
        for &rs in &dep.replica_sets {
            // One lookup per pod: this runs on every cluster autoscaler scan.
            for &p in &self.state.rs(rs).pods {
                let pod = self.state.pod(p);
                if pod.is_active() {
                    pods += 1;
                    healthy += u32::from(pod.is_api_ready());
                }
            }
        }
        // An integer minAvailable counts against the pods that exist; a
        // percentage or maxUnavailable against the scale of the controller.
        let desired = match pdb {
            Pdb::MinAvailable(crate::units::IntOrPercent::Int(v)) => {
                let _ = pods;
                v
            }
            Pdb::MinAvailable(v) => v.scaled(dep.replicas, true),
            Pdb::MaxUnavailable(v) => dep.replicas.saturating_sub(v.scaled(dep.replicas, true)),
        };
        Some((healthy, desired))
    }

    /// The eviction API: deletes the pod if its PDB allows it. A pod that is
    /// not running yet or already terminating is always evictable; a healthy
    /// pod needs `disruptionsAllowed > 0`; an unhealthy one is allowed while
    /// the budget is met (unhealthyPodEvictionPolicy IfHealthyBudget).
    pub(super) fn evict(&mut self, pod: PodId) -> bool {
        let p = self.state.pod(pod);
        if !p.is_active() {
            return true;
        }
        let d = p.deployment;
        let pending = matches!(p.phase, PodPhase::Pending | PodPhase::Bound);
        let healthy = p.is_api_ready();
        if !pending && let Some((current, desired)) = self.pdb_status(d) {
            // Healthy pods need disruptionsAllowed > 0. Unhealthy ones pass
            // while the budget is met, which upstream applies only when
            // desiredHealthy > 0.
            let allowed = current > desired || (!healthy && current >= desired && desired > 0);
            if !allowed {
                return false;
            }
        }
        self.apply(Action::DeletePod {
            pod,
            reason: DeleteReason::Eviction,
        });
        if healthy
            && let Some((current, desired)) = self.pdb_status(d)
            && current < desired
        {
            let name = self.state.deployment(d).name.clone();
            self.violation(format!(
                "eviction took {name} to {current} healthy pods, below its pdb's {desired}"
            ));
        }
        true
    }

    // ---- drain -----------------------------------------------------------

    /// Cordons a node and evicts its pods (`kubectl drain`). A node that
    /// is already draining keeps its drain; the new purpose waits for it.
    pub(super) fn start_drain(
        &mut self,
        n: NodeId,
        purpose: DrainPurpose,
        uncordon_after: Option<SimDuration>,
    ) {
        if self.state.node(n).removed {
            return;
        }
        if let Some(id) = self.state.node(n).drain {
            let d = &mut self.drains[id as usize];
            d.purposes.push(purpose);
            if uncordon_after.is_some() {
                d.uncordon_after = uncordon_after;
            }
            return;
        }
        let id = self.drains.len() as u32;
        let now = self.engine.now();
        self.drains.push(DrainState {
            node: n,
            started: now,
            purposes: vec![purpose],
            uncordon_after,
            retry_pending: false,
            done: false,
        });
        self.update_node(n, |node| {
            node.unschedulable = true;
            node.drain = Some(id);
        });
        let name = self.state.node(n).name.clone();
        self.log(
            "drain_started",
            name,
            format!("{} pods", self.state.node(n).pods.len()),
        );
        self.try_drain(id);
    }

    pub(super) fn try_drain(&mut self, id: u32) {
        let drain = &mut self.drains[id as usize];
        drain.retry_pending = false;
        if drain.done {
            return;
        }
        let n = drain.node;
        let mut blocked = 0;
        for pod in self.state.node(n).pods.clone() {
            if self.state.pod(pod).is_active() && !self.evict(pod) {
                blocked += 1;
            }
        }
        if blocked > 0 && !self.drains[id as usize].retry_pending {
            self.drains[id as usize].retry_pending = true;
            self.engine.schedule_in(DRAIN_RETRY, Event::DrainRetry(id));
        }
        self.check_drain_complete(n);
    }

    /// A drain is complete when no pod is left on the node; everyone waiting
    /// for it is told.
    pub(super) fn check_drain_complete(&mut self, n: NodeId) {
        let Some(id) = self.state.node(n).drain else {
            return;
        };
        if !self.state.node(n).pods.is_empty() && !self.state.node(n).removed {
            return;
        }
        let now = self.engine.now();
        let drain = &mut self.drains[id as usize];
        drain.done = true;
        let purposes = std::mem::take(&mut drain.purposes);
        let (started, uncordon_after) = (drain.started, drain.uncordon_after);
        self.state.nodes[n.idx()].drain = None;
        let name = self.state.node(n).name.clone();
        self.log(
            "drain_completed",
            name,
            format!("in {}", now.since(started)),
        );
        for purpose in purposes {
            match purpose {
                DrainPurpose::Manual => {
                    if let Some(after) = uncordon_after {
                        let at = (started + after).max(now);
                        self.engine
                            .schedule_at(at, Event::Uncordon { node: n, drain: id });
                    }
                }
                DrainPurpose::Upgrade(u) => self.on_upgrade_drain_done(u, n),
                DrainPurpose::Spot => {}
                DrainPurpose::ScaleDown => self.on_scale_down_drained(n),
            }
        }
    }

    /// Uncordons after a manual drain, unless a later drain of the node
    /// started or an in-place upgrade holds it.
    pub(super) fn on_uncordon(&mut self, n: NodeId, drain: u32) {
        let newer_drain = self
            .drains
            .iter()
            .enumerate()
            .any(|(i, d)| d.node == n && i as u32 > drain);
        let upgrading = self
            .upgrades
            .iter()
            .any(|u| u.in_place == Some(n) && u.end.is_none());
        let node = self.state.node(n);
        if node.removed || node.drain.is_some() || newer_drain || upgrading {
            return;
        }
        self.update_node(n, |node| node.unschedulable = false);
        let name = self.state.node(n).name.clone();
        self.log("node_uncordoned", name, String::new());
        self.cluster_changed();
    }

    // ---- node arrival and removal ----------------------------------------

    /// Deletes a node object: its pods are gone at once (pod GC removes pods
    /// of deleted nodes) and their ReplicaSets replace them.
    pub(super) fn remove_node(&mut self, n: NodeId) {
        if self.state.node(n).removed {
            return;
        }
        if let Some(t) = self.state.nodes[n.idx()].lifecycle_timer.take() {
            self.engine.cancel(t);
        }
        if let Some((t, _)) = self.state.nodes[n.idx()].eviction_timer.take() {
            self.engine.cancel(t);
        }
        let now = self.engine.now();
        for pod in self.state.node(n).pods.clone() {
            self.cancel_pod_timers(pod);
            if self.state.pod(pod).is_active() {
                self.update_pod(pod, |p| p.deleted_at = Some(now));
                // The ReplicaSet sees its pod go and replaces it.
                let rs = self.state.pod(pod).rs;
                self.enqueue_replica_set(rs);
            }
            self.pod_gone(pod);
        }
        self.update_node(n, |node| node.removed = true);
        self.scheduler.node_set_changed();
        let name = self.state.node(n).name.clone();
        self.log("node_removed", name, String::new());
        // Upgrades stop waiting for a node that is gone.
        for u in 0..self.upgrades.len() {
            let up = &mut self.upgrades[u];
            if up.end.is_some() {
                continue;
            }
            up.queue.retain(|x| *x != n);
            if up.in_place == Some(n) {
                up.in_place = None;
                up.in_flight = 0;
                self.upgrade_next_in_place(u as u32);
            }
            self.finish_upgrade_if_done(u as u32);
        }
        self.check_drain_complete(n);
    }

    pub(super) fn on_node_joins(&mut self, pool: usize, zone: usize, purpose: JoinPurpose) {
        let index = self.next_node_index[pool];
        self.next_node_index[pool] += 1;
        let now = self.engine.now();
        let renew = self
            .scenario
            .cluster
            .control_plane
            .node_lease_renew_interval
            .as_millis()
            .max(1);
        let n = self.add_node(pool, index, zone, SimDuration(now.as_millis() % renew));
        let name = self.state.node(n).name.clone();
        self.log("node_joined", name, String::new());
        self.schedule_next_process_failure(n);
        self.arm_spot(n);
        self.cluster_changed();
        if let JoinPurpose::UpgradeSurge(u, old) = purpose {
            self.track_upgrade_capacity(pool);
            if self.state.node(old).removed {
                // The node this one was to replace is already gone.
                self.surge_slot_done(u);
            } else {
                self.start_drain(old, DrainPurpose::Upgrade(u), None);
            }
        }
        if purpose == JoinPurpose::ScaleUp {
            self.on_scale_up_node_joined(pool, zone);
        }
    }

    // ---- node pool upgrades ------------------------------------------------

    pub(super) fn start_upgrade(
        &mut self,
        pool: usize,
        max_surge: u32,
        provision_time: Dist,
        node_upgrade_time: Dist,
    ) {
        let now = self.engine.now();
        let old: VecDeque<NodeId> = (0..self.state.nodes.len())
            .map(|i| NodeId(i as u32))
            .filter(|n| self.state.node(*n).pool == pool && !self.state.node(*n).removed)
            .collect();
        let (ready, cpu) = self.pool_capacity(pool);
        let u = self.upgrades.len() as u32;
        let rng = self.streams.stream(&format!("upgrade/{u}"));
        let pool_name = self.scenario.cluster.node_pools[pool].name.clone();
        self.log(
            "upgrade_started",
            pool_name,
            format!("{} nodes, max_surge {max_surge}", old.len()),
        );
        self.upgrades.push(UpgradeState {
            pool,
            max_surge,
            provision_time,
            node_upgrade_time,
            start: now,
            end: None,
            rng,
            in_place_upgraded: false,
            nodes_before: old.len() as u32,
            queue: old,
            in_flight: 0,
            in_place: None,
            min_ready_nodes: ready,
            min_ready_cpu_millis: cpu,
            cpu_before_millis: cpu,
        });
        if max_surge == 0 {
            self.upgrade_next_in_place(u);
        } else {
            for _ in 0..max_surge.min(self.upgrades[u as usize].queue.len() as u32) {
                self.provision_surge_node(u);
            }
        }
        self.finish_upgrade_if_done(u);
    }

    /// Schedulable, ready nodes of a pool and their CPU.
    fn pool_capacity(&self, pool: usize) -> (u32, u64) {
        let mut nodes = 0;
        let mut cpu = 0;
        for n in &self.state.nodes {
            if n.pool == pool && !n.removed && n.is_up() && n.ready && !n.unschedulable {
                nodes += 1;
                cpu += n.cpu.0;
            }
        }
        (nodes, cpu)
    }

    /// Records the capacity dip of running upgrades of `pool`.
    pub(super) fn track_upgrade_capacity(&mut self, pool: usize) {
        if !self
            .upgrades
            .iter()
            .any(|u| u.pool == pool && u.end.is_none())
        {
            return;
        }
        let (nodes, cpu) = self.pool_capacity(pool);
        for u in self
            .upgrades
            .iter_mut()
            .filter(|u| u.pool == pool && u.end.is_none())
        {
            u.min_ready_nodes = u.min_ready_nodes.min(nodes);
            u.min_ready_cpu_millis = u.min_ready_cpu_millis.min(cpu);
        }
    }

    /// Takes the next old node off the queue and provisions the surge node
    /// that will replace it, in the same zone to keep zones balanced.
    fn provision_surge_node(&mut self, u: u32) {
        let up = &mut self.upgrades[u as usize];
        let Some(old) = up.queue.pop_front() else {
            return;
        };
        up.in_flight += 1;
        let pool = up.pool;
        let delay = up.provision_time.sample(&mut up.rng);
        let zone = self.state.node(old).zone as u32;
        self.engine.schedule_in(
            delay,
            Event::NodeJoins {
                pool: pool as u32,
                zone,
                purpose: JoinPurpose::UpgradeSurge(u, old),
            },
        );
    }

    /// A surge slot finished its old node: reuse it for the next one.
    fn surge_slot_done(&mut self, u: u32) {
        let up = &mut self.upgrades[u as usize];
        up.in_flight = up.in_flight.saturating_sub(1);
        let pool = up.pool;
        self.track_upgrade_capacity(pool);
        if !self.upgrades[u as usize].queue.is_empty() {
            self.provision_surge_node(u);
        }
        self.finish_upgrade_if_done(u);
    }

    fn upgrade_next_in_place(&mut self, u: u32) {
        loop {
            let up = &mut self.upgrades[u as usize];
            let Some(old) = up.queue.pop_front() else {
                return;
            };
            if self.state.node(old).removed {
                continue;
            }
            let up = &mut self.upgrades[u as usize];
            up.in_flight = 1;
            up.in_place = Some(old);
            up.in_place_upgraded = false;
            self.start_drain(old, DrainPurpose::Upgrade(u), None);
            return;
        }
    }

    fn on_upgrade_drain_done(&mut self, u: u32, n: NodeId) {
        if self.upgrades[u as usize].end.is_some() {
            return;
        }
        if self.upgrades[u as usize].max_surge == 0 {
            if self.upgrades[u as usize].in_place != Some(n) {
                return;
            }
            // In place: the drained node goes down for its upgrade.
            let up = &mut self.upgrades[u as usize];
            let d = up.node_upgrade_time.sample(&mut up.rng);
            self.chaos_down(vec![n], vec![d], OutageCause::Upgrade);
        } else {
            self.remove_node(n);
            self.surge_slot_done(u);
        }
    }

    /// The upgrade downtime of node `n` ended (it may still be down for
    /// another reason; it is done once it runs again).
    pub(super) fn on_upgrade_downtime_over(&mut self, n: NodeId) {
        for up in self
            .upgrades
            .iter_mut()
            .filter(|x| x.in_place == Some(n) && x.end.is_none())
        {
            up.in_place_upgraded = true;
        }
    }

    /// An in-place upgraded node runs again: uncordon it and take the next.
    pub(super) fn on_in_place_upgrade_done(&mut self, n: NodeId) {
        let Some(u) = self
            .upgrades
            .iter()
            .position(|x| x.in_place == Some(n) && x.in_place_upgraded && x.end.is_none())
        else {
            return;
        };
        let u = u as u32;
        self.update_node(n, |node| node.unschedulable = false);
        self.cluster_changed();
        let up = &mut self.upgrades[u as usize];
        up.in_place = None;
        up.in_flight = 0;
        self.upgrade_next_in_place(u);
        self.finish_upgrade_if_done(u);
    }

    fn finish_upgrade_if_done(&mut self, u: u32) {
        let up = &self.upgrades[u as usize];
        if up.end.is_some() || !up.queue.is_empty() || up.in_flight > 0 {
            return;
        }
        let now = self.engine.now();
        let took = now.since(up.start);
        let pool_name = self.scenario.cluster.node_pools[up.pool].name.clone();
        self.upgrades[u as usize].end = Some(now);
        self.log("upgrade_completed", pool_name, format!("in {took}"));
    }

    pub(super) fn upgrade_summaries(&self, end: SimTime) -> Vec<UpgradeSummary> {
        self.upgrades
            .iter()
            .map(|u| UpgradeSummary {
                pool: self.scenario.cluster.node_pools[u.pool].name.clone(),
                start_s: u.start.as_secs_f64(),
                duration_s: u.end.unwrap_or(end).since(u.start).as_secs_f64(),
                completed: u.end.is_some(),
                nodes: u.nodes_before,
                min_ready_nodes: u.min_ready_nodes,
                min_capacity_fraction: if u.cpu_before_millis == 0 {
                    0.0
                } else {
                    u.min_ready_cpu_millis as f64 / u.cpu_before_millis as f64
                },
            })
            .collect()
    }
}
