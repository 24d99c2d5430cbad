//! Table columns that give way by priority when a pane is narrow (numbers, templates).

/// A table column: header, width, priority (lower shows first when narrow) and how a
/// row fills its cell (`cell` is the row type's cell function).
pub struct Column<F> {
    pub header: &'static str,
    pub width: u16,
    pub priority: u8,
    pub cell: F,
}

/// The columns that fit in `width` (one space between columns), most important first,
/// returned in their usual order.
pub fn fitting<F>(columns: &[Column<F>], width: u16) -> Vec<&Column<F>> {
    let mut by_priority: Vec<&Column<F>> = columns.iter().collect();
    by_priority.sort_by_key(|c| c.priority);
    let mut used = 0u16;
    let mut chosen: Vec<&Column<F>> = Vec::new();
    for column in by_priority {
        let needed = column.width + if chosen.is_empty() { 0 } else { 1 };
        if used + needed <= width {
            used += needed;
            chosen.push(column);
        }
    }
    chosen.sort_by_key(|c| columns.iter().position(|x| std::ptr::eq(x, *c)));
    chosen
}
