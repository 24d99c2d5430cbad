//! Markdown rendered for the terminal: the audit report opens in the TUI with its
//! headings, tables, lists and colours instead of raw pipes and hashes. The file on disk
//! stays plain Markdown; this only draws it. Parsing is pulldown-cmark's (CommonMark
//! with GitHub's tables and task lists); the output is [`RichLine`]s wrapped to a width.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

use super::rich::RichLine;
use super::theme::Role;

/// Renders `markdown` to lines at most `width` columns wide.
pub fn render(markdown: &str, width: usize) -> Vec<RichLine> {
    let width = width.max(10);
    let options = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let mut out = Renderer {
        width,
        lines: Vec::new(),
        inline: Vec::new(),
        roles: Vec::new(),
        lists: Vec::new(),
        item_prefix: None,
        table: None,
        heading: None,
        quote: 0,
    };
    for event in Parser::new_ext(markdown, options) {
        out.event(event);
    }
    out.flush_paragraph();
    while out.lines.last().is_some_and(|l| l.spans.is_empty()) {
        out.lines.pop();
    }
    out.lines
}

/// A table being read: its rows of cells (plain text), the header row first.
#[derive(Default)]
struct TableBuild {
    rows: Vec<Vec<String>>,
    header_rows: usize,
    cell: String,
    in_head: bool,
}

struct Renderer {
    width: usize,
    lines: Vec<RichLine>,
    /// The words of the paragraph, heading or item being read, with their roles.
    inline: Vec<(Role, String)>,
    /// Roles of the open inline tags (strong, emphasis, link); the innermost wins.
    roles: Vec<Role>,
    /// Open lists: the next number of an ordered one, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// The marker of the item whose first line is being read.
    item_prefix: Option<(String, Role)>,
    table: Option<TableBuild>,
    heading: Option<HeadingLevel>,
    quote: usize,
}

