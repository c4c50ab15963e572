//! Taint-based eviction as pure rules: the tolerations a pod is admitted
//! with (`plugin/pkg/admission/defaulttolerationseconds/admission.go`) and
//! what the taint eviction controller does with a pod on a node with
//! NoExecute taints (`pkg/controller/tainteviction/taint_eviction.go`,
//! `processPodOnNode`).

use crate::engine::{SimDuration, SimTime};
use crate::model::tolerates;
use crate::scenario::{Taint, TaintEffect, Toleration};

/// Taint key of a node whose lease expired (Ready=Unknown).
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// Taint key of a node whose Ready condition is False.
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";

/// The tolerations the DefaultTolerationSeconds admission plugin adds to a
/// pod with `own` tolerations: `not-ready:NoExecute` and
/// `unreachable:NoExecute` for `default_seconds` each, unless the pod
/// already has a toleration with that key (or an empty key) and effect
/// NoExecute (or an empty effect). Upstream checks only key and effect, not
/// the operator or value (`Admit`).
pub fn admission_defaults(own: &[Toleration], default_seconds: SimDuration) -> Vec<Toleration> {
    let covers = |key: &str| {
        own.iter().any(|t| {
            (t.key == key || t.key.is_empty())
                && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
        })
    };
    [NOT_READY, UNREACHABLE]
        .into_iter()
        .filter(|key| !covers(key))
        .map(|key| Toleration {
            key: key.to_string(),
            exists: true,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(default_seconds),
        })
        .collect()
}

/// A pod's tolerations as admitted: its own, then the admission defaults.
pub fn admitted(own: &[Toleration], default_seconds: SimDuration) -> Vec<Toleration> {
    let mut all = own.to_vec();
    all.extend(admission_defaults(own, default_seconds));
    all
}

/// What the taint eviction controller makes of a pod's tolerations against
/// a node's NoExecute taints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No NoExecute taint: nothing to do, and a scheduled eviction is
    /// cancelled.
    NoTaints,
    /// A taint is not tolerated: delete the pod now.
    EvictNow,
    /// Every taint tolerated, the shortest for this long: delete the pod
    /// then.
    EvictAfter(SimDuration),
    /// Every taint tolerated forever: any scheduled eviction is cancelled.
    Forever,
}

/// Upstream `GetMatchingTolerations` and `getMinTolerationTime`: for each
/// NoExecute taint the first toleration (in list order) that tolerates it;
/// the smallest `toleration_seconds` among those decides; none set means
/// forever. `tolerations` are the admitted ones ([`admitted`]).
pub fn verdict(taints: &[Taint], tolerations: &[Toleration]) -> Verdict {
    let mut no_execute = taints
        .iter()
        .filter(|t| t.effect == TaintEffect::NoExecute)
        .peekable();
    if no_execute.peek().is_none() {
        return Verdict::NoTaints;
    }
    let mut min: Option<SimDuration> = None;
    for taint in no_execute {
        let Some(used) = tolerations.iter().find(|t| tolerates(t, taint)) else {
            return Verdict::EvictNow;
        };
        if let Some(s) = used.toleration_seconds {
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    match min {
        // tolerationSeconds <= 0 evicts at once (getMinTolerationTime).
        Some(SimDuration::ZERO) => Verdict::EvictNow,
        Some(d) => Verdict::EvictAfter(d),
        None => Verdict::Forever,
    }
}

/// A pod's scheduled deletion in the taint eviction queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledEviction {
    /// When the work was queued (`CreatedAt`).
    pub created: SimTime,
    /// When it fires.
    pub due: SimTime,
}

/// What `processPodOnNode` does to a pod's scheduled eviction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictionStep {
    /// Delete the pod now (and drop any scheduled eviction).
    DeleteNow,
    /// The pod's scheduled eviction becomes this (None: cancelled).
    Schedule(Option<ScheduledEviction>),
}

