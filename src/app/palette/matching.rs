//! How the palette ranks what the operator typed: digits against digits, words against
//! names. Typed digits (spaces, `+`, `-`, `(`, `)` and `.` ignored) match a number as a
//! substring of its digits, never as scattered letters, so `0121` finds the numbers
//! that contain 0121 and nothing else. Exact matches rank first, then prefixes, then
//! the rest (substrings for digits, fuzzy subsequences for words).

use crate::app::fuzzy::fuzzy_match;
// The pickers' matching: a tier, a score within it and the positions to highlight;
// digits against digits (exact, prefix, then a run), never scattered.
pub use crate::app::fuzzy::{
    FuzzyMatch as Ranked, MatchTier as Tier, digits_match as match_digits,
    digits_query as query_digits,
};

/// Matches words against a row: exact or prefix against its `name` (case-insensitive),
/// else a fuzzy subsequence of its whole `text` (which starts with the name).
pub fn match_words(query: &str, name: &str, text: &str) -> Option<Ranked> {
    let wanted = query.trim().to_lowercase();
    let lower = name.to_lowercase();
    let leading = |len: usize| (0..len).collect::<Vec<_>>();
    if !wanted.is_empty() && lower == wanted {
        return Some(Ranked {
            tier: Tier::Exact,
            score: 0,
            positions: leading(name.chars().count()),
        });
    }
    if !wanted.is_empty() && lower.starts_with(&wanted) {
        return Some(Ranked {
            tier: Tier::Prefix,
            score: 0,
            positions: leading(wanted.chars().count()),
        });
    }
    let fuzzy = fuzzy_match(query, text)?;
    Some(Ranked {
        tier: Tier::Fuzzy,
        score: fuzzy.score,
        positions: fuzzy.positions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_digits_and_phone_separators_make_a_digit_query() {
        assert_eq!(
            query_digits("+1 (631) 555-0101").as_deref(),
            Some("16315550101")
        );
        assert_eq!(query_digits("0121").as_deref(), Some("0121"));
        assert_eq!(query_digits("shrub 1"), None);
        assert_eq!(query_digits(" - "), None);
    }

    #[test]
    fn digits_match_as_a_substring_exact_then_prefix_then_inside() {
        let exact = match_digits("16315550121", "+1 631-555-0121").unwrap();
        assert_eq!(exact.tier, Tier::Exact);
        let prefix = match_digits("1631", "+1 631-555-0121").unwrap();
        assert_eq!(prefix.tier, Tier::Prefix);
        assert_eq!(prefix.positions, [1, 3, 4, 5]);
        let inside = match_digits("0121", "+1 631-555-0121").unwrap();
        assert_eq!(inside.tier, Tier::Substring);
        assert_eq!(inside.positions, [11, 12, 13, 14]);
        assert!(exact.tier < prefix.tier && prefix.tier < inside.tier);
        // Scattered digits are not a match (the fuzzy matcher would take them).
        assert_eq!(match_digits("0121", "+1 631-505-1201"), None);
        assert_eq!(match_digits("0121", "+1 021-555-0101"), None);
    }

    #[test]
    fn words_rank_the_exact_name_then_a_prefix_then_fuzzy_matches() {
        let text = "Lucky Shrub Retail  ·  104000000000001";
        let exact = match_words("lucky shrub retail", "Lucky Shrub Retail", text).unwrap();
        let prefix = match_words("Lucky", "Lucky Shrub Retail", text).unwrap();
        let fuzzy = match_words("lsr", "Lucky Shrub Retail", text).unwrap();
        assert_eq!(
            [exact.tier, prefix.tier, fuzzy.tier],
            [Tier::Exact, Tier::Prefix, Tier::Fuzzy]
        );
        assert_eq!(prefix.positions, [0, 1, 2, 3, 4]);
        assert_eq!(match_words("zzz", "Lucky Shrub Retail", text), None);
    }
}