impl Renderer {
    fn event(&mut self, event: Event) {
        if let Some(table) = self.table.as_mut() {
            match event {
                Event::Start(Tag::TableHead) => table.in_head = true,
                Event::End(TagEnd::TableHead) => {
                    table.in_head = false;
                    table.rows.push(Vec::new());
                    table.header_rows = table.rows.len();
                }
                Event::Start(Tag::TableRow) => table.rows.push(Vec::new()),
                Event::End(TagEnd::TableCell) => {
                    let cell = std::mem::take(&mut table.cell);
                    if table.in_head && table.rows.is_empty() {
                        table.rows.push(Vec::new());
                    }
                    if let Some(row) = table.rows.last_mut() {
                        row.push(cell.trim().to_string());
                    }
                }
                Event::Text(text) | Event::Code(text) => table.cell.push_str(&text),
                Event::SoftBreak | Event::HardBreak => table.cell.push(' '),
                Event::End(TagEnd::Table) => {
                    if let Some(table) = self.table.take() {
                        self.draw_table(table);
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush_paragraph();
                if level != HeadingLevel::H1 && !self.lines.is_empty() {
                    self.blank();
                }
                self.heading = Some(level);
            }
            Event::End(TagEnd::Heading(level)) => {
                let text: String = self.inline.drain(..).map(|(_, t)| t).collect();
                self.heading = None;
                let role = if level == HeadingLevel::H1 {
                    Role::Title
                } else {
                    Role::Header
                };
                self.lines.push(RichLine::styled(text.clone(), role));
                let rule = if level == HeadingLevel::H1 {
                    "═"
                } else {
                    "─"
                };
                if level <= HeadingLevel::H2 {
                    let len = text.width().min(self.width);
                    self.lines
                        .push(RichLine::styled(rule.repeat(len), Role::Border));
                }
            }
            Event::Start(Tag::Paragraph) => self.flush_paragraph(),
            Event::End(TagEnd::Paragraph) => {
                self.flush_paragraph();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            Event::Start(Tag::BlockQuote(_)) => self.quote += 1,
            Event::End(TagEnd::BlockQuote(_)) => {
                self.flush_paragraph();
                self.quote = self.quote.saturating_sub(1);
            }
            Event::Start(Tag::List(first)) => {
                self.flush_paragraph();
                self.lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                self.flush_paragraph();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            Event::Start(Tag::Item) => {
                self.flush_paragraph();
                let marker = match self.lists.last_mut() {
                    Some(Some(next)) => {
                        let marker = format!("{next}. ");
                        *next += 1;
                        marker
                    }
                    _ => "• ".to_string(),
                };
                self.item_prefix = Some((marker, Role::Muted));
            }
            Event::End(TagEnd::Item) => self.flush_paragraph(),
            Event::TaskListMarker(done) => {
                self.item_prefix = Some(if done {
                    ("✔ ".to_string(), Role::Pass)
                } else {
                    ("☐ ".to_string(), Role::Muted)
                });
            }
            Event::Start(Tag::Table(_)) => {
                self.flush_paragraph();
                self.table = Some(TableBuild::default());
            }
            Event::Start(Tag::Strong) => self.roles.push(Role::Title),
            Event::Start(Tag::Emphasis) => self.roles.push(Role::Muted),
            Event::Start(Tag::Link { .. }) => self.roles.push(Role::Key),
            Event::End(TagEnd::Strong | TagEnd::Emphasis | TagEnd::Link) => {
                self.roles.pop();
            }
            Event::Start(Tag::CodeBlock(_)) => self.flush_paragraph(),
            Event::End(TagEnd::CodeBlock) => {
                let text: String = self.inline.drain(..).map(|(_, t)| t).collect();
                for line in text.lines() {
                    self.lines
                        .push(RichLine::styled(format!("  {line}"), Role::Key));
                }
                self.blank();
            }
            Event::Text(text) => {
                let role = self.roles.last().copied().unwrap_or(Role::Text);
                self.inline.push((role, text.into_string()));
            }
            Event::Code(text) => self.inline.push((Role::Key, text.into_string())),
            Event::SoftBreak => self.inline.push((Role::Text, " ".to_string())),
            Event::HardBreak => self.flush_paragraph(),
            Event::Rule => {
                self.flush_paragraph();
                self.lines
                    .push(RichLine::styled("─".repeat(self.width), Role::Border));
            }
            _ => {}
        }
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.spans.is_empty()) {
            self.lines.push(RichLine::default());
        }
    }

    /// Wraps the inline text read so far into lines, with the item marker or quote bar
    /// in front of the first and the indentation under it for the rest.
    fn flush_paragraph(&mut self) {
        if self.inline.is_empty() || self.heading.is_some() {
            return;
        }
        let depth = self.lists.len().saturating_sub(1) * 2;
        let (marker, marker_role) = self
            .item_prefix
            .take()
            .unwrap_or_else(|| (String::new(), Role::Muted));
        let quote = "│ ".repeat(self.quote);
        let lead = depth + marker.width() + quote.width();
        let words = split_words(std::mem::take(&mut self.inline));
        for (i, line) in wrap_spans(words, self.width.saturating_sub(lead).max(1))
            .into_iter()
            .enumerate()
        {
            let mut rich = RichLine::default();
            rich.push(" ".repeat(depth), Role::Text);
            if !quote.is_empty() {
                rich.push(quote.clone(), Role::Border);
            }
            if i == 0 {
                rich.push(marker.clone(), marker_role);
            } else {
                rich.push(" ".repeat(marker.width()), Role::Text);
            }
            rich.spans.extend(line.spans);
            self.lines.push(rich);
        }
    }

    /// A table with box-drawing borders, columns as wide as their widest cell, shrunk
    /// (cells wrapped) when the whole does not fit.
    fn draw_table(&mut self, table: TableBuild) {
        let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        let mut widths: Vec<usize> = (0..columns)
            .map(|c| {
                table
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.width())
                    .max()
                    .unwrap_or(0)
                    .max(1)
            })
            .collect();
        // Borders: "│ " before each column, " │" after the last, " │ " between.
        let frame = 3 * columns + 1;
        while widths.iter().sum::<usize>() + frame > self.width {
            let Some(widest) = widths.iter_mut().max_by_key(|w| **w) else {
                break;
            };
            if *widest <= 4 {
                break;
            }
            *widest -= 1;
        }
        let border = |left: &str, mid: &str, right: &str| {
            let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
            RichLine::styled(format!("{left}{}{right}", parts.join(mid)), Role::Border)
        };
        self.lines.push(border("┌", "┬", "┐"));
        // A header of empty cells (`| | |`, a key-value table) is not drawn.
        let blank_header = table.rows[..table.header_rows]
            .iter()
            .all(|row| row.iter().all(String::is_empty));
        for (index, row) in table.rows.iter().enumerate() {
            let header = index < table.header_rows;
            if row.is_empty() || (header && blank_header) {
                continue;
            }
            let wrapped: Vec<Vec<String>> = (0..columns)
                .map(|c| {
                    let cell = row.get(c).map_or("", String::as_str);
                    super::layout::wrap_words(cell, widths[c])
                })
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            for line in 0..height {
                let mut rich = RichLine::default();
                for (c, cell_lines) in wrapped.iter().enumerate() {
                    rich.push(if c == 0 { "│ " } else { " │ " }, Role::Border);
                    let text = cell_lines.get(line).map_or("", String::as_str);
                    let role = if header {
                        Role::Header
                    } else {
                        cell_role(row.get(c).map_or("", String::as_str))
                    };
                    let pad = widths[c].saturating_sub(text.width());
                    rich.push(format!("{text}{}", " ".repeat(pad)), role);
                }
                rich.push(" │", Role::Border);
                self.lines.push(rich);
            }
            if header {
                self.lines.push(border("├", "┼", "┤"));
            }
        }
        self.lines.push(border("└", "┴", "┘"));
        self.blank();
    }
}

/// The colour of a cell whose whole text is a verdict (checklist statuses, run
/// statuses), so a report reads at a glance; other cells are plain text.
fn cell_role(cell: &str) -> Role {
    match cell.to_ascii_lowercase().as_str() {
        "pass" | "done" | "completed" | "ok" | "connected" | "green" | "approved" => Role::Pass,
        "fail" | "failed" | "blocked" | "red" | "banned" | "restricted" => Role::Fail,
        "warn" | "paused" | "yellow" | "flagged" | "in progress" => Role::Warn,
        "unknown" | "-" => Role::Unknown,
        _ => Role::Text,
    }
}

/// Inline text as words with their roles, each marked when a space came before it.
fn split_words(spans: Vec<(Role, String)>) -> Vec<(Role, String, bool)> {
    let mut words = Vec::new();
    let mut space_before = false;
    for (role, text) in spans {
        let mut current = String::new();
        for c in text.chars() {
            if !c.is_whitespace() {
                current.push(c);
                continue;
            }
            if !current.is_empty() {
                words.push((role, std::mem::take(&mut current), space_before));
            }
            space_before = true;
        }
        if !current.is_empty() {
            words.push((role, current, space_before));
            space_before = false;
        }
    }
    words
}

/// Words laid into lines of at most `width` columns (a word longer than a line is cut).
fn wrap_spans(words: Vec<(Role, String, bool)>, width: usize) -> Vec<RichLine> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = RichLine::default();
    let mut used = 0;
    for (role, word, space_before) in words {
        if used > 0 && used + usize::from(space_before) + word.width() > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if space_before && used > 0 {
            line.push(" ", Role::Text);
            used += 1;
        }
        let mut rest = word.as_str();
        while used == 0 && rest.width() > width {
            let cut = rest
                .char_indices()
                .scan(0, |columns, (i, c)| {
                    *columns += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                    (*columns <= width).then_some(i + c.len_utf8())
                })
                .last()
                .unwrap_or(rest.len());
            line.push(&rest[..cut], role);
            lines.push(std::mem::take(&mut line));
            rest = &rest[cut..];
        }
        used += rest.width();
        line.push(rest, role);
    }
    if !line.spans.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[RichLine]) -> Vec<String> {
        lines.iter().map(RichLine::text).collect()
    }

