//! The main screen: source and destination panes, the numbers list with its filter,
//! the pickers, the checklist and the log. Its state is the top of [`State`] (the
//! selection, cursors, filter, focus); `update` dispatches its keys, clicks and the
//! answers it waits for here, and opens the other screens itself.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Position;
use tui_input::backend::crossterm::to_input_request;

use super::action::{ApiRequest, Effect};
use super::clipboard::Copied;
use super::derived;
use super::keymap::KeyAction;
use super::layout::ScreenLayout;
use super::state::{Pane, Phase, Picker, PickerKind, Popup, Recent, State};
use super::strings;
use super::wizard::Target;

/// An action of the main screen's keymap (the other screens are opened by `update`).
pub fn on_action(state: &mut State, action: KeyAction) -> Vec<Effect> {
    let page = page_size(state);
    match action {
        // Esc goes back and never out of the app: it clears the filter, else nothing.
        KeyAction::Back => {
            state.number_filter.reset();
            sync_selection(state);
        }
        KeyAction::NextPane => cycle_focus(state, 1),
        KeyAction::PreviousPane => cycle_focus(state, -1),
        KeyAction::PaneLeft if state.focus == Pane::Destination => state.focus = Pane::Numbers,
        KeyAction::PaneRight if state.focus == Pane::Numbers => state.focus = Pane::Destination,
        KeyAction::Up => scroll_focused(state, -1),
        KeyAction::Down => scroll_focused(state, 1),
        KeyAction::PageUp => scroll_focused(state, -page),
        KeyAction::PageDown => scroll_focused(state, page),
        KeyAction::Top => scroll_focused(state, isize::MIN / 2),
        KeyAction::Bottom => scroll_focused(state, isize::MAX / 2),
        KeyAction::Select => match state.focus {
            Pane::Numbers => return select_current_number(state),
            Pane::Destination => open_picker(state, PickerKind::Destination),
            Pane::Checklist | Pane::Log => {}
        },
        KeyAction::Filter => {
            state.focus = Pane::Numbers;
            state.filter_editing = true;
        }
        KeyAction::PickSource => open_picker(state, PickerKind::Source),
        KeyAction::PickDestination => open_picker(state, PickerKind::Destination),
        KeyAction::PickNumber => open_picker(state, PickerKind::Number),
        KeyAction::Refresh => return refresh(state),
        KeyAction::ToggleLog => toggle_log(state),
        // Opening the other screens is the dispatcher's; the rest is not bound here.
        _ => {}
    }
    Vec::new()
}

/// What `y` (the number as E.164, else its id) or `Y` (`id_only`: the id) copies on
/// the main screen: the destination WABA's id when its pane has the focus, else the
/// selected number.
pub fn yank_target(state: &State, id_only: bool) -> Option<Copied> {
    if state.focus == Pane::Destination {
        return state.destination.clone().map(|id| Copied {
            what: strings::YANK_WABA_ID,
            text: id,
        });
    }
    let number = state.selected_phone()?;
    Some(match number.e164_digits().filter(|_| !id_only) {
        Some(digits) => Copied {
            what: strings::YANK_NUMBER,
            text: format!("+{digits}"),
        },
        None => Copied {
            what: strings::YANK_NUMBER_ID,
            text: number.id.clone(),
        },
    })
}

/// A key while a picker is open.
pub fn on_picker_key(state: &mut State, mut picker: Picker, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let count = state.picker_candidates(&picker).len();
    if key.code != KeyCode::Enter {
        picker.swap = None;
    }
    match key.code {
        KeyCode::Esc => return Vec::new(),
        KeyCode::Enter => return choose(state, &picker),
        KeyCode::Up => picker.cursor = picker.cursor.saturating_sub(1),
        KeyCode::Char('p') if ctrl => picker.cursor = picker.cursor.saturating_sub(1),
        KeyCode::Down => picker.cursor = (picker.cursor + 1).min(count.saturating_sub(1)),
        KeyCode::Char('n') if ctrl => {
            picker.cursor = (picker.cursor + 1).min(count.saturating_sub(1))
        }
        _ => {
            if let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) {
                if picker.query.handle(request).is_some_and(|r| r.value) {
                    picker.cursor = 0;
                }
            }
        }
    }
    state.popup = Some(Popup::Picker(picker));
    Vec::new()
}

