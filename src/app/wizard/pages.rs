//! The wizard's long texts as rich lines: a scenario explained (the picker's detail),
//! and the plan page. Built by the wizard when their inputs change (the scenario, the
//! code method, the width), so the plan scrolls to its end and no further, and drawing
//! only maps roles to styles.

use crate::app::rich::{RichLine, wrapped};
use crate::app::store::Store;
use crate::app::strings::wizard as text;
use crate::app::theme::Role;
use crate::domain::plan::{Step, StepKind, plan};
use crate::domain::scenario::{IMPACT, Scenario, ScenarioKind};

use super::{CODE_LANGUAGE, Wizard};

/// The scenario's title with its id, and its kind.
fn scenario_heading(scenario: Scenario, width: usize) -> Vec<RichLine> {
    let mut lines = wrapped(
        &format!("{} ({})", scenario.title(), scenario.id()),
        width,
        Role::Title,
    );
    lines.extend(wrapped(kind_text(scenario), width, Role::Header));
    lines
}

/// The scenario explained: kind, who acts, the paragraph and the impact table.
pub fn scenario_lines(scenario: Scenario, width: usize) -> Vec<RichLine> {
    let mut lines = scenario_heading(scenario, width);
    lines.extend(wrapped(
        &format!("{}{}", text::WHO_ACTS, scenario.actors()),
        width,
        Role::Text,
    ));
    lines.push(RichLine::default());
    lines.extend(wrapped(scenario.explanation(), width, Role::Text));
    lines.push(RichLine::default());
    lines.extend(impact_lines(scenario, width));
    lines
}

/// The plan page: the scenario, the number and both WABAs by name, who acts, the code
/// options, every step with its facts, and what the move carries.
pub fn plan_lines(wizard: &Wizard, store: &Store, width: usize) -> Vec<RichLine> {
    let scenario = wizard.scenario;
    let target = &wizard.target;
    let mut lines = scenario_heading(scenario, width);
    lines.extend(wrapped(
        &format!(
            "Number {} · from {} → {}",
            target
                .number_label
                .as_deref()
                .or(target.number.as_deref())
                .unwrap_or("-"),
            waba_label(store, target.source.as_deref()),
            waba_label(store, target.destination.as_deref()),
        ),
        width,
        Role::Text,
    ));
    lines.extend(wrapped(
        &format!("{}{}", text::WHO_ACTS, scenario.actors()),
        width,
        Role::Text,
    ));
    if scenario.kind() == ScenarioKind::Migration {
        lines.push(RichLine::from_spans([
            (
                Role::Text,
                text::code_options(wizard.code_method.as_str(), CODE_LANGUAGE),
            ),
            (Role::Key, text::CODE_METHOD_KEY.to_string()),
        ]));
    }
    lines.push(RichLine::default());
    for (number, step) in plan(scenario).iter().enumerate() {
        lines.push(RichLine::styled(
            format!("{:>2}. {}", number + 1, step.title),
            Role::Title,
        ));
        lines.extend(step_fact_lines(step, "    ", width));
        lines.extend(wrapped(
            &format!("    {}", step.explanation),
            width,
            Role::Text,
        ));
    }
    lines.push(RichLine::default());
    lines.extend(impact_lines(scenario, width));
    lines
}

/// A step's kind, actor, call, verification and non-idempotent marker, each on its
/// own line, indented by `indent` (the plan page and the run page's step panel).
pub fn step_fact_lines(step: &Step, indent: &str, width: usize) -> Vec<RichLine> {
    let mut lines = vec![RichLine::styled(
        format!("{indent}{} · {}", step_kind(step.kind), step.actor),
        Role::Muted,
    )];
    if let Some(call) = step.call {
        lines.push(RichLine::styled(
            format!("{indent}{}{call}", text::CALL_PREFIX),
            Role::Key,
        ));
    }
    if step.non_idempotent {
        lines.extend(wrapped(
            &format!("{indent}{}", text::NON_IDEMPOTENT),
            width,
            Role::Warn,
        ));
    }
    if let Some(verification) = step.verification {
        lines.extend(wrapped(
            &format!("{indent}{}{verification}", text::VERIFIED_BY),
            width,
            Role::Muted,
        ));
    }
    lines
}

/// A WABA by name and id, `-` when there is none.
fn waba_label(store: &Store, id: Option<&str>) -> String {
    id.map_or_else(|| "-".to_string(), |id| store.waba_label(id))
}

fn kind_text(scenario: Scenario) -> &'static str {
    match scenario.kind() {
        ScenarioKind::Migration => text::KIND_MIGRATION,
        ScenarioKind::ConfigurationChange => text::KIND_CONFIGURATION,
    }
}

fn impact_lines(scenario: Scenario, width: usize) -> Vec<RichLine> {
    let mut lines = vec![RichLine::styled(text::IMPACT_HEADING, Role::Header)];
    if scenario.kind() == ScenarioKind::ConfigurationChange {
        lines.extend(wrapped(text::NOTHING_REREGISTERED, width, Role::Text));
        return lines;
    }
    lines.extend(IMPACT.iter().map(|fate| {
        let (mark, role) = if fate.carried {
            (text::CARRIED, Role::Pass)
        } else {
            (text::NOT_CARRIED, Role::Fail)
        };
        RichLine::from_spans([
            (role, format!("  {mark}  ")),
            (Role::Text, fate.asset.to_string()),
        ])
    }));
    lines
}

fn step_kind(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Automatic => "automatic",
        StepKind::ManualVerified => "manual, verified",
        StepKind::Watch => "watched",
    }
}
