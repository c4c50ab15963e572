//! The cluster autoscaler wired to the simulation: its loop every
//! `scan_interval`, scale-up through `NodeJoins` after the pool's
//! `provision_time`, scale-down through the eviction API (`start_drain`)
//! and `remove_node`, and the per-pool node hours and cost in the summary.
//! The decisions are `controllers::cluster_autoscaler`'s.
//!
//! One loop (upstream `StaticAutoscaler.RunOnce`, in this order):
//! 1. a scale-down drain still blocked by PDBs `max_pod_eviction_time`
//!    after it started is abandoned: the node is uncordoned and scale-down
//!    waits `scale_down_delay_after_failure`;
//! 2. scale-up: unschedulable pods (the scheduler failed them at least
//!    once; priority not below -10) that fit no existing or upcoming node
//!    and would fit a new node of a pool below its `max` pick a pool
//!    through the expander; its new nodes join after `provision_time`
//!    (each sampled on its own);
//! 3. scale-down: nodes of autoscaled pools whose utilization is below the
//!    threshold and whose pods the PDBs let go and other nodes can take are
//!    *unneeded*; the unneeded-since clock runs even during the cooldowns.
//!    Unless a scale-up happened within `scale_down_delay_after_add` (the
//!    start counts as one, as upstream's initial `lastScaleUpTime`), a
//!    deletion within `scale_down_delay_after_delete` or a failure within
//!    `scale_down_delay_after_failure`, or a drain is in progress, nodes
//!    unneeded for `scale_down_unneeded_time` go, a pool never below its
//!    `min`: empty nodes up to 10 at once, deleted at once; otherwise one
//!    non-empty node, drained through the eviction API (PDBs respected,
//!    refusals retried every 5 s) and deleted when its pods are gone.
//!
//! Not modelled: node groups failing to provision (`max-node-provision-time`
//! and backoff), unready-node scale-down (`scale-down-unready-time`),
//! `max-nodes-total` and resource limits, the unremovable-node recheck
//! cache, balancing of similar node groups.

use super::disruption::DrainPurpose;
use super::{Event, Simulation};
use crate::controllers::cluster_autoscaler::{
    self as ca, EXPENDABLE_PODS_PRIORITY_CUTOFF, MAX_DRAIN_WAIT, MAX_SCALE_DOWN_PARALLELISM,
    PoolCandidate, UNREMOVABLE_NODE_RECHECK_TIMEOUT,
};
use crate::engine::{RngStreams, SimRng, SimTime};
use crate::metrics::{ClusterSummary, PoolSummary};
use crate::model::{DeploymentId, Node, NodeId, PodId};
use crate::scenario::Scenario;
use crate::scheduler::cycle::Scheduler;
use std::collections::BTreeMap;

/// The autoscaler's state between loops.
pub(super) struct ClusterAutoscaler {
    /// Its own scheduler instance: simulations must not disturb the real
    /// scheduler's rotating start index and node order.
    sched: Scheduler,
    /// Expander tie-breaks and provisioning times.
    rng: SimRng,
    /// Per pool: zones of the nodes requested that have not joined yet.
    upcoming: Vec<Vec<usize>>,
    /// Unneeded nodes and since when.
    unneeded: BTreeMap<NodeId, SimTime>,
    /// Nodes the removal simulation rejected, not simulated again before
    /// the time given.
    unremovable: BTreeMap<NodeId, SimTime>,
    last_scale_up: SimTime,
    last_delete: Option<SimTime>,
    last_failure: Option<SimTime>,
    /// The non-empty node being drained for deletion, and since when.
    draining: Option<(NodeId, SimTime)>,
    /// Per pool: nodes added and removed by the autoscaler.
    added: Vec<u32>,
    removed: Vec<u32>,
}

