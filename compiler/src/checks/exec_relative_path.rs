//! MCC7005: a unit's `ExecStart=` (or another `Exec…=` line) runs a relative path.
//!
//! systemd runs an absolute path, or a bare command name it looks up in its fixed search path
//! (systemd 239 and later); a path with a `/` that does not start with one (`bin/app`,
//! `./run.sh`) is neither, so systemd ignores the line ("Neither a valid executable name nor an
//! absolute path"), and a service left without `ExecStart=` does not load. Ignition and the MCO
//! accept such contents, so the node only fails when the unit starts. The prefixes `@`, `-`, `:`,
//! `+` and `!` are skipped, and a command starting with a specifier (`%h/…`) or a variable is
//! left alone. Every MachineConfig's units and dropins are checked, each where it is written.

use super::Context;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::ignition::unit_syntax::{self, UnitOption};
use crate::load::reader::Spanned;
use crate::source::{Sources, Span};

/// The options whose value is a command line.
const EXEC_OPTIONS: &[&str] =
    &["ExecStart", "ExecStartPre", "ExecStartPost", "ExecCondition", "ExecReload", "ExecStop", "ExecStopPost"];

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (_, _, config) in cx.configs() {
        for unit in &config.systemd.units {
            if let Some(contents) = &unit.contents {
                check_contents(&cx.c.sources, contents, &unit.name.value, out);
            }
            for dropin in &unit.dropins {
                if let Some(contents) = &dropin.contents {
                    let name = format!("{}.d/{}", unit.name.value, dropin.name.value);
                    check_contents(&cx.c.sources, contents, &name, out);
                }
            }
        }
    }
}

fn check_contents(sources: &Sources, contents: &Spanned<String>, name: &str, out: &mut Vec<Diagnostic>) {
    // Contents that do not parse are reported by Ignition validation (MCC1011).
    let Ok(unit) = unit_syntax::parse_unit(&contents.value) else { return };
    for section in &unit.sections {
        for option in section.options.iter().filter(|o| EXEC_OPTIONS.contains(&o.name.as_str())) {
            let Some(executable) = relative_executable(&option.value) else { continue };
            let line = option_line(&contents.value, option);
            out.push(
                Diagnostic::new(
                    &codes::EXEC_RELATIVE_PATH,
                    locate(sources, contents.span, line),
                    format!("`{}=` in `{name}` runs `{executable}`, a relative path, which systemd refuses", option.name),
                )
                .with_help(format!(
                    "write the absolute path, such as `/usr/local/bin/{}`: systemd runs an absolute path or a bare command name from its search path, and ignores this line, so the unit does not start",
                    executable.rsplit('/').next().unwrap_or(executable)
                )),
            );
        }
    }
}

/// The command's executable when it is a relative path with a `/`.
fn relative_executable(value: &str) -> Option<&str> {
    let command = value.split_whitespace().next()?;
    let executable = command.trim_start_matches(['@', '-', ':', '+', '!']);
    let skip = executable.is_empty()
        || executable.starts_with('/')
        || executable.starts_with('%')
        || executable.starts_with('$')
        || !executable.contains('/');
    (!skip).then_some(executable)
}

/// The option's first line as written in the contents (`ExecStart=bin/app --flag`).
fn option_line<'c>(contents: &'c str, option: &UnitOption) -> &'c str {
    let text = contents.get(option.span.clone()).unwrap_or("");
    text.lines().next().unwrap_or(text).trim_end()
}

/// Where `line` is in the source: found once in the text of the contents' span (a block scalar
/// keeps each line as written, a quoted one unless it has escapes), else the whole contents.
fn locate(sources: &Sources, contents: Span, line: &str) -> Span {
    let text = sources.text(contents);
    let mut found = text.match_indices(line);
    match (found.next(), found.next()) {
        (Some((offset, _)), None) if !line.is_empty() => contents.sub(offset, line.len()),
        _ => contents,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, with_code, worker};
    use super::relative_executable;
    use crate::codes::EXEC_RELATIVE_PATH;

    #[test]
    fn only_relative_paths_with_a_slash_are_refused() {
        assert_eq!(relative_executable("bin/app --flag"), Some("bin/app"));
        assert_eq!(relative_executable("-./run.sh"), Some("./run.sh"));
        assert_eq!(relative_executable("/usr/bin/app"), None);
        assert_eq!(relative_executable("!!/usr/bin/app"), None);
        assert_eq!(relative_executable("bash -c 'echo hi'"), None, "a bare name is looked up");
        assert_eq!(relative_executable("%h/bin/app"), None);
        assert_eq!(relative_executable(""), None);
    }

    #[test]
    fn the_finding_points_at_the_line_in_a_block_scalar() {
        let mc = worker(
            "99-worker-app",
            "    systemd:\n      units:\n      - name: app.service\n        contents: |\n          [Service]\n          ExecStartPre=/usr/bin/true\n          ExecStart=bin/app --serve\n",
        );
        let diagnostics = check(&[&mc]);
        let found = with_code(&diagnostics, &EXEC_RELATIVE_PATH);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].span.unwrap().len(), "ExecStart=bin/app --serve".len());
        assert!(found[0].message.contains("runs `bin/app`"));
    }

    #[test]
    fn dropins_are_checked_too() {
        let mc = worker(
            "99-worker-app",
            "    systemd:\n      units:\n      - name: kubelet.service\n        dropins: [{name: 10-x.conf, contents: \"[Service]\\nExecStartPre=./prepare\\n\"}]",
        );
        let found = with_code(&check(&[&mc]), &EXEC_RELATIVE_PATH);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("`kubelet.service.d/10-x.conf`"));
    }
}
