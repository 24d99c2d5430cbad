//! Component-level comparison of two templates that share a name and language: which
//! words of the header, body, footer and buttons differ, and where the parameters
//! (`{{1}}`, `{{first_name}}`) sit. A template on one side only shows its full content.
//! The TUI draws this; it knows nothing about terminals.

use similar::{ChangeTag, TextDiff};

use crate::domain::template::{ComponentKind, Template};

/// The parts of a template compared, in the order a message shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Header,
    Body,
    Footer,
    Buttons,
}

impl Section {
    /// Every section, in message order.
    pub const ALL: [Section; 4] = [
        Section::Header,
        Section::Body,
        Section::Footer,
        Section::Buttons,
    ];

    /// The component type as Meta spells it, used as the section title.
    pub fn label(self) -> &'static str {
        match self {
            Section::Header => "HEADER",
            Section::Body => "BODY",
            Section::Footer => "FOOTER",
            Section::Buttons => "BUTTONS",
        }
    }

    /// The section's text in a template: a media header reads `[IMAGE]`, buttons one
    /// per line as `[URL] Track → https://…`.
    pub fn text(self, template: &Template) -> Option<String> {
        let kind = match self {
            Section::Header => ComponentKind::Header,
            Section::Body => ComponentKind::Body,
            Section::Footer => ComponentKind::Footer,
            Section::Buttons => ComponentKind::Buttons,
        };
        let component = template.components.iter().find(|c| c.kind == kind)?;
        if self == Section::Buttons {
            let lines: Vec<String> = component
                .buttons
                .iter()
                .map(|b| {
                    let mut line = format!(
                        "[{}] {}",
                        b.kind.as_deref().unwrap_or("BUTTON"),
                        b.text.as_deref().unwrap_or_default()
                    );
                    for target in [&b.url, &b.phone_number].into_iter().flatten() {
                        line.push_str(&format!(" → {target}"));
                    }
                    line
                })
                .collect();
            return (!lines.is_empty()).then(|| lines.join("\n"));
        }
        component
            .text
            .clone()
            .or_else(|| component.format.as_ref().map(|f| format!("[{f}]")))
    }
}

/// How a piece of text compares with the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    /// Only in the source (shown struck out on the source side).
    Removed,
    /// Only in the destination.
    Added,
}

/// A run of text with one change and, when it is a parameter, `placeholder` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub change: Change,
    pub placeholder: bool,
}

/// One section of both templates; a side is `None` when its template lacks the section
/// or the template is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionDiff {
    pub section: Section,
    pub source: Option<Vec<Piece>>,
    pub destination: Option<Vec<Piece>>,
}

impl SectionDiff {
    /// Whether the two sides differ (a section on one side only counts as a change
    /// only when both templates exist).
    pub fn changed(&self) -> bool {
        let differs = |pieces: &Option<Vec<Piece>>| {
            pieces
                .iter()
                .flatten()
                .any(|p| p.change != Change::Unchanged)
        };
        differs(&self.source) || differs(&self.destination)
    }
}

/// Compares two templates section by section, word by word. With one side absent, the
/// other side's content is returned unchanged (its placeholders still marked).
pub fn compare(source: Option<&Template>, destination: Option<&Template>) -> Vec<SectionDiff> {
    Section::ALL
        .iter()
        .filter_map(|&section| {
            let old = source.and_then(|t| section.text(t));
            let new = destination.and_then(|t| section.text(t));
            let (source_pieces, destination_pieces) = match (&old, &new) {
                (None, None) => return None,
                (Some(old), Some(new)) => {
                    let (s, d) = word_diff(old, new);
                    (Some(s), Some(d))
                }
                (Some(old), None) => (
                    Some(split_placeholders(
                        old,
                        one_sided(destination, Change::Removed),
                    )),
                    None,
                ),
                (None, Some(new)) => (
                    None,
                    Some(split_placeholders(new, one_sided(source, Change::Added))),
                ),
            };
            Some(SectionDiff {
                section,
                source: source_pieces,
                destination: destination_pieces,
            })
        })
        .collect()
}

/// A section present on one side is a change only if the other template exists.
fn one_sided(other: Option<&Template>, change: Change) -> Change {
    if other.is_some() {
        change
    } else {
        Change::Unchanged
    }
}

/// Word-level diff: the source side gets unchanged and removed runs, the destination
/// side unchanged and added runs.
fn word_diff(old: &str, new: &str) -> (Vec<Piece>, Vec<Piece>) {
    let diff = TextDiff::from_words(old, new);
    let mut source: Vec<(String, Change)> = Vec::new();
    let mut destination: Vec<(String, Change)> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                push_run(&mut source, text, Change::Unchanged);
                push_run(&mut destination, text, Change::Unchanged);
            }
            ChangeTag::Delete => push_run(&mut source, text, Change::Removed),
            ChangeTag::Insert => push_run(&mut destination, text, Change::Added),
        }
    }
    let pieces = |runs: Vec<(String, Change)>| {
        runs.into_iter()
            .flat_map(|(text, change)| split_placeholders(&text, change))
            .collect()
    };
    (pieces(source), pieces(destination))
}

