//! The only writer of [`State`]: `update(state, action) -> effects`. Pure: no I/O, no
//! await, no clock (time arrives in `Tick` and `ApiEvent`), so every behaviour is a
//! unit test away.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use crate::exit::EXIT_TERMINATED;

use super::action::{Action, ApiEvent, ApiRequest, Effect};
use super::board::{Board, batch};
use super::clipboard::Copied;
use super::derived;
use super::help;
use super::journals;
use super::keymap::{KeyAction, Screen};
use super::layout::PickerLayout;
use super::log_view;
use super::main_screen;
use super::palette::Palette;
use super::screen::{Context, Handled, Outcome};
use super::state::{LogEntry, Pane, Phase, Popup, State};
use super::strings;
use super::templates::TemplateView;
use super::wizard::{Page, Wizard, WizardAnswer, WizardEvent};
use crate::api::transport::WAIT_WORTH_SHOWING;

/// Applies one action to the state and returns what the event loop must do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    if !matches!(action, Action::Tick(_)) {
        state.dirty = true;
    }
    let effects = apply(state, action);
    derived::refresh(state);
    effects
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key),
        Action::Key(_) => Vec::new(),
        Action::Mouse(mouse) => on_mouse(state, mouse),
        Action::Resize { width, height } => {
            state.screen = Rect::new(0, 0, width, height);
            let rows = main_screen::number_rows(state);
            state.numbers_cursor.keep_visible(rows);
            on_board(state, false, |board, ctx| {
                board.settle_cursor(ctx);
                Handled::ignored()
            });
            on_templates(state, |view, ctx| {
                view.on_resize(ctx);
                Handled::done()
            });
            on_wizard(state, false, |wizard, ctx| {
                wizard.on_resize(ctx);
                Handled::done()
            });
            if let Some(Popup::Help(doc)) = &state.popup {
                let mut resized = help::document(&state.keymap, state.screen(), state.screen);
                resized.scroll_by(doc.scroll as isize);
                state.popup = Some(Popup::Help(resized));
            }
            Vec::new()
        }
        Action::Tick(now) => {
            let mut effects = on_tick(state, now);
            effects.extend(on_board(state, false, Board::on_tick));
            effects
        }
        Action::Waiting(waiting) => {
            state.slow_call = waiting.filter(|w| w.elapsed >= WAIT_WORTH_SHOWING);
            Vec::new()
        }
        Action::Connected(label) => {
            state.backend = label;
            state.phase = Phase::Ready;
            let (wabas, businesses) = state.configured_wabas.clone();
            vec![
                state
                    .store
                    .ask(ApiRequest::DiscoverWabas { wabas, businesses }),
            ]
        }
        Action::ConnectFailed(sentence) => {
            state.push_log(LogEntry::Notice {
                text: strings::connect_failed(&sentence),
                is_error: true,
            });
            state.phase = Phase::Failed(sentence);
            state.store.abandon_all();
            Vec::new()
        }
        Action::Api(event) => on_api(state, *event),
        Action::RegisterAttempts(attempts) => {
            state.register_attempts = attempts;
            state.data_generation += 1;
            Vec::new()
        }
        Action::Call(record) => {
            if record.usage.is_some() {
                state.rate_usage = record.usage;
            }
            state.push_log(LogEntry::Call(record));
            Vec::new()
        }
        Action::Board(event) => on_board(state, true, |board, ctx| board.on_event(*event, ctx)),
        Action::TemplateRun(event) => match state.templates {
            Some(_) => on_templates(state, |view, ctx| view.on_run_event(*event, ctx)),
            None => {
                state.dirty = false;
                Vec::new()
            }
        },
        Action::Recreate(event) => match state.templates {
            Some(_) => on_templates(state, |view, ctx| view.on_recreate_event(*event, ctx)),
            None => {
                state.dirty = false;
                Vec::new()
            }
        },
        Action::Terminate => vec![Effect::Quit(EXIT_TERMINATED)],
        Action::Wizard(event) => {
            // A batch opens the run page for each of its numbers; the journals screen
            // reads its list again when a run ends.
            let started = matches!(event, WizardEvent::Started { .. });
            batch::on_wizard_event(state, &event);
            let mut effects = journals::on_wizard_event(state, &event);
            effects.extend(on_wizard_event(state, event));
            if started {
                batch::name_run(state);
            }
            effects
        }
        Action::Journals(event) => journals::on_event(state, event),
    }
}