/// Upstream `processPodOnNode`: no taint or a toleration for ever cancels
/// the scheduled eviction; an untolerated taint deletes now; otherwise an
/// eviction queued earlier is kept as it is (its `CreatedAt + min` is
/// before `now + min`), else one is queued for `now + min`.
pub fn process_pod_on_node(
    verdict: Verdict,
    scheduled: Option<ScheduledEviction>,
    now: SimTime,
) -> EvictionStep {
    match verdict {
        Verdict::NoTaints | Verdict::Forever => EvictionStep::Schedule(None),
        Verdict::EvictNow => EvictionStep::DeleteNow,
        Verdict::EvictAfter(min) => match scheduled {
            Some(s) if s.created + min < now + min => EvictionStep::Schedule(Some(s)),
            // Queued at this very instant: replaced, keeping its CreatedAt.
            Some(s) => EvictionStep::Schedule(Some(ScheduledEviction {
                created: s.created,
                due: now + min,
            })),
            None => EvictionStep::Schedule(Some(ScheduledEviction {
                created: now,
                due: now + min,
            })),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol(key: &str, effect: Option<TaintEffect>, secs: Option<u64>) -> Toleration {
        Toleration {
            key: key.into(),
            exists: true,
            value: String::new(),
            effect,
            toleration_seconds: secs.map(SimDuration::from_secs),
        }
    }

    fn taint(key: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: String::new(),
            effect,
        }
    }

    const NE: Option<TaintEffect> = Some(TaintEffect::NoExecute);
    const DEFAULT: SimDuration = SimDuration::from_secs(300);

    #[test]
    fn admission_adds_defaults_only_for_keys_not_covered() {
        // No tolerations: both defaults, 300 s.
        let d = admission_defaults(&[], DEFAULT);
        assert_eq!(
            d.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
            [NOT_READY, UNREACHABLE]
        );
        assert!(d.iter().all(|t| t.toleration_seconds == Some(DEFAULT)));
        // Its own unreachable toleration (any seconds) replaces that default.
        let own = [tol(UNREACHABLE, NE, Some(30))];
        let d = admission_defaults(&own, DEFAULT);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, NOT_READY);
        // An empty effect covers NoExecute; an empty key covers both keys.
        assert_eq!(
            admission_defaults(&[tol(UNREACHABLE, None, None)], DEFAULT).len(),
            1
        );
        assert!(admission_defaults(&[tol("", None, None)], DEFAULT).is_empty());
        // A NoSchedule toleration of the key does not count.
        let ns = [tol(UNREACHABLE, Some(TaintEffect::NoSchedule), None)];
        assert_eq!(admission_defaults(&ns, DEFAULT).len(), 2);
        // Upstream checks key and effect only: an Equal toleration with a
        // value suppresses the default although it tolerates nothing here.
        let mut eq = tol(UNREACHABLE, NE, None);
        eq.exists = false;
        eq.value = "x".into();
        let admitted = admitted(&[eq], DEFAULT);
        assert_eq!(admitted.len(), 2);
        assert_eq!(
            verdict(&[taint(UNREACHABLE, TaintEffect::NoExecute)], &admitted),
            Verdict::EvictNow
        );
    }

    #[test]
    fn verdicts_follow_the_first_matching_toleration_and_the_minimum() {
        let unreachable = [
            taint(UNREACHABLE, TaintEffect::NoSchedule),
            taint(UNREACHABLE, TaintEffect::NoExecute),
        ];
        // Defaults: 300 s.
        assert_eq!(
            verdict(&unreachable, &admitted(&[], DEFAULT)),
            Verdict::EvictAfter(DEFAULT)
        );
        // Its own 30 s.
        let own = admitted(&[tol(UNREACHABLE, NE, Some(30))], DEFAULT);
        assert_eq!(
            verdict(&unreachable, &own),
            Verdict::EvictAfter(SimDuration::from_secs(30))
        );
        // NoExecute without seconds: forever.
        let own = admitted(&[tol(UNREACHABLE, NE, None)], DEFAULT);
        assert_eq!(verdict(&unreachable, &own), Verdict::Forever);
        // 0 s: at once.
        let own = admitted(&[tol(UNREACHABLE, NE, Some(0))], DEFAULT);
        assert_eq!(verdict(&unreachable, &own), Verdict::EvictNow);
        // The first matching toleration is used, not the shortest: a
        // forever toleration listed first wins over a later 10 s one.
        let own = admitted(
            &[tol(UNREACHABLE, NE, None), tol("", NE, Some(10))],
            DEFAULT,
        );
        assert_eq!(verdict(&unreachable, &own), Verdict::Forever);
        // Two NoExecute taints: the minimum of the tolerations used.
        let two = [
            taint("dedicated", TaintEffect::NoExecute),
            taint(UNREACHABLE, TaintEffect::NoExecute),
        ];
        let own = admitted(&[tol("dedicated", NE, Some(60))], DEFAULT);
        assert_eq!(
            verdict(&two, &own),
            Verdict::EvictAfter(SimDuration::from_secs(60))
        );
        // An untolerated NoExecute taint: at once.
        assert_eq!(verdict(&two, &admitted(&[], DEFAULT)), Verdict::EvictNow);
        // No NoExecute taint at all.
        assert_eq!(
            verdict(&[taint("x", TaintEffect::NoSchedule)], &[]),
            Verdict::NoTaints
        );
    }

    #[test]
    fn a_queued_eviction_is_kept_not_postponed() {
        let t = |s| SimTime::ZERO + SimDuration::from_secs(s);
        let min = Verdict::EvictAfter(SimDuration::from_secs(300));
        let fresh = process_pod_on_node(min, None, t(100));
        let queued = ScheduledEviction {
            created: t(100),
            due: t(400),
        };
        assert_eq!(fresh, EvictionStep::Schedule(Some(queued)));
        // Processed again later (e.g. another taint): kept as queued.
        assert_eq!(
            process_pod_on_node(
                Verdict::EvictAfter(SimDuration::from_secs(30)),
                Some(queued),
                t(200)
            ),
            EvictionStep::Schedule(Some(queued))
        );
        // Forever or no taints cancel; untolerated deletes now.
        assert_eq!(
            process_pod_on_node(Verdict::Forever, Some(queued), t(200)),
            EvictionStep::Schedule(None)
        );
        assert_eq!(
            process_pod_on_node(Verdict::NoTaints, Some(queued), t(200)),
            EvictionStep::Schedule(None)
        );
        assert_eq!(
            process_pod_on_node(Verdict::EvictNow, Some(queued), t(200)),
            EvictionStep::DeleteNow
        );
    }
}
