//! The filter language of the board's `/` and `status --filter` / `--fail-on`.

use std::fmt;

use super::{Column, FleetRow};

/// A parsed filter: free-text terms (case-insensitive substring of any cell) and
/// `field:value[,value...]` terms (one of the values, exact and case-insensitive). Every
/// term must hold. The same language serves the board's `/` and `status --filter` /
/// `--fail-on`, e.g. `status:FLAGGED,RESTRICTED quality:RED "Lucky Shrub"`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterExpr {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// Lower-case text looked for in every cell.
    Text(String),
    /// Lower-case values, one of which the cell must equal.
    Field { column: Column, values: Vec<String> },
}

/// Why a filter expression was refused; the `Display` text is the operator sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    UnknownField(String),
    EmptyValue(String),
    BadValue { column: Column, value: String },
    UnclosedQuote,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::UnknownField(field) => {
                let keys: Vec<&str> = Column::ALL.iter().map(|c| c.key()).collect();
                write!(
                    f,
                    "'{field}' is not a filter field: use one of {} (e.g. status:FLAGGED quality:RED), or quote the text to search for it.",
                    keys.join(", ")
                )
            }
            FilterError::EmptyValue(field) => write!(
                f,
                "'{field}:' needs a value: write {field}:VALUE, or several separated by commas (e.g. status:FLAGGED,RESTRICTED)."
            ),
            FilterError::BadValue { column, value } => write!(
                f,
                "'{value}' is not a value of {}: use {}.",
                column.key(),
                column.allowed_values().unwrap_or_default().join(" or ")
            ),
            FilterError::UnclosedQuote => f.write_str(
                "The filter has a quote (\") that is not closed: close it, e.g. name:\"Lucky Shrub\".",
            ),
        }
    }
}

impl std::error::Error for FilterError {}

impl FilterExpr {
    /// Parses an expression; an empty one matches every row.
    pub fn parse(input: &str) -> Result<FilterExpr, FilterError> {
        match FilterExpr::parse_lenient(input) {
            (expr, None) => Ok(expr),
            (_, Some(error)) => Err(error),
        }
    }

    /// As [`FilterExpr::parse`], keeping what parses: a term or a value in error is left
    /// out (the board's view keeps what the rest selects while the operator fixes it),
    /// and the first error comes beside. An open quote leaves out the text after it.
    pub fn parse_lenient(input: &str) -> (FilterExpr, Option<FilterError>) {
        let (parts, mut first_error) = match split_outside_quotes(input, char::is_whitespace) {
            Ok(parts) => (parts, None),
            Err(error) => {
                let closed = input.rfind('"').map_or(input, |quote| &input[..quote]);
                let parts = split_outside_quotes(closed, char::is_whitespace).unwrap_or_default();
                (parts, Some(error))
            }
        };
        let mut terms = Vec::new();
        for raw in parts.into_iter().filter(|raw| !raw.is_empty()) {
            let (term, error) = parse_term(raw);
            terms.extend(term);
            first_error = first_error.or(error);
        }
        (FilterExpr { terms }, first_error)
    }

    /// True when the expression has no term (it matches everything).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The columns `field:` terms name, in term order (e.g. to read 360dialog channels
    /// only when a `channel:` term needs them).
    pub fn columns(&self) -> Vec<Column> {
        self.terms
            .iter()
            .filter_map(|t| match t {
                Term::Field { column, .. } => Some(*column),
                Term::Text(_) => None,
            })
            .collect()
    }

    /// Whether `row` satisfies every term.
    pub fn matches(&self, row: &FleetRow) -> bool {
        let needs_text = self.terms.iter().any(|t| matches!(t, Term::Text(_)));
        let search_text = if needs_text {
            search_text(row)
        } else {
            String::new()
        };
        self.matches_with(row, &search_text)
    }

    /// As [`FilterExpr::matches`] with the row's [`search_text`] computed beforehand.
    pub(super) fn matches_with(&self, row: &FleetRow, search_text: &str) -> bool {
        self.terms.iter().all(|term| match term {
            Term::Text(needle) => search_text.contains(needle.as_str()),
            Term::Field { column, values } => values.iter().any(|v| column.term_matches(row, v)),
        })
    }
}

/// Splits on `separator` characters outside double quotes; quotes stay in the parts,
/// empty parts are kept.
fn split_outside_quotes(
    input: &str,
    separator: fn(char) -> bool,
) -> Result<Vec<&str>, FilterError> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in input.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && separator(c) {
            parts.push(&input[start..i]);
            start = i + c.len_utf8();
        }
    }
    if quoted {
        return Err(FilterError::UnclosedQuote);
    }
    parts.push(&input[start..]);
    Ok(parts)
}

/// One term, with the values that parse, and the first error of the others.
fn parse_term(raw: &str) -> (Option<Term>, Option<FilterError>) {
    let field_term = raw.split_once(':').filter(|(field, _)| {
        !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let Some((field, rest)) = field_term else {
        let needle = raw.replace('"', "").to_lowercase();
        return ((!needle.is_empty()).then_some(Term::Text(needle)), None);
    };
    let Some(column) = Column::from_key(field) else {
        return (None, Some(FilterError::UnknownField(field.into())));
    };
    let mut values = Vec::new();
    let mut error = None;
    // A term's quotes are closed (the whole input was split outside quotes).
    for part in split_outside_quotes(rest, |c| c == ',').unwrap_or_default() {
        let value = part.replace('"', "").trim().to_lowercase();
        if value.is_empty() {
            error = error.or(Some(FilterError::EmptyValue(column.key().to_string())));
        } else if column
            .allowed_values()
            .is_some_and(|allowed| !allowed.contains(&value.as_str()))
        {
            error = error.or(Some(FilterError::BadValue { column, value }));
        } else {
            values.push(value);
        }
    }
    let term = (!values.is_empty()).then_some(Term::Field { column, values });
    (term, error)
}

/// Every cell of a row in lower case, plus its ids, one per line: what free-text terms
/// search. Computed once per row by [`FleetSnapshot`].
pub fn search_text(row: &FleetRow) -> String {
    let mut text = String::with_capacity(160);
    for column in Column::ALL {
        text.push_str(&column.value(row));
        text.push('\n');
    }
    for id in [Some(&row.id), Some(&row.waba_id), row.channel_id.as_ref()]
        .into_iter()
        .flatten()
    {
        text.push_str(id);
        text.push('\n');
    }
    text.to_lowercase()
}
