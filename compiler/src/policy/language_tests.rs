//! Grammar and semantic-check tests of the policy language, one line of source each (KCL style).
//!
//! `parse_snapshot!(name, "source")` parses the source as a site policy file, lowers it, and
//! snapshots the source, the tree as an S-expression (never pest's pairs) and every
//! diagnostic, rendered compactly with line:column spans and the text under them.

use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, sort_diagnostics};
use crate::policy::ast;
use crate::policy::disruption::Origin;
use crate::policy::lower::Program;
use crate::policy::parse::parse;
use crate::source::{Sources, Span};

/// Parses and checks `text`; returns the tree (if it parsed), the program and the diagnostics.
pub(crate) fn check(text: &str) -> (Option<ast::File>, Program, Vec<Diagnostic>, Sources) {
    let mut sources = Sources::default();
    let id = sources.add("test.mcc", text);
    let mut diagnostics = Vec::new();
    let file = parse(id, text, &mut diagnostics);
    let mut program = Program::default();
    if let Some(file) = &file {
        program.add(file, Origin::SitePolicy, &sources, &mut diagnostics);
        let roots: Vec<String> = program.layout_names().map(str::to_string).collect();
        let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
        program.check_layouts(&roots, &mut diagnostics);
    }
    sort_diagnostics(&mut diagnostics, &sources);
    (file, program, diagnostics, sources)
}

fn location(sources: &Sources, span: Span) -> String {
    let file = sources.get(span.source);
    let (l1, c1) = file.line_col(span.start as usize);
    let (l2, c2) = file.line_col(span.end as usize);
    let text = sources.text(span);
    if (l1, c1) == (l2, c2) { format!("{l1}:{c1}") } else { format!("{l1}:{c1}-{l2}:{c2} `{text}`") }
}

/// One diagnostic per paragraph: `severity[CODE] line:col-line:col `text`: message`, then its
/// label, related spans and help.
pub(crate) fn render(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let at = d.span.map(|s| location(sources, s)).unwrap_or_default();
        let _ = writeln!(out, "{}[{}] {at}: {}", d.severity(), d.code.code, d.message);
        if let Some(label) = &d.label {
            let _ = writeln!(out, "  label: {label}");
        }
        for related in &d.related {
            let _ = writeln!(out, "  related {}: {}", location(sources, related.span), related.message);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  help: {help}");
        }
    }
    out
}

fn snapshot(text: &str) -> String {
    let (file, _, diagnostics, sources) = check(text);
    let mut out = format!("{text}\n---\n");
    match file {
        Some(file) => out.push_str(&file.to_sexpr()),
        None => out.push_str("(no tree: syntax error)\n"),
    }
    out.push_str("---\n");
    out.push_str(&render(&diagnostics, &sources));
    out
}

macro_rules! parse_snapshot {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), snapshot($source));
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Every construct