/// A key while the numbers filter is typed.
pub fn on_filter_key(state: &mut State, key: KeyEvent) {
    match key.code {
        KeyCode::Esc => {
            state.filter_editing = false;
            state.number_filter.reset();
        }
        KeyCode::Enter => state.filter_editing = false,
        KeyCode::Up => move_number_cursor(state, -1),
        KeyCode::Down => move_number_cursor(state, 1),
        _ => {
            if let Some(request) = to_input_request(&crossterm::event::Event::Key(key)) {
                if state.number_filter.handle(request).is_some_and(|r| r.value) {
                    state.numbers_cursor = Default::default();
                }
            }
        }
    }
    sync_selection(state);
}

/// A click or the wheel on the main screen's panes.
pub fn on_mouse(state: &mut State, at: Position, wheel: isize) -> Vec<Effect> {
    let Some(layout) = ScreenLayout::compute(state.screen, state.log_visible) else {
        return Vec::new();
    };
    let hit = [
        (layout.source, Pane::Numbers),
        (layout.destination, Pane::Destination),
        (layout.checklist, Pane::Checklist),
    ]
    .into_iter()
    .chain(layout.log.map(|r| (r, Pane::Log)))
    .find(|(rect, _)| rect.contains(at));
    let Some((_, pane)) = hit else {
        return Vec::new();
    };
    if wheel != 0 {
        let previous = state.focus;
        state.focus = pane;
        scroll_focused(state, wheel * if pane == Pane::Numbers { 1 } else { 3 });
        state.focus = previous;
        return Vec::new();
    }
    state.focus = pane;
    let table = layout.numbers_table;
    if pane == Pane::Numbers && table.contains(at) && at.y > table.y {
        let row = state.numbers_cursor.offset + (at.y - table.y - 1) as usize;
        if row < state.visible_numbers().len() {
            state.numbers_cursor.selected = row;
            sync_selection_to_cursor(state);
        }
    }
    Vec::new()
}

/// After the WABA list arrives: read every WABA's header (for pickers), pick a default
/// source and destination, and load both.
pub fn after_discovery(state: &mut State) -> Vec<Effect> {
    let Some(ids) = state.store.waba_ids.value().cloned() else {
        return Vec::new();
    };
    let unread: Vec<String> = ids
        .iter()
        .filter(|id| {
            state
                .store
                .wabas
                .get(*id)
                .is_none_or(|r| r.waba.value().is_none() && !r.waba.is_loading())
        })
        .cloned()
        .collect();
    let mut effects: Vec<Effect> = unread
        .into_iter()
        .map(|id| state.store.ask(ApiRequest::Waba(id)))
        .collect();
    let known = |id: &&String| ids.contains(id);
    let source = state
        .source
        .clone()
        .filter(|s| ids.contains(s))
        .or_else(|| state.recent.sources.iter().find(known).cloned())
        .or_else(|| ids.first().cloned());
    let destination = state
        .destination
        .clone()
        .filter(|d| ids.contains(d) && Some(d) != source.as_ref())
        .or_else(|| {
            state
                .recent
                .destinations
                .iter()
                .filter(known)
                .find(|id| Some(*id) != source.as_ref())
                .cloned()
        })
        .or_else(|| ids.iter().find(|id| Some(*id) != source.as_ref()).cloned());
    state.source = source.clone();
    state.destination = destination.clone();
    for waba_id in [source, destination].into_iter().flatten() {
        effects.extend(load_workspace(state, &waba_id, false));
    }
    sync_selection(state);
    effects
}