/// A wizard event: to the wizard when it is open, else the start-up resume offer.
fn on_wizard_event(state: &mut State, event: WizardEvent) -> Vec<Effect> {
    match (&state.wizard, event) {
        (None, WizardEvent::Journals(journals)) => {
            // Start-up: unfinished migrations are offered before anything else.
            state.wizard = Wizard::offer_resume(journals, state.scenario);
            state.dirty = state.wizard.is_some();
            Vec::new()
        }
        (None, _) => {
            state.dirty = false;
            Vec::new()
        }
        (Some(_), event) => on_wizard(state, true, |wizard, ctx| wizard.on_event(event, ctx)),
    }
}

/// Closes the template screen; a re-creation run it was following stops being followed.
fn close_templates(state: &mut State) -> Vec<Effect> {
    state
        .templates
        .take()
        .and_then(|view| view.recreate.following)
        .map(Effect::StopFollowingRecreation)
        .into_iter()
        .collect()
}

fn on_tick(state: &mut State, now: std::time::Instant) -> Vec<Effect> {
    let shown_age = state.synced_label();
    state.now = now;
    on_wizard(state, false, Wizard::on_tick);
    if state.is_busy() {
        state.spinner_frame = state.spinner_frame.wrapping_add(1);
        state.dirty = true;
    }
    if state.synced_label() != shown_age {
        state.dirty = true;
    }
    let Some(period) = state.auto_refresh else {
        return Vec::new();
    };
    if state.phase != Phase::Ready || state.is_busy() {
        return Vec::new();
    }
    match state.next_auto_refresh {
        Some(due) if now >= due => {
            state.next_auto_refresh = Some(now + period);
            main_screen::refresh(state)
        }
        Some(_) => Vec::new(),
        None => {
            state.next_auto_refresh = Some(now + period);
            Vec::new()
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.flash = None;
    let action = state.keymap.action_for(state.screen(), &key);
    if let Some(popup) = state.popup.take() {
        return on_popup_key(state, popup, key, action);
    }
    route(state, key, action)
}

/// A key (or a palette command, with a null key) to the screen in front.
fn route(state: &mut State, key: KeyEvent, action: Option<KeyAction>) -> Vec<Effect> {
    // Quit and help mean the same on every screen; where keys are text (a filter, a
    // path), a letter is text and only keys that are not (F1, ctrl-c) act.
    if !(is_letter(&key) && state.typing()) {
        match action {
            Some(KeyAction::Quit | KeyAction::ForceQuit) => return request_quit(state),
            Some(KeyAction::Help) => {
                open_help(state);
                return Vec::new();
            }
            _ => {}
        }
    }
    if state.wizard.is_some() {
        return on_wizard(state, false, |wizard, ctx| wizard.on_key(key, action, ctx));
    }
    match action {
        Some(KeyAction::Palette) if !palette_keys::typing(state) => {
            state.popup = Some(Popup::Palette(Palette::default()));
            Vec::new()
        }
        _ if state.journals.is_some() => journals::on_key(state, action),
        _ if batch::takes(state, action) => batch::on_key(state, action),
        _ if state.board.open => on_board(state, true, |board, ctx| board.on_key(key, action, ctx)),
        _ if state.templates.is_some() => {
            on_templates(state, |view, ctx| view.on_key(key, action, ctx))
        }
        _ if state.filter_editing => {
            main_screen::on_filter_key(state, key);
            Vec::new()
        }
        _ if state.log_view.filter_editing => {
            log_view::on_filter_key(state, key);
            Vec::new()
        }
        Some(KeyAction::Migrate) => {
            let target = main_screen::wizard_target(state);
            state.wizard = Some(Wizard::open(target, state.scenario));
            Vec::new()
        }
        Some(KeyAction::Journals) => {
            state.wizard = Some(Wizard::resume_picker(state.scenario));
            vec![Effect::ListJournals]
        }
        Some(KeyAction::OpenJournals) => journals::open(state),
        Some(KeyAction::FleetBoard) => on_board(state, true, Board::open),
        Some(KeyAction::Filter) if state.focus == Pane::Log => {
            log_view::start_filter(state);
            Vec::new()
        }
        Some(KeyAction::Select) if state.focus == Pane::Log => {
            log_view::open_detail(state);
            Vec::new()
        }
        Some(KeyAction::Yank) => copy(state, main_screen::yank_target(state, false)),
        Some(KeyAction::YankId) => copy(state, main_screen::yank_target(state, true)),
        Some(KeyAction::OpenTemplates) => open_templates(state),
        Some(action) => main_screen::on_action(state, action),
        None => Vec::new(),
    }
}

/// A key while a popup is open: it goes to the popup alone.
fn on_popup_key(
    state: &mut State,
    popup: Popup,
    key: KeyEvent,
    action: Option<KeyAction>,
) -> Vec<Effect> {
    match popup {
        Popup::ConfirmQuit { .. } => match (key.code, action) {
            (KeyCode::Char('y'), _) | (_, Some(KeyAction::ForceQuit)) => quit_now(state),
            // Any other key keeps the app and the run.
            _ => Vec::new(),
        },
        Popup::Help(mut doc) => {
            match action {
                Some(KeyAction::Back | KeyAction::Help) => {}
                Some(KeyAction::Quit | KeyAction::ForceQuit) => return request_quit(state),
                Some(other) => {
                    doc.on_action(other);
                    state.popup = Some(Popup::Help(doc));
                }
                None => state.popup = Some(Popup::Help(doc)),
            }
            Vec::new()
        }
        // They take text: only keys that are not letters quit or help.
        Popup::Picker(_) | Popup::Palette(_) if action == Some(KeyAction::ForceQuit) => {
            request_quit(state)
        }
        Popup::Picker(_) | Popup::Palette(_)
            if action == Some(KeyAction::Help) && !is_letter(&key) =>
        {
            open_help(state);
            Vec::new()
        }
        Popup::Picker(picker) => main_screen::on_picker_key(state, picker, key),
        Popup::Palette(palette) => palette_keys::on_key(state, palette, key),
        Popup::LogDetail(line) => match action {
            Some(KeyAction::Back | KeyAction::Select) => Vec::new(),
            Some(KeyAction::Quit | KeyAction::ForceQuit) => request_quit(state),
            Some(KeyAction::Yank | KeyAction::YankId) => {
                let copied = log_view::yank_target(&line);
                state.popup = Some(Popup::LogDetail(line));
                copy(state, copied)
            }
            _ => {
                state.popup = Some(Popup::LogDetail(line));
                Vec::new()
            }
        },
    }
}

/// Whether `key` types a character (no ctrl or alt): text where text is typed.
fn is_letter(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// Shows the help of the screen in front.
fn open_help(state: &mut State) {
    state.popup = Some(Popup::Help(help::document(
        &state.keymap,
        state.screen(),
        state.screen,
    )));
}

/// `q` or ctrl-c: quits at once, or asks first while a run is active (a migration in
/// the wizard, a template run), saying how to go on with it later.
fn request_quit(state: &mut State) -> Vec<Effect> {
    match active_run(state) {
        Some(about) => {
            state.popup = Some(Popup::ConfirmQuit { about });
            Vec::new()
        }
        None => vec![Effect::Quit(0)],
    }
}

/// What is running that quitting would interrupt, as the confirmation says it.
fn active_run(state: &State) -> Option<String> {
    if let Some(run) = state
        .wizard
        .as_ref()
        .filter(|w| w.page == Page::Run || w.page == Page::Report)
        .and_then(|w| w.run.as_ref())
        .filter(|run| run.end.is_none())
    {
        let step = run.focus_step().map(crate::ops::migration::step_name);
        return Some(strings::wizard::quit_during_run(
            run.migration_id.as_deref(),
            &run.number,
            step,
        ));
    }
    state
        .templates
        .as_ref()
        .filter(|view| view.is_running() || view.recreate.run.is_some())
        .map(|_| strings::templates::QUIT_DURING_RUN.to_string())
}

/// Quits after a yes: a migration waiting at a question is stopped there first, so its
/// journal records where it stopped.
fn quit_now(state: &mut State) -> Vec<Effect> {
    let pending = state
        .wizard
        .as_ref()
        .and_then(|w| w.run.as_ref())
        .filter(|run| run.end.is_none())
        .and_then(|run| run.question.as_ref())
        .map(|q| q.question.id);
    let mut effects: Vec<Effect> = pending
        .map(|question| Effect::AnswerMigration {
            question,
            answer: WizardAnswer::Stop,
        })
        .into_iter()
        .collect();
    effects.push(Effect::Quit(0));
    effects
}

/// `t`: the template review of the chosen source and destination.
fn open_templates(state: &mut State) -> Vec<Effect> {
    let pair = state.source.clone().zip(state.destination.clone());
    let (view, effects) = TemplateView::open(pair, &mut context(state));
    state.templates = Some(view);
    effects
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    if state.wizard.is_some() {
        // The wizard is driven by keys; its answers must not be clicked by accident.
        state.dirty = false;
        return Vec::new();
    }
    let at = Position::new(mouse.column, mouse.row);
    let wheel = match mouse.kind {
        MouseEventKind::ScrollDown => 1,
        MouseEventKind::ScrollUp => -1,
        MouseEventKind::Down(MouseButton::Left) => 0,
        _ => {
            state.dirty = false;
            return Vec::new();
        }
    };
    if let Some(Popup::Picker(picker)) = &mut state.popup {
        let list = PickerLayout::compute(state.screen).list;
        if wheel != 0 {
            picker.cursor = picker.cursor.saturating_add_signed(wheel);
        } else if list.contains(at) {
            picker.cursor = (at.y - list.y) as usize;
            let picker = picker.clone();
            return main_screen::choose(state, &picker);
        } else {
            state.popup = None;
        }
        return Vec::new();
    }
    if state.popup.is_some() {
        state.popup = None;
        return Vec::new();
    }
    if state.board.open {
        // The board covers the panes: a click there is not a click on them.
        return on_board(state, true, |board, ctx| board.on_mouse(mouse, ctx));
    } else if state.templates.is_some() {
        on_templates(state, |view, ctx| {
            view.on_mouse(at, wheel, ctx);
            Handled::done()
        });
        return Vec::new();
    }
    main_screen::on_mouse(state, at, wheel)
}

fn on_api(state: &mut State, event: ApiEvent) -> Vec<Effect> {
    let (received_at, ok) = (event.received_at, event.result.is_ok());
    let Some(request) = state.store.answer(event) else {
        // Stale: the operator moved on, or a newer read replaced this one.
        state.dirty = false;
        return Vec::new();
    };
    state.data_generation += 1;
    if ok {
        state.last_synced = Some(
            state
                .last_synced
                .map_or(received_at, |t| t.max(received_at)),
        );
    }
    match request {
        ApiRequest::DiscoverWabas { .. } => return main_screen::after_discovery(state),
        ApiRequest::Numbers(_) => main_screen::sync_selection(state),
        ApiRequest::Templates(waba_id) => {
            on_templates(state, |view, ctx| {
                view.on_inventory(&waba_id, ctx);
                Handled::done()
            });
        }
        ApiRequest::Waba(_) | ApiRequest::SubscribedApps(_) | ApiRequest::Number(_) => {}
    }
    Vec::new()
}

/// A screen's [`Context`] from the state's fields (a macro, so that the screen's own
/// state, another field, can be borrowed beside it).
macro_rules! screen_context {
    ($state:ident) => {
        Context {
            now: $state.now,
            screen: $state.screen,
            log_visible: $state.log_visible,
            ready: $state.phase == Phase::Ready,
            auto_refresh: $state.auto_refresh,
            configured_wabas: &$state.configured_wabas,
            store: &mut $state.store,
        }
    };
}

/// Runs a fleet board handler with its context and applies what it hands back. With
/// `owns_redraw`, an unchanged board means nothing to redraw (the event was the
/// board's); ticks leave the redraw to whoever else changed something.
fn on_board(
    state: &mut State,
    owns_redraw: bool,
    handle: impl FnOnce(&mut Board, &mut Context) -> Handled,
) -> Vec<Effect> {
    let mut ctx = screen_context!(state);
    let handled = handle(&mut state.board, &mut ctx);
    apply_handled(state, handled, owns_redraw)
}

/// Runs a template screen handler, when the screen is open, and applies what it hands
/// back.
fn on_templates(
    state: &mut State,
    handle: impl FnOnce(&mut TemplateView, &mut Context) -> Handled,
) -> Vec<Effect> {
    let Some(view) = state.templates.as_mut() else {
        return Vec::new();
    };
    let mut ctx = screen_context!(state);
    let handled = handle(view, &mut ctx);
    apply_handled(state, handled, true)
}

/// Runs a wizard handler, when the wizard is open, and applies what it hands back.
fn on_wizard(
    state: &mut State,
    owns_redraw: bool,
    handle: impl FnOnce(&mut Wizard, &mut Context) -> Handled,
) -> Vec<Effect> {
    let Some(wizard) = state.wizard.as_mut() else {
        return Vec::new();
    };
    let mut ctx = screen_context!(state);
    let handled = handle(wizard, &mut ctx);
    apply_handled(state, handled, owns_redraw)
}

/// The context of a screen opened from the main screen.
fn context(state: &mut State) -> Context<'_> {
    screen_context!(state)
}

/// Applies a screen's [`Handled`]: its redraw flag, then its outcomes.
fn apply_handled(state: &mut State, handled: Handled, owns_redraw: bool) -> Vec<Effect> {
    if !handled.unchanged {
        state.dirty = true;
    } else if owns_redraw {
        state.dirty = false;
    }
    let mut effects = handled.effects;
    for outcome in handled.outcomes {
        match outcome {
            Outcome::ToggleLog => main_screen::toggle_log(state),
            Outcome::Log(entry) => state.push_log(entry),
            Outcome::OpenNumber { waba_id, number_id } => {
                effects.extend(main_screen::open_number(state, &waba_id, &number_id));
            }
            Outcome::RefreshMain => effects.extend(main_screen::refresh(state)),
            Outcome::Close => match state.screen() {
                Screen::Wizard => state.wizard = None,
                Screen::Templates => effects.extend(close_templates(state)),
                Screen::Board => state.board.open = false,
                Screen::Journals => state.journals = None,
                Screen::Main => {}
            },
            Outcome::ScenarioChosen(scenario) => {
                state.scenario = scenario;
                state.checklist_scroll = 0;
            }
            Outcome::Synced(at) => {
                state.last_synced = Some(state.last_synced.map_or(at, |t| t.max(at)));
            }
            Outcome::Copy(copied) => effects.extend(copy(state, Some(copied))),
            Outcome::Flash(sentence) => state.flash = Some(sentence),
        }
    }
    effects
}

/// `y`: the copy, and the sentence saying what was copied (or that nothing was).
fn copy(state: &mut State, copied: Option<Copied>) -> Vec<Effect> {
    match copied {
        Some(copied) => {
            state.flash = Some(strings::copied(copied.what, &copied.text));
            vec![Effect::Copy(copied.text)]
        }
        None => {
            state.flash = Some(strings::NOTHING_TO_COPY.to_string());
            Vec::new()
        }
    }
}

mod palette_keys;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod yank_tests;
