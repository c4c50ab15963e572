//! "Did you mean ...?" suggestions for misspelt names.

/// Edit distance (insertions, deletions, substitutions; an adjacent
/// transposition counts as one edit) between `a` and `b`, ignoring ASCII case.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Three rolling rows: the transposition case looks two rows back.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a plausible
/// typo: at most a third of the longer name's length in edits (at least
/// one), or `name` is a prefix/suffix of it or vice versa (`toleration` for
/// `default_toleration_seconds` is not, but `replica` for `replicas` is).
/// Ties go to the earlier candidate, so callers list the likelier names first.
pub fn suggest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // Names are at most 63 characters; bounding the work keeps hostile
    // input (megabyte-long keys) from making suggestions quadratic.
    const MAX_LEN: usize = 100;
    if name.len() > MAX_LEN {
        return None;
    }
    let lname = name.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c.is_empty() || c.len() > MAX_LEN {
            continue;
        }
        let d = edit_distance(name, c);
        let lc = c.to_ascii_lowercase();
        let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
        let affix = lname.len() >= 3
            && (lc.starts_with(&lname) || lname.starts_with(&lc) || lc.ends_with(&lname));
        // Replacing every character is no "near miss" (`e` for zone `a`).
        let near = d <= limit && d < name.chars().count();
        if (near || affix) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or empty when nothing is close.
pub(crate) fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    suggest(name, candidates).map(|s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("replicas", "replcias"), 1);
        assert_eq!(edit_distance("Zone", "zone"), 0);
    }

    #[test]
    fn suggests_near_names_only() {
        let fields = [
            "name",
            "replicas",
            "cpu",
            "memory",
            "max_surge",
            "max_unavailable",
        ];
        assert_eq!(suggest("replica", fields), Some("replicas"));
        assert_eq!(suggest("replcias", fields), Some("replicas"));
        assert_eq!(suggest("mem", fields), Some("memory"));
        assert_eq!(suggest("maxSurge", fields), Some("max_surge"));
        assert_eq!(suggest("cpus", fields), Some("cpu"));
        assert_eq!(suggest("banana", fields), None);
        assert_eq!(suggest("x", fields), None);
        assert_eq!(suggest("web", std::iter::empty()), None);
        assert_eq!(suggest("e", ["a", "b"]), None);
        assert_eq!(suggest("wbe", ["web"]), Some("web"));
    }

    #[test]
    fn case_insensitive_for_enums() {
        let effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
        assert_eq!(suggest("noschedule", effects), Some("NoSchedule"));
        assert_eq!(suggest("NoExecte", effects), Some("NoExecute"));
    }
}