/// Reads what the panes and the checklist need of a WABA; with `force`, re-reads what
/// is already loaded.
fn load_workspace(state: &mut State, waba_id: &str, force: bool) -> Vec<Effect> {
    let record = state.store.wabas.entry(waba_id.to_string()).or_default();
    let needed = |loaded: bool, loading: bool| force || (!loaded && !loading);
    let wanted = [
        (
            needed(record.waba.value().is_some(), record.waba.is_loading()),
            ApiRequest::Waba(waba_id.to_string()),
        ),
        (
            needed(
                record.numbers.value().is_some(),
                record.numbers.is_loading(),
            ),
            ApiRequest::Numbers(waba_id.to_string()),
        ),
        (
            needed(record.apps.value().is_some(), record.apps.is_loading()),
            ApiRequest::SubscribedApps(waba_id.to_string()),
        ),
        (
            needed(
                record.templates.value().is_some(),
                record.templates.is_loading(),
            ),
            ApiRequest::Templates(waba_id.to_string()),
        ),
    ];
    wanted
        .into_iter()
        .filter(|(needed, _)| *needed)
        .map(|(_, request)| state.store.ask(request))
        .collect()
}

/// Drops reads under way for a WABA that is neither source nor destination any more.
fn release_workspace(state: &mut State, waba_id: &str) {
    if state.source.as_deref() == Some(waba_id) || state.destination.as_deref() == Some(waba_id) {
        return;
    }
    state.store.release(waba_id);
}

/// `r`: re-reads the number, both WABAs, their apps and templates (or the WABA list if
/// it failed).
pub fn refresh(state: &mut State) -> Vec<Effect> {
    if state.phase != Phase::Ready {
        return Vec::new();
    }
    if state.store.waba_ids.value().is_none() {
        let (wabas, businesses) = state.configured_wabas.clone();
        return vec![
            state
                .store
                .ask(ApiRequest::DiscoverWabas { wabas, businesses }),
        ];
    }
    let mut effects = Vec::new();
    for waba_id in [state.source.clone(), state.destination.clone()]
        .into_iter()
        .flatten()
    {
        effects.extend(load_workspace(state, &waba_id, true));
    }
    if let Some(number_id) = state.selected_number.clone() {
        effects.push(state.store.ask(ApiRequest::Number(number_id)));
    }
    effects
}

/// Opens a picker on its current value (the source, the destination, the number).
pub fn open_picker(state: &mut State, kind: PickerKind) {
    let mut picker = Picker::new(kind, 0);
    let current = match kind {
        PickerKind::Source => state.source.as_deref(),
        PickerKind::Destination => state.destination.as_deref(),
        PickerKind::Number => state.selected_number.as_deref(),
    };
    picker.cursor = state
        .picker_candidates(&picker)
        .iter()
        .position(|c| Some(c.key.as_str()) == current)
        .unwrap_or(0);
    state.popup = Some(Popup::Picker(picker));
}

/// Applies the highlighted picker row. The other side's WABA is not taken at once:
/// the picker says that source and destination would be the same, and Enter again
/// swaps them.
pub fn choose(state: &mut State, picker: &Picker) -> Vec<Effect> {
    let candidates = state.picker_candidates(picker);
    let Some(choice) = candidates.get(picker.cursor).map(|c| c.key.clone()) else {
        state.popup = Some(Popup::Picker(picker.clone()));
        return Vec::new();
    };
    let other_side = match picker.kind {
        PickerKind::Source => state.destination.as_deref(),
        PickerKind::Destination => state.source.as_deref(),
        PickerKind::Number => None,
    };
    if other_side == Some(choice.as_str()) && picker.swap.as_deref() != Some(choice.as_str()) {
        let mut asking = picker.clone();
        asking.swap = Some(choice);
        state.popup = Some(Popup::Picker(asking));
        return Vec::new();
    }
    state.popup = None;
    match picker.kind {
        PickerKind::Source | PickerKind::Destination => choose_waba(state, picker.kind, choice),
        PickerKind::Number => {
            state.number_filter.reset();
            state.selected_number = Some(choice);
            sync_selection(state);
            select_current_number(state)
        }
    }
}

/// Makes `waba_id` the source or the destination (`role`) and remembers it, as the
/// pickers and the palette do.
pub fn choose_waba(state: &mut State, role: PickerKind, waba_id: String) -> Vec<Effect> {
    let other_side = match role {
        PickerKind::Source => state.destination.as_deref(),
        _ => state.source.as_deref(),
    };
    if other_side == Some(waba_id.as_str()) {
        // Never silent: the status line says the two sides traded places.
        state.flash = Some(strings::SWAPPED.to_string());
    }
    let mut effects = match role {
        PickerKind::Source => set_source(state, waba_id),
        PickerKind::Destination => set_destination(state, waba_id),
        PickerKind::Number => return Vec::new(),
    };
    remember_sides(state);
    effects.push(Effect::SaveRecent(state.recent.clone()));
    effects
}

