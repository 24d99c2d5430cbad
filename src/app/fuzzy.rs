//! Matching what an operator types against lists (pickers, filters, the template
//! search). A match has a tier, best first: the query is a whole field of the text, the
//! start of one, a run inside the text, or (for words) its letters in order. Digits are
//! never matched loosely: a query of digits matches a run of digits, so `/0121` finds
//! the numbers that contain 0121 and no others.

/// How a query matched, best first (lists sort by tier, then score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchTier {
    /// The query is a whole field of the text (a name, an id, a number's digits).
    Exact,
    /// A field starts with the query.
    Prefix,
    /// The query appears as one run inside the text.
    Substring,
    /// The query's letters appear in order, not together.
    Fuzzy,
}

/// A match: its tier, a score within the tier (higher is better) and the char indices
/// to highlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzyMatch {
    pub tier: MatchTier,
    pub score: i64,
    pub positions: Vec<usize>,
}

impl FuzzyMatch {
    /// What an empty query gives every row: all match, in their own order.
    pub fn everything() -> FuzzyMatch {
        FuzzyMatch {
            tier: MatchTier::Exact,
            score: 0,
            positions: Vec::new(),
        }
    }

    /// The sort key of a match: better tier first, then higher score.
    pub fn rank(&self) -> (MatchTier, std::cmp::Reverse<i64>) {
        (self.tier, std::cmp::Reverse(self.score))
    }
}

/// Separates the fields of a searchable text ("name  ·  id  ·  owner").
pub const FIELD_SEPARATOR: &str = "  ·  ";

/// The digits of a query made of digits and phone punctuation (`+1 (631) 555-0101`),
/// or `None` when it has letters (then it is matched as words).
pub fn digits_query(query: &str) -> Option<String> {
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let phone_like = query
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+-().".contains(c));
    (phone_like && !digits.is_empty()).then_some(digits)
}

/// Matches `query` against `text` (fields separated by [`FIELD_SEPARATOR`]): exact or
/// prefix of a field, a run inside the text, else (unless the query is digits) its
/// letters in order. An empty query matches everything.
pub fn search_match(query: &str, text: &str) -> Option<FuzzyMatch> {
    let needle: Vec<char> = query.trim().chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() {
        return Some(FuzzyMatch::everything());
    }
    let haystack: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    if let Some(start) = find(&haystack, &needle) {
        let positions: Vec<usize> = (start..start + needle.len()).collect();
        let mut best = MatchTier::Substring;
        let mut field_start = 0;
        let separator: Vec<char> = FIELD_SEPARATOR.chars().collect();
        for field in split_fields(&haystack, &separator) {
            if let Some(at) = find(field.1, &needle).filter(|at| *at == 0) {
                let tier = if field.1.len() == needle.len() {
                    MatchTier::Exact
                } else {
                    MatchTier::Prefix
                };
                if tier < best {
                    best = tier;
                    field_start = field.0 + at;
                }
            }
        }
        let positions = if best == MatchTier::Substring {
            positions
        } else {
            (field_start..field_start + needle.len()).collect()
        };
        return Some(FuzzyMatch {
            tier: best,
            score: -(positions[0] as i64),
            positions,
        });
    }
    if digits_query(query).is_some() {
        return None;
    }
    fuzzy_match(query, text)
}

/// Matches the digits of a query against the digits of `label` (a phone number):
/// equal, a prefix or a run; positions are the label's chars of the matched digits.
pub fn digits_match(digits: &str, label: &str) -> Option<FuzzyMatch> {
    let label_digits: Vec<(usize, char)> = label
        .chars()
        .enumerate()
        .filter(|(_, c)| c.is_ascii_digit())
        .collect();
    let haystack: Vec<char> = label_digits.iter().map(|(_, c)| *c).collect();
    let needle: Vec<char> = digits.chars().collect();
    let start = find(&haystack, &needle)?;
    let tier = match start {
        0 if needle.len() == haystack.len() => MatchTier::Exact,
        0 => MatchTier::Prefix,
        _ => MatchTier::Substring,
    };
    Some(FuzzyMatch {
        tier,
        score: -(start as i64),
        positions: label_digits[start..start + needle.len()]
            .iter()
            .map(|(i, _)| *i)
            .collect(),
    })
}

/// Matches `query` against `text` loosely: the query's characters must appear in
/// order (case-insensitive); runs and word starts score higher. An empty query matches
/// everything with score 0.
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
    Some(FuzzyMatch {
        tier: MatchTier::Fuzzy,
        score,
        positions,
    })
}

/// The first index where `needle` starts in `haystack`.
fn find(haystack: &[char], needle: &[char]) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len()).find(|&i| haystack[i..i + needle.len()] == *needle)
}

/// The fields of a text with their start index.
fn split_fields<'a>(text: &'a [char], separator: &[char]) -> Vec<(usize, &'a [char])> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + separator.len() <= text.len() {
        if text[i..i + separator.len()] == *separator {
            fields.push((start, &text[start..i]));
            i += separator.len();
            start = i;
        } else {
            i += 1;
        }
    }
    fields.push((start, &text[start..]));
    fields
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

    #[test]
    fn exact_and_prefix_fields_rank_before_runs_and_loose_letters() {
        let exact = search_match("order_update", "order_update  ·  en_US").unwrap();
        let prefix = search_match("order", "order_update  ·  en_US").unwrap();
        let inside = search_match("update", "order_update  ·  en_US").unwrap();
        let loose = search_match("oud", "order_update  ·  en_US").unwrap();
        assert_eq!(exact.tier, MatchTier::Exact);
        assert_eq!(prefix.tier, MatchTier::Prefix);
        assert_eq!(inside.tier, MatchTier::Substring);
        assert_eq!(loose.tier, MatchTier::Fuzzy);
        assert!(exact.rank() < prefix.rank() && prefix.rank() < inside.rank());
        assert_eq!(
            search_match("en_us", "order_update  ·  en_US")
                .unwrap()
                .tier,
            MatchTier::Exact,
            "any field counts"
        );
        assert_eq!(
            search_match("en_us", "order_update  ·  en_US")
                .unwrap()
                .positions,
            vec![17, 18, 19, 20, 21]
        );
    }

    #[test]
    fn digits_match_a_run_of_digits_never_scattered_ones() {
        assert!(search_match("0121", "+1 631-555-0101  ·  Shop 2").is_none());
        assert_eq!(digits_query("+1 (631) 555"), Some("1631555".into()));
        assert_eq!(digits_query("shop 2"), None);
        let m = digits_match("5550101", "+1 631-555-0101").unwrap();
        assert_eq!(m.tier, MatchTier::Substring);
        assert_eq!(m.positions, vec![7, 8, 9, 11, 12, 13, 14]);
        assert_eq!(
            digits_match("16315550101", "+1 631-555-0101").unwrap().tier,
            MatchTier::Exact
        );
        assert_eq!(
            digits_match("1631", "+1 631-555-0101").unwrap().tier,
            MatchTier::Prefix
        );
        assert!(digits_match("0121", "+1 631-555-0101").is_none());
    }
}