impl ClusterAutoscaler {
    /// The autoscaler of a scenario, if any pool has `autoscaling`.
    pub(super) fn new(scenario: &Scenario, streams: &RngStreams) -> Option<Self> {
        let pools = &scenario.cluster.node_pools;
        if pools.iter().all(|p| p.autoscaling.is_none()) {
            return None;
        }
        Some(ClusterAutoscaler {
            sched: Scheduler::new(
                &scenario.cluster.control_plane.scheduler,
                &scenario.cluster.zones,
                &scenario.pod_specs(),
            ),
            rng: streams.stream("cluster-autoscaler"),
            upcoming: vec![Vec::new(); pools.len()],
            unneeded: BTreeMap::new(),
            unremovable: BTreeMap::new(),
            last_scale_up: SimTime::ZERO,
            last_delete: None,
            last_failure: None,
            draining: None,
            added: vec![0; pools.len()],
            removed: vec![0; pools.len()],
        })
    }
}

impl Simulation {
    /// Starts the autoscaler's loop at time zero (after the warm start).
    pub(super) fn start_cluster_autoscaler(&mut self) {
        if self.autoscaler.is_some() {
            self.engine
                .schedule_at(SimTime::ZERO, Event::AutoscalerScan);
        }
    }

    /// One loop of the cluster autoscaler.
    pub(super) fn on_autoscaler_scan(&mut self) {
        if self.autoscaler.is_none() {
            return;
        }
        let cfg = self
            .scenario
            .cluster
            .control_plane
            .cluster_autoscaler
            .clone();
        self.engine
            .schedule_in(cfg.scan_interval, Event::AutoscalerScan);
        let now = self.engine.now();
        self.abandon_stuck_scale_down(now, cfg.max_pod_eviction_time);
        let scaled_up = self.autoscaler_scale_up(now);
        if cfg.scale_down_enabled {
            self.autoscaler_scale_down(now, scaled_up);
        }
    }

    /// A fresh node of `pool`, as its template.
    fn template_node(&self, pool: usize) -> Node {
        let p = &self.scenario.cluster.node_pools[pool];
        let mut n = Node::new(p.name.clone(), pool, 0, p.cpu, p.memory, p.max_pods);
        n.labels = p.labels.clone();
        if p.racks > 1 {
            let rack = self.next_node_index[pool] % p.racks;
            n.labels
                .insert("rack".into(), format!("{}-rack-{rack}", p.name));
        }
        n.taints = p.taints.clone();
        n
    }