/// Appends `text` to the last run when its change is the same, else starts a run.
fn push_run(runs: &mut Vec<(String, Change)>, text: &str, change: Change) {
    match runs.last_mut() {
        Some((last, c)) if *c == change => last.push_str(text),
        _ => runs.push((text.to_string(), change)),
    }
}

/// Cuts `text` into pieces, each `{{…}}` parameter its own piece marked `placeholder`.
fn split_placeholders(text: &str, change: Change) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = text;
    let piece = |text: &str, placeholder| Piece {
        text: text.to_string(),
        change,
        placeholder,
    };
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}").map(|at| open + at + 2) else {
            break;
        };
        if open > 0 {
            pieces.push(piece(&rest[..open], false));
        }
        pieces.push(piece(&rest[open..close], true));
        rest = &rest[close..];
    }
    if !rest.is_empty() {
        pieces.push(piece(rest, false));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{TemplateButton, TemplateComponent};

    fn template(body: &str) -> Template {
        Template {
            id: "1".into(),
            name: "order_update".into(),
            language: "en_US".into(),
            components: vec![
                TemplateComponent {
                    kind: ComponentKind::Header,
                    format: Some("IMAGE".into()),
                    text: None,
                    buttons: vec![],
                    extra: Default::default(),
                },
                TemplateComponent {
                    kind: ComponentKind::Body,
                    format: None,
                    text: Some(body.into()),
                    buttons: vec![],
                    extra: Default::default(),
                },
                TemplateComponent {
                    kind: ComponentKind::Buttons,
                    format: None,
                    text: None,
                    buttons: vec![TemplateButton {
                        kind: Some("URL".into()),
                        text: Some("Track".into()),
                        url: Some("https://x/{{1}}".into()),
                        phone_number: None,
                        extra: Default::default(),
                    }],
                    extra: Default::default(),
                },
            ],
            ..Template::default()
        }
    }

    fn texts(pieces: &[Piece], change: Change) -> Vec<&str> {
        pieces
            .iter()
            .filter(|p| p.change == change)
            .map(|p| p.text.trim())
            .collect()
    }

    #[test]
    fn reworded_body_marks_removed_and_added_words_and_placeholders() {
        let source = template("Hi {{1}}, your order shipped today.");
        let dest = template("Hi {{1}}, your parcel shipped early today.");
        let diff = compare(Some(&source), Some(&dest));
        let body = diff.iter().find(|d| d.section == Section::Body).unwrap();
        assert!(body.changed());
        let (s, d) = (
            body.source.as_ref().unwrap(),
            body.destination.as_ref().unwrap(),
        );
        assert_eq!(texts(s, Change::Removed), ["order"]);
        assert_eq!(texts(d, Change::Added), ["parcel", "early"]);
        let placeholder = s.iter().find(|p| p.placeholder).unwrap();
        assert_eq!(placeholder.text, "{{1}}");
        assert_eq!(placeholder.change, Change::Unchanged);
        let header = diff.iter().find(|d| d.section == Section::Header).unwrap();
        assert!(!header.changed());
        assert_eq!(header.source.as_ref().unwrap()[0].text, "[IMAGE]");
        let buttons = diff.iter().find(|d| d.section == Section::Buttons).unwrap();
        let joined: String = buttons
            .source
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(joined, "[URL] Track → https://x/{{1}}");
        assert!(diff.iter().all(|d| d.section != Section::Footer));
    }

    #[test]
    fn one_side_only_shows_full_content_unchanged_with_named_params_marked() {
        let only = template("Hello {{first_name}}!");
        let diff = compare(Some(&only), None);
        let body = diff.iter().find(|d| d.section == Section::Body).unwrap();
        assert!(body.destination.is_none());
        assert!(!body.changed());
        let pieces = body.source.as_ref().unwrap();
        assert_eq!(
            pieces
                .iter()
                .map(|p| (p.text.as_str(), p.placeholder))
                .collect::<Vec<_>>(),
            [("Hello ", false), ("{{first_name}}", true), ("!", false)]
        );
    }

    #[test]
    fn a_section_missing_on_one_side_of_a_pair_is_a_change() {
        let mut dest = template("Same");
        dest.components.retain(|c| c.kind != ComponentKind::Buttons);
        let diff = compare(Some(&template("Same")), Some(&dest));
        let buttons = diff.iter().find(|d| d.section == Section::Buttons).unwrap();
        assert!(buttons.changed());
        assert!(buttons.destination.is_none());
        assert!(
            !diff
                .iter()
                .find(|d| d.section == Section::Body)
                .unwrap()
                .changed()
        );
    }
}