parse_snapshot!(empty_file, "");
parse_snapshot!(comments_only, "# nothing here\n  # still nothing");
parse_snapshot!(layout_link, "layout rhcos { link /opt -> /var/opt  link /opt/cni -> /usr/lib/opt/cni }");
parse_snapshot!(layout_link_without_spaces, "layout a { link /home->/var/home }");
parse_snapshot!(
    layout_extends_and_unlink,
    "layout a { link /opt -> /var/opt  link /usr/local -> /var/usrlocal } layout b extends a { unlink /opt, /usr/local }"
);
parse_snapshot!(layout_place, "layout a { place /**, /usr/** in image  place /etc/** in etc  place /var/** in var }");
parse_snapshot!(layout_reject, "layout a { reject /boot/** \"filled by ostree\"  reject /proc/**, /sys/**, /dev/** }");
parse_snapshot!(layout_reopened, "layout a { place /etc/** in etc } layout a { place /etc/foo/** in var }");
parse_snapshot!(quoted_path_with_spaces, "layout a { place \"/srv/my data/**\" in var }");
parse_snapshot!(string_escapes, r#"layout a { reject /x/** "say \"no\"\tthen\\stop\n" }"#);
parse_snapshot!(comments_everywhere, "# file\nlayout a { # block\n  link /a -> /b # rule\n} # end");
parse_snapshot!(disruption_path, "disruption site { path /etc/containers/policy.json => reload crio.service }");
parse_snapshot!(
    disruption_rule_across_lines,
    "disruption d {\n  path /etc/pki/ca.crt\n    => restart coreos-update-ca-trust.service, restart crio.service\n}"
);
parse_snapshot!(
    disruption_unit,
    "disruption d { unit iri-registry.service => daemon-reload, restart iri-registry.service }"
);
parse_snapshot!(disruption_sshkey, "disruption d { sshkey => none }");
parse_snapshot!(
    disruption_every_verb,
    "disruption d { path /a => drain  path /b => reboot  path /etc/containers/registries.conf => special  path /c => daemon-reload, reload x.socket }"
);
parse_snapshot!(
    disruption_keyword_is_never_a_service,
    "disruption d { path /a => none path /b => drain unit u.service => none }"
);
parse_snapshot!(disruption_quoted_service, "disruption d { path /a => restart \"my-app.service\" }");
parse_snapshot!(
    disruption_trailing_slash_path,
    "disruption d { path /etc/containers/registries.d/ => reload crio.service }"
);
parse_snapshot!(
    layout_relocate,
    "layout a {\n  place /** in image\n  relocate /etc/sysctl.d/*.conf, /etc/x/*.conf to /usr/lib/sysctl.d/ when source 00-* and not pool infra\n  relocate /etc/systemd/system/*.d/*.conf to /usr/lib/systemd/system/\n  place /etc/** in etc\n}"
);
parse_snapshot!(
    relocate_from_outside_etc,
    "layout a { place /** in image  relocate /var/lib/app/*.conf, /etc/ok/*.conf, /etc to /usr/lib/app/ }"
);
parse_snapshot!(
    relocate_into_outside_usr,
    "layout a { place /** in image  relocate /etc/a/*.conf to /opt/a/  relocate /etc/b/*.conf to /usr/etc/b/  relocate /etc/c/*.conf to /usr/lib/*/ }"
);
parse_snapshot!(
    relocate_into_a_link,
    "layout a { link /usr/local -> /var/usrlocal  place /** in image  place /var/** in var  relocate /etc/a/*.conf to /usr/local/lib/a/ }"
);
parse_snapshot!(
    relocate_into_an_unsimplified_directory,
    "layout a { place /** in image  relocate /etc/a/* to /usr//lib/a/  relocate /etc/b/* to /usr/lib/../b/ }"
);
parse_snapshot!(relocate_without_to, "layout a { relocate /etc/a/*.conf /usr/lib/a/ }");
parse_snapshot!(
    relocate_same_pattern_twice,
    "layout a { place /** in image  relocate /etc/a/*.conf to /usr/lib/a/  relocate /etc/a/*.conf to /usr/lib/b/ }"
);
parse_snapshot!(
    relocate_condition_never_true,
    "layout a { place /** in image  relocate /etc/a/* to /usr/lib/a/ when unit and mode has 0o002 }"
);
parse_snapshot!(lint_relocatable, "lint X0001 warning \"m\" { when relocatable and placement etc }");
parse_snapshot!(
    lint_full,
    "lint SITE0001 error \"only the platform team changes kernel arguments\" { when kernel-argument and not source 00-platform-* help \"ask the platform team\" }"
);
parse_snapshot!(lint_without_help, "lint SITE0002 info \"a unit\" { when unit }");
parse_snapshot!(lint_and_binds_tighter_than_or, "lint X0001 info \"m\" { when file or directory and mode has 0o002 }");
parse_snapshot!(lint_parentheses_and_not, "lint X0001 info \"m\" { when not (file or link) and not not owner root }");
parse_snapshot!(
    lint_mode_comparisons,
    "lint X0001 info \"m\" { when mode >= 0o4000 or mode == 0644 or mode != 420 or mode < 0x1ff }"
);
parse_snapshot!(
    lint_size_units,
    "lint X0001 info \"m\" { when size > 1 MiB or size >= 512KiB or size < 10 kB or size <= 3GB or size == 7 }"
);
parse_snapshot!(
    lint_every_field,
    "lint X0001 info \"m\" { when path /etc/** and owner 1000 and group wheel or name crio* or placement rebootless and pool infra and source \"99-*\" }"
);
parse_snapshot!(
    lint_every_kind,
    "lint X0001 info \"m\" { when file or directory or link or unit or dropin or user or kernel-argument or extension or kernel-type or os-image or fips }"
);
parse_snapshot!(
    lint_every_placement,
    "lint X0001 info \"m\" { when placement image or placement etc or placement var or placement rebootless or placement reject }"
);
parse_snapshot!(
    lint_path_glob_in_parentheses,
    "lint X0001 info \"m\" { when file and (path /etc/ssh/** or path /**/*.key) }"
);
parse_snapshot!(
    items_of_every_kind,
    "layout a { place /** in image } disruption d { sshkey => none } lint X0001 warning \"m\" { when fips }"
);

// ---------------------------------------------------------------------------------------------
// Syntax errors (MCC3001)

parse_snapshot!(syntax_missing_brace, "layout rhcos link /a -> /b }");
parse_snapshot!(syntax_missing_arrow, "disruption d { path /a none }");
parse_snapshot!(syntax_misspelled_statement, "layout a { plce /usr/** in image }");
parse_snapshot!(syntax_unknown_place, "layout a { place /usr/** in usr }");
parse_snapshot!(syntax_missing_actions, "disruption d { path /a => }");
parse_snapshot!(syntax_lint_without_when, "lint X0001 warning \"m\" { file }");
parse_snapshot!(syntax_unknown_severity, "lint X0001 fatal \"m\" { when file }");
parse_snapshot!(syntax_unknown_kind, "lint X0001 info \"m\" { when files }");
parse_snapshot!(syntax_unterminated_string, "layout a { reject /x \"oops }");
parse_snapshot!(syntax_unknown_item, "rule x { }");
parse_snapshot!(syntax_unclosed_block, "disruption d { sshkey => none");
parse_snapshot!(syntax_unknown_escape, r#"layout a { reject /x/** "a\qb" }"#);
parse_snapshot!(syntax_not_octal, "lint X0001 info \"m\" { when mode == 0789 }");
parse_snapshot!(syntax_number_too_large, "lint X0001 info \"m\" { when size > 99999999999999999999 }");
parse_snapshot!(syntax_size_overflows, "lint X0001 info \"m\" { when size > 99999999999 GiB }");

// ---------------------------------------------------------------------------------------------
// Semantic errors, one code after the other

parse_snapshot!(unknown_action, "disruption d { path /a => restrat crio.service }");
parse_snapshot!(unknown_action_api_spelling, "disruption d { path /a => DaemonReload }");
parse_snapshot!(reload_without_service, "disruption d { path /a => reload }");
parse_snapshot!(drain_with_a_service, "disruption d { path /a => drain crio.service }");
parse_snapshot!(reboot_not_alone, "disruption d { path /a => drain, reboot }");
parse_snapshot!(none_not_alone, "disruption d { sshkey => none, restart crio.service }");
parse_snapshot!(service_without_type, "disruption d { path /a => restart crio }");
parse_snapshot!(service_template_instance, "disruption d { unit getty@tty1.service => restart getty@tty1.service }");
parse_snapshot!(service_without_name, "disruption d { path /a => reload .service }");
parse_snapshot!(special_elsewhere, "disruption d { path /etc/containers/policy.json => special  sshkey => special }");
parse_snapshot!(
    relative_paths,
    "layout a { link opt -> var/opt  place usr/** in image  reject \"\" } disruption d { path etc/a => none }"
);
parse_snapshot!(
    duplicate_disruption_rules,
    "disruption d { path /a => none  path /a => drain  unit u.service => none  unit u.service => drain  sshkey => none  sshkey => drain }"
);
parse_snapshot!(same_pattern_twice, "layout a { place /etc/** in etc  reject /etc/** \"no\" }");
parse_snapshot!(same_link_twice, "layout a { link /opt -> /var/opt  link /opt -> /usr/opt }");
parse_snapshot!(pattern_behind_a_link, "layout a { link /opt -> /var/opt  place /opt/** in image  reject /opt/x/* }");
parse_snapshot!(
    pattern_behind_a_link_only_in_the_parent,
    "layout a { link /opt -> /var/opt  place /opt/** in image } layout b extends a { unlink /opt }"
);
parse_snapshot!(lint_condition_never_true, "lint X0001 info \"m\" { when unit and mode has 0o002 }");
parse_snapshot!(lint_branch_never_true, "lint X0001 info \"m\" { when file or (user and size > 0) }");
parse_snapshot!(lint_mode_out_of_range, "lint X0001 info \"m\" { when mode has 0o10000 or mode > 0o7777 or size < 0 }");
parse_snapshot!(lint_short_form_without_definition, "lint MCC6001 off");
parse_snapshot!(extends_unknown, "layout rhcos { } layout bootc extends rhcoss { }");
parse_snapshot!(extends_cycle, "layout a extends b { } layout b extends a { }");
parse_snapshot!(extends_on_reopen, "layout a { } layout b { } layout a extends b { }");
parse_snapshot!(unlink_unknown, "layout a { link /opt -> /var/opt } layout b extends a { unlink /opt/, /usr/local }");
parse_snapshot!(lint_code_invalid, "lint mcc6001 warning \"m\" { when file } lint SITE01 warning \"m\" { when file }");
parse_snapshot!(duplicate_lint, "lint X0001 warning \"a\" { when file } lint X0001 error \"b\" { when unit }");
parse_snapshot!(
    too_many_actions,
    "disruption d { path /a => restart a.service, restart b.service, restart c.service, restart d.service, restart e.service, restart f.service, restart g.service, restart h.service, restart i.service, restart j.service, restart k.service }"
);

parse_snapshot!(
    condition_too_deep,
    &format!("lint SITE0001 warning \"m\" {{ when {}file{} }}", "(".repeat(70), ")".repeat(70))
);

// ---------------------------------------------------------------------------------------------
// Properties

#[test]
fn every_policy_code_has_a_snapshot() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/policy/snapshots");
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for code in crate::codes::ALL.iter().filter(|c| c.code.starts_with("MCC30")) {
            if text.contains(&format!("[{}]", code.code)) {
                seen.insert(code.code);
            }
        }
    }
    let all: std::collections::BTreeSet<_> =
        crate::codes::ALL.iter().map(|c| c.code).filter(|c| c.starts_with("MCC30")).collect();
    assert_eq!(seen, all, "every MCC30xx code is shown by some snapshot");
}