    /// Nodes of a pool that exist (up or down), not being deleted.
    fn pool_size(&self, pool: usize) -> u32 {
        let draining = self.autoscaler.as_ref().and_then(|a| a.draining);
        self.state
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                n.pool == pool && !n.removed && draining.is_none_or(|(d, _)| d.idx() != *i)
            })
            .count() as u32
    }

    fn pool_candidates(&self) -> Vec<PoolCandidate> {
        let ca = self.autoscaler.as_ref().expect("autoscaler");
        let zone_index = |name: &String| {
            self.scenario
                .cluster
                .zones
                .iter()
                .position(|z| z == name)
                .unwrap_or(0)
        };
        let mut out = Vec::new();
        for (pi, p) in self.scenario.cluster.node_pools.iter().enumerate() {
            let Some(a) = &p.autoscaling else { continue };
            let zones: Vec<usize> = p.zones.iter().map(zone_index).collect();
            let mut zone_counts = vec![0u32; zones.len()];
            let mut existing = 0u32;
            for n in self
                .state
                .nodes
                .iter()
                .filter(|n| n.pool == pi && !n.removed)
            {
                existing += 1;
                if let Some(k) = zones.iter().position(|&z| z == n.zone) {
                    zone_counts[k] += 1;
                }
            }
            for z in &ca.upcoming[pi] {
                if let Some(k) = zones.iter().position(|x| x == z) {
                    zone_counts[k] += 1;
                }
            }
            let size = existing + ca.upcoming[pi].len() as u32;
            out.push(PoolCandidate {
                pool: pi,
                template: self.template_node(pi),
                zones,
                zone_counts,
                upcoming: ca.upcoming[pi].clone(),
                room: a.max.saturating_sub(size),
                priority: p.priority,
            });
        }
        out
    }

    /// Pods the scheduler marked unschedulable, most important first.
    fn unschedulable_pods(&self) -> Vec<PodId> {
        if self.cluster_metrics.pending_pods == 0 {
            return Vec::new();
        }
        let mut pods: Vec<PodId> = Vec::new();
        // Pods of the Deployments' ReplicaSets, then of the live Jobs.
        let owners = self
            .state
            .deployments
            .iter()
            .flat_map(|d| d.replica_sets.iter().copied())
            .chain(self.jobs.owners());
        for rs in owners {
            pods.extend(self.state.rs(rs).pods.iter().copied().filter(|&p| {
                let pod = self.state.pod(p);
                pod.node.is_none()
                    && pod.is_active()
                    && pod.failed_attempts > 0
                    && pod.priority >= EXPENDABLE_PODS_PRIORITY_CUTOFF
            }));
        }
        pods.sort_by_key(|&p| (std::cmp::Reverse(self.state.pod(p).priority), p));
        pods
    }

    /// Scale-up; true if nodes were requested.
    fn autoscaler_scale_up(&mut self, now: SimTime) -> bool {
        let pending = self.unschedulable_pods();
        if pending.is_empty() {
            return false;
        }
        let pools = self.pool_candidates();
        let expander = self
            .scenario
            .cluster
            .control_plane
            .cluster_autoscaler
            .expander;
        let ca = self.autoscaler.as_mut().expect("autoscaler");
        let plan = ca::plan_scale_up(
            &mut self.state,
            &mut ca.sched,
            &self.pod_specs,
            &pending,
            &pools,
        );
        let Some(i) = ca::choose(expander, &plan.options, &pools, &self.state, &mut ca.rng) else {
            return false;
        };
        let option = &plan.options[i];
        let pool = pools[option.candidate].pool;
        let provision = self.scenario.cluster.node_pools[pool]
            .autoscaling
            .as_ref()
            .expect("autoscaled pool")
            .provision_time
            .clone();
        for &zone in &option.zones {
            let delay = provision.sample(&mut ca.rng);
            ca.upcoming[pool].push(zone);
            self.engine.schedule_in(
                delay,
                Event::NodeJoins {
                    pool: pool as u32,
                    zone: zone as u32,
                    purpose: super::JoinPurpose::ScaleUp,
                },
            );
        }
        ca.added[pool] += option.zones.len() as u32;
        ca.last_scale_up = now;
        let detail = format!(
            "+{} nodes for {} pending pods (expander {}, {} options)",
            option.zones.len(),
            option.pods.len(),
            expander.as_str(),
            plan.options.len()
        );
        let name = self.scenario.cluster.node_pools[pool].name.clone();
        self.log("scale_up", name, detail);
        true
    }

    /// A node requested by a scale-up joined.
    pub(super) fn on_scale_up_node_joined(&mut self, pool: usize, zone: usize) {
        if let Some(ca) = self.autoscaler.as_mut() {
            let up = &mut ca.upcoming[pool];
            if let Some(i) = up.iter().position(|&z| z == zone) {
                up.remove(i);
            }
        }
    }

    /// Scale-down: refresh the unneeded nodes, then remove some unless in
    /// cooldown.
    fn autoscaler_scale_down(&mut self, now: SimTime, scaled_up: bool) {
        let cfg = self
            .scenario
            .cluster
            .control_plane
            .cluster_autoscaler
            .clone();
        let draining = self.autoscaler.as_ref().and_then(|a| a.draining);
        // Candidates: ready, schedulable nodes of autoscaled pools above
        // their min, below the utilization threshold.
        let mut at_min = Vec::new();
        for (pi, p) in self.scenario.cluster.node_pools.iter().enumerate() {
            at_min.push(
                p.autoscaling
                    .as_ref()
                    .is_none_or(|a| self.pool_size(pi) <= a.min),
            );
        }
        let ca = self.autoscaler.as_mut().expect("autoscaler");
        ca.unremovable.retain(|_, until| *until > now);
        let ca = self.autoscaler.as_ref().expect("autoscaler");
        let mut candidates: Vec<(bool, Option<SimTime>, NodeId)> = self
            .state
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                !at_min[n.pool]
                    && !n.removed
                    && n.is_up()
                    && !n.control_plane_blocks_scheduling()
                    && n.drain.is_none()
                    && draining.is_none_or(|(d, _)| d.idx() != *i)
                    && !ca.unremovable.contains_key(&NodeId(*i as u32))
                    && ca::utilization(n) < cfg.scale_down_utilization_threshold
            })
            .map(|(i, n)| {
                let id = NodeId(i as u32);
                let empty = n.pods.iter().all(|&p| !ca::is_pod_to_move(&self.state, p));
                (empty, ca.unneeded.get(&id).copied(), id)
            })
            .collect();
        // Upstream's candidate sorting: empty nodes first, then the nodes
        // already unneeded (longest first), then by id.
        candidates.sort_by_key(|&(empty, since, id)| (!empty, since.is_none(), since, id));
        let candidates: Vec<NodeId> = candidates.into_iter().map(|(_, _, id)| id).collect();
        let mut pdb_allowed: Vec<Option<u32>> = (0..self.state.deployments.len())
            .map(|d| {
                self.pdb_status(DeploymentId(d as u32))
                    .map(|(current, desired)| current.saturating_sub(desired))
            })
            .collect();
        let ca = self.autoscaler.as_mut().expect("autoscaler");
        let removal = if candidates.is_empty() {
            ca::Removal::default()
        } else {
            ca::find_unneeded(
                &mut self.state,
                &mut ca.sched,
                &self.pod_specs,
                &candidates,
                &mut pdb_allowed,
            )
        };
        for &n in &removal.unremovable {
            ca.unremovable
                .insert(n, now + UNREMOVABLE_NODE_RECHECK_TIMEOUT);
        }
        let unneeded = removal.unneeded;
        let previous = std::mem::take(&mut ca.unneeded);
        for &(n, _) in &unneeded {
            ca.unneeded
                .insert(n, previous.get(&n).copied().unwrap_or(now));
        }

        let cooldown = scaled_up
            || ca.last_scale_up + cfg.scale_down_delay_after_add > now
            || ca
                .last_delete
                .is_some_and(|t| t + cfg.scale_down_delay_after_delete > now)
            || ca
                .last_failure
                .is_some_and(|t| t + cfg.scale_down_delay_after_failure > now);
        if cooldown {
            return;
        }
        let mut removable: Vec<(NodeId, bool)> = unneeded
            .into_iter()
            .filter(|(n, _)| ca.unneeded[n] + cfg.scale_down_unneeded_time <= now)
            .collect();
        if removable.is_empty() {
            return;
        }
        let drain_busy = usize::from(ca.draining.is_some());
        // Pool minimums, counting the nodes chosen so far.
        let mut room: Vec<u32> = (0..self.scenario.cluster.node_pools.len())
            .map(|pi| {
                let min = self.scenario.cluster.node_pools[pi]
                    .autoscaling
                    .as_ref()
                    .map_or(u32::MAX, |a| a.min);
                self.pool_size(pi).saturating_sub(min)
            })
            .collect();
        removable.retain(|(n, _)| {
            let pool = self.state.node(*n).pool;
            if room[pool] == 0 {
                return false;
            }
            room[pool] -= 1;
            true
        });
        // Budgets (upstream's ScaleDownBudgetProcessor): 10 deletions at
        // once, of which 1 drain (the drain in progress counts).
        let empty: Vec<NodeId> = removable
            .iter()
            .filter(|(_, e)| *e)
            .map(|(n, _)| *n)
            .take(MAX_SCALE_DOWN_PARALLELISM - drain_busy)
            .collect();
        let drain = removable
            .iter()
            .find(|(_, e)| !*e)
            .map(|(n, _)| *n)
            .filter(|_| drain_busy == 0 && empty.len() < MAX_SCALE_DOWN_PARALLELISM);
        for n in empty {
            self.autoscaler_delete_node(n, "empty");
        }
        if let Some(n) = drain {
            let ca = self.autoscaler.as_mut().expect("autoscaler");
            ca.draining = Some((n, now));
            ca.unneeded.remove(&n);
            ca.last_delete = Some(now);
            let pool = self.state.node(n).pool;
            let name = self.state.node(n).name.clone();
            let pods = self.state.node(n).pods.len();
            self.log(
                "scale_down",
                name,
                format!(
                    "draining {pods} pods (utilization below {}); pool {}",
                    cfg.scale_down_utilization_threshold,
                    self.scenario.cluster.node_pools[pool].name
                ),
            );
            self.start_drain(n, DrainPurpose::ScaleDown, None);
        }
    }

    fn autoscaler_delete_node(&mut self, n: NodeId, why: &str) {
        let now = self.engine.now();
        let pool = self.state.node(n).pool;
        let ca = self.autoscaler.as_mut().expect("autoscaler");
        ca.unneeded.remove(&n);
        ca.last_delete = Some(now);
        ca.removed[pool] += 1;
        let name = self.state.node(n).name.clone();
        let pool_name = self.scenario.cluster.node_pools[pool].name.clone();
        self.log(
            "scale_down",
            name,
            format!("deleting {why} node; pool {pool_name}"),
        );
        self.remove_node(n);
    }

    /// A scale-down drain finished: the node is deleted.
    pub(super) fn on_scale_down_drained(&mut self, n: NodeId) {
        if let Some(ca) = self.autoscaler.as_mut()
            && ca.draining.is_some_and(|(d, _)| d == n)
        {
            ca.draining = None;
        }
        self.autoscaler_delete_node(n, "drained");
    }

    /// Upstream gives up evicting after `max-pod-eviction-time`: the node
    /// is uncordoned and scale-down waits out the failure delay.
    fn abandon_stuck_scale_down(&mut self, now: SimTime, limit: crate::engine::SimDuration) {
        let Some((n, started)) = self.autoscaler.as_ref().and_then(|a| a.draining) else {
            return;
        };
        if started + limit > now {
            return;
        }
        let blocked = self
            .state
            .node(n)
            .pods
            .iter()
            .filter(|&&p| self.state.pod(p).is_active())
            .count();
        if blocked == 0 {
            // Evicted; the pods terminate. Past the longest graceful
            // termination upstream waits for, the node goes anyway (a dead
            // node's pods never finish terminating).
            if started + MAX_DRAIN_WAIT <= now {
                if let Some(id) = self.state.node(n).drain {
                    self.drains[id as usize].done = true;
                }
                self.state.nodes[n.idx()].drain = None;
                self.on_scale_down_drained(n);
            }
            return;
        }
        if let Some(id) = self.state.node(n).drain {
            self.drains[id as usize].done = true;
        }
        self.update_node(n, |node| {
            node.drain = None;
            node.unschedulable = false;
        });
        let ca = self.autoscaler.as_mut().expect("autoscaler");
        ca.draining = None;
        ca.last_failure = Some(now);
        let name = self.state.node(n).name.clone();
        self.log(
            "scale_down_failed",
            name,
            format!("{blocked} pods not evicted (pdb) after {limit}; uncordoned"),
        );
        self.cluster_changed();
    }

    /// Per-pool node hours and cost, and the cluster's cost.
    pub(super) fn fill_pool_summaries(&self, cluster: &mut ClusterSummary) {
        let hours = self.cluster_metrics.pool_node_hours();
        let max = self.cluster_metrics.pool_nodes_max();
        let mut cost = 0.0;
        for (pi, p) in self.scenario.cluster.node_pools.iter().enumerate() {
            let node_hours = hours.get(pi).copied().unwrap_or(0.0);
            let pool_cost = node_hours * p.cost_per_hour;
            cost += pool_cost;
            let (added, removed) = self
                .autoscaler
                .as_ref()
                .map_or((0, 0), |a| (a.added[pi], a.removed[pi]));
            cluster.node_pools.insert(
                p.name.clone(),
                PoolSummary {
                    node_hours,
                    cost: pool_cost,
                    nodes_final: self
                        .state
                        .nodes
                        .iter()
                        .filter(|n| n.pool == pi && !n.removed)
                        .count() as u32,
                    nodes_max: max.get(pi).copied().unwrap_or(0),
                    scale_up_nodes: added,
                    scale_down_nodes: removed,
                },
            );
        }
        cluster.cost = cost;
    }
}