/// Puts the source and destination in front of their recent lists.
fn remember_sides(state: &mut State) {
    if let Some(source) = state.source.clone() {
        Recent::touch(&mut state.recent.sources, &source);
    }
    if let Some(destination) = state.destination.clone() {
        Recent::touch(&mut state.recent.destinations, &destination);
    }
}

/// Makes `waba_id` the source; the destination swaps with it when it was `waba_id`
/// (the picker asked first).
fn set_source(state: &mut State, waba_id: String) -> Vec<Effect> {
    if state.source.as_deref() == Some(waba_id.as_str()) {
        return Vec::new();
    }
    let previous = state.source.replace(waba_id.clone());
    if state.destination.as_deref() == Some(waba_id.as_str()) {
        state.destination = previous.clone();
    }
    state.numbers_cursor = Default::default();
    state.number_filter.reset();
    state.selected_number = None;
    switched(state, previous)
}

/// Makes `waba_id` the destination; the source swaps with it when it was `waba_id`
/// (the picker asked first).
fn set_destination(state: &mut State, waba_id: String) -> Vec<Effect> {
    if state.destination.as_deref() == Some(waba_id.as_str()) {
        return Vec::new();
    }
    let previous = state.destination.replace(waba_id.clone());
    if state.source.as_deref() == Some(waba_id.as_str()) {
        state.source = previous.clone();
        state.numbers_cursor = Default::default();
        state.selected_number = None;
    }
    switched(state, previous)
}

fn switched(state: &mut State, previous: Option<String>) -> Vec<Effect> {
    if let Some(previous) = previous {
        release_workspace(state, &previous);
    }
    state.checklist_scroll = 0;
    let mut effects = Vec::new();
    for waba_id in [state.source.clone(), state.destination.clone()]
        .into_iter()
        .flatten()
    {
        effects.extend(load_workspace(state, &waba_id, false));
    }
    sync_selection(state);
    effects
}

/// Shows or hides the log pane (focus leaves it when hidden).
pub fn toggle_log(state: &mut State) {
    state.log_visible = !state.log_visible;
    if !state.log_visible && state.focus == Pane::Log {
        state.focus = Pane::Numbers;
    }
}

/// Opens a number in the main screen (Enter on the fleet board): its WABA becomes the
/// source, the number is selected and its checklist read, as if chosen in the pickers.
pub fn open_number(state: &mut State, waba_id: &str, number_id: &str) -> Vec<Effect> {
    let mut effects = set_source(state, waba_id.to_string());
    Recent::touch(&mut state.recent.sources, waba_id);
    state.number_filter.reset();
    set_selected_number(state, Some(number_id.to_string()));
    sync_selection(state);
    effects.extend(select_current_number(state));
    effects
}

/// What `m` migrates: the selected number (E.164 when known, else its id) from the
/// source to the destination.
pub fn wizard_target(state: &State) -> Target {
    let number = state.selected_phone();
    Target {
        number: number
            .map(|n| {
                n.e164_digits()
                    .map_or_else(|| n.id.clone(), |digits| format!("+{digits}"))
            })
            .or_else(|| state.selected_number.clone()),
        number_label: number.map(|n| n.label().to_string()),
        source: state.source.clone(),
        destination: state.destination.clone(),
    }
}

/// Enter on a number: re-read it fresh, remember it, and show its checklist.
fn select_current_number(state: &mut State) -> Vec<Effect> {
    let Some(number_id) = state.selected_number.clone() else {
        return Vec::new();
    };
    state.focus = Pane::Checklist;
    Recent::touch(&mut state.recent.numbers, &number_id);
    let mut effects = vec![Effect::SaveRecent(state.recent.clone())];
    if state.phase == Phase::Ready {
        effects.insert(0, state.store.ask(ApiRequest::Number(number_id)));
    }
    effects
}