    #[test]
    fn headings_tables_and_task_lists_are_drawn_not_printed_raw() {
        let md = "# Migration m-1\n\n| | |\n|---|---|\n| scenario | to-new-waba |\n| status | completed |\n\n## Steps\n\n- [x] Preflight\n- [ ] Register\n";
        let lines = render(md, 60);
        let text = texts(&lines).join("\n");
        assert!(!text.contains('#'), "{text}");
        assert!(!text.contains("|---"), "{text}");
        assert!(text.contains("│ scenario │ to-new-waba │"), "{text}");
        assert!(text.contains("✔ Preflight"), "{text}");
        assert!(text.contains("☐ Register"), "{text}");
        let status = lines
            .iter()
            .find(|l| l.text().contains("completed"))
            .expect("status row");
        assert!(
            status
                .spans
                .iter()
                .any(|s| s.text.trim() == "completed" && s.role == Role::Pass),
            "a verdict carries its colour"
        );
        assert_eq!(lines[0].spans[0].role, Role::Title);
    }

    #[test]
    fn a_wide_table_shrinks_its_widest_column_and_wraps_it() {
        let md = "| rule | status | evidence |\n|---|---|---|\n| two_step | pass | the number has two-step verification off, read from the source just now |\n";
        let lines = render(md, 40);
        assert!(lines.iter().all(|l| l.width() <= 40), "{:?}", texts(&lines));
        let text = texts(&lines).join("\n");
        assert!(text.contains("verification"), "nothing is lost: {text}");
    }

    #[test]
    fn paragraphs_wrap_at_the_width_and_keep_inline_code_marked() {
        let lines = render(
            "Run `wamigrate journal show m-1` to print this report again, later.",
            24,
        );
        assert!(lines.iter().all(|l| l.width() <= 24));
        assert!(
            lines
                .iter()
                .flat_map(|l| &l.spans)
                .any(|s| s.role == Role::Key && s.text == "wamigrate")
        );
    }
}