#[test]
fn a_service_name_longer_than_255_characters_is_refused() {
    let name = format!("{}.service", "a".repeat(247));
    let (_, _, ok, _) = check(&format!("disruption d {{ path /a => restart {name} }}"));
    assert!(ok.is_empty(), "255 characters are fine: {ok:?}");
    let name = format!("{}.service", "a".repeat(248));
    let (_, _, diagnostics, _) = check(&format!("disruption d {{ path /a => restart {name} }}"));
    let messages: Vec<_> = diagnostics.iter().map(|d| (d.code.code, d.message.as_str())).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].0, "MCC3005");
    assert!(messages[0].1.ends_with("Too long: may not be longer than 255"), "{}", messages[0].1);
}

/// Every span of the tree covers the text it came from.
#[test]
fn spans_cover_their_text() {
    let text = "layout a extends b { link /x -> /y  unlink /z  place /u/** in image  reject \"/q\" \"why\" }\n\
                disruption d { path /a => restart a.service  unit u.service => none  sshkey => drain }\n\
                lint X0001 info \"m\" { when not file and (mode has 0o2 or size > 1 KiB) help \"h\" }";
    let (file, _, _, sources) = check(text);
    let file = file.expect("parses");
    let t = |span: Span| sources.text(span).to_string();
    assert_eq!(t(file.span), text);
    let [ast::Item::Layout(layout), ast::Item::Disruption(disruption), ast::Item::Lint(lint)] = &file.items[..] else {
        panic!("three items");
    };
    assert!(t(layout.span).starts_with("layout a") && t(layout.span).ends_with('}'));
    assert_eq!(t(layout.name.span), "a");
    assert_eq!(t(layout.extends.as_ref().unwrap().span), "b");
    let spans: Vec<String> = layout.statements.iter().map(|s| t(s.span())).collect();
    assert_eq!(spans, ["link /x -> /y", "unlink /z", "place /u/** in image", "reject \"/q\" \"why\""]);
    let ast::LayoutStatement::Reject { patterns, reason, .. } = &layout.statements[3] else { panic!() };
    assert_eq!((t(patterns[0].span), patterns[0].value.as_str()), ("\"/q\"".into(), "/q"));
    assert_eq!(t(reason.as_ref().unwrap().span), "\"why\"");
    let ast::LayoutStatement::Place { place, .. } = &layout.statements[2] else { panic!() };
    assert_eq!(t(place.span), "image");

    let rules: Vec<String> = disruption.rules.iter().map(|r| t(r.span)).collect();
    assert_eq!(rules, ["path /a => restart a.service", "unit u.service => none", "sshkey => drain"]);
    let action = &disruption.rules[0].actions[0];
    assert_eq!((t(action.span), t(action.verb.span)), ("restart a.service".into(), "restart".into()));
    assert_eq!(t(action.service.as_ref().unwrap().span), "a.service");
    let ast::Target::SshKey(keyword) = &disruption.rules[2].target else { panic!() };
    assert_eq!(t(*keyword), "sshkey");

    assert_eq!(t(lint.code.span), "X0001");
    assert_eq!(t(lint.level.span), "info");
    let body = lint.body.as_ref().unwrap();
    assert_eq!(t(body.message.span), "\"m\"");
    assert_eq!(t(body.when.span), "not file and (mode has 0o2 or size > 1 KiB)");
    let ast::ConditionKind::And(parts) = &body.when.kind else { panic!() };
    assert_eq!(t(parts[0].span), "not file");
    assert_eq!(t(parts[1].span), "mode has 0o2 or size > 1 KiB");
    assert_eq!(t(body.help.as_ref().unwrap().span), "\"h\"");
}