/// Keeps the cursor on the selected number, or selects a number when none is (a recent
/// one first), after the list or its filter changed.
pub fn sync_selection(state: &mut State) {
    derived::refresh_numbers(state);
    let rows = number_rows(state);
    let visible: Vec<String> = state
        .visible_numbers()
        .iter()
        .map(|(n, _)| n.id.clone())
        .collect();
    let position = |id: &str| visible.iter().position(|v| v == id);
    let index = state
        .selected_number
        .as_deref()
        .and_then(position)
        .or_else(|| state.recent.numbers.iter().find_map(|id| position(id)))
        .or_else(|| {
            (!visible.is_empty()).then(|| state.numbers_cursor.selected.min(visible.len() - 1))
        });
    match index {
        Some(i) => {
            state.numbers_cursor.selected = i;
            state.numbers_cursor.keep_visible(rows);
            set_selected_number(state, Some(visible[i].clone()));
        }
        None if state.number_filter.value().is_empty() => {
            state.numbers_cursor = Default::default();
            if state
                .record(state.source.as_deref())
                .is_some_and(|r| r.numbers.value().is_some())
            {
                set_selected_number(state, None);
            }
        }
        None => {}
    }
}

/// After the cursor moved: the number under it becomes the selected one.
fn sync_selection_to_cursor(state: &mut State) {
    derived::refresh_numbers(state);
    let id = state
        .visible_numbers()
        .get(state.numbers_cursor.selected)
        .map(|(n, _)| n.id.clone());
    if id.is_some() {
        set_selected_number(state, id);
    }
}

fn set_selected_number(state: &mut State, id: Option<String>) {
    if state.selected_number == id {
        return;
    }
    state.selected_number = id;
    state.checklist_scroll = 0;
    state.store.forget_number();
}

fn move_number_cursor(state: &mut State, delta: isize) {
    derived::refresh_numbers(state);
    let len = state.visible_numbers().len();
    let rows = number_rows(state);
    state.numbers_cursor.move_by(delta, len, rows);
    sync_selection_to_cursor(state);
}

fn scroll_focused(state: &mut State, delta: isize) {
    match state.focus {
        Pane::Numbers => move_number_cursor(state, delta),
        Pane::Destination => {}
        Pane::Checklist => {
            // The last line stops at the bottom of the pane.
            let max = state
                .derived
                .checklist_lines
                .saturating_sub(pane_height(state, Pane::Checklist));
            state.checklist_scroll =
                (state.checklist_scroll as isize + delta).clamp(0, max as isize) as u16;
        }
        Pane::Log => {
            // The log follows the newest entry; the cursor goes back in time, at most
            // to the oldest line shown.
            let max = super::log_view::visible(state).len().saturating_sub(1);
            state.log_scroll = (state.log_scroll as isize - delta).clamp(0, max as isize) as u16;
        }
    }
}

fn cycle_focus(state: &mut State, step: isize) {
    let mut panes = vec![Pane::Numbers, Pane::Destination, Pane::Checklist];
    if state.log_visible {
        panes.push(Pane::Log);
    }
    let current = panes.iter().position(|p| *p == state.focus).unwrap_or(0) as isize;
    state.focus = panes[(current + step).rem_euclid(panes.len() as isize) as usize];
}

/// Rows of the numbers table on this terminal.
pub fn number_rows(state: &State) -> usize {
    ScreenLayout::compute(state.screen, state.log_visible).map_or(1, |l| l.number_rows())
}

fn page_size(state: &State) -> isize {
    pane_height(state, state.focus).max(1) as isize
}

/// Lines a pane shows at once on this terminal.
fn pane_height(state: &State, pane: Pane) -> usize {
    let layout = ScreenLayout::compute(state.screen, state.log_visible);
    match (pane, layout) {
        (Pane::Numbers, Some(l)) => l.number_rows(),
        (Pane::Checklist, Some(l)) => ScreenLayout::inner_height(l.checklist),
        (Pane::Log, Some(l)) => l.log.map_or(1, ScreenLayout::inner_height),
        _ => 1,
    }
}
