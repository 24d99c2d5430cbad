//! A small fuzzy matcher for pickers and list filters: the query's characters must
//! appear in order (case-insensitive); runs and word starts score higher.

/// A match: higher `score` is better; `positions` are char indices to highlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyMatch {
    pub score: i64,
    pub positions: Vec<usize>,
}

/// Matches `query` against `text`; an empty query matches everything with score 0.
pub fn fuzzy_match(query: &str, text: &str) -> Option<FuzzyMatch> {
    let query: Vec<char> = query
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let text: Vec<char> = text.chars().collect();
    let mut positions = Vec::with_capacity(query.len());
    let mut score = 0i64;
    let mut next = 0;
    for q in &query {
        let found = (next..text.len()).find(|&i| text[i].to_lowercase().eq(std::iter::once(*q)))?;
        let word_start = found == 0 || !text[found - 1].is_alphanumeric();
        let consecutive = positions.last().is_some_and(|&p: &usize| p + 1 == found);
        score += 1 + if consecutive { 8 } else { 0 } + if word_start { 4 } else { 0 }
            - (found - next).min(10) as i64;
        positions.push(found);
        next = found + 1;
    }
    Some(FuzzyMatch { score, positions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsequence_matches_and_runs_beat_scattered_letters() {
        assert!(fuzzy_match("pndrv", "PENDING_REVIEW").is_some());
        assert!(fuzzy_match("xyz", "PENDING_REVIEW").is_none());
        let run = fuzzy_match("pend", "PENDING_REVIEW").unwrap();
        let scattered = fuzzy_match("pend", "Pacific Energy Node Depot").unwrap();
        assert!(run.score > scattered.score);
        assert_eq!(run.positions, vec![0, 1, 2, 3]);
        assert_eq!(fuzzy_match("", "anything").unwrap().score, 0);
    }
}
