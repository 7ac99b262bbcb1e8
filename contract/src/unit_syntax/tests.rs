use super::*;

const CHRONY_WAIT: &str = "\
[Unit]
Description=Wait for chrony to synchronize system clock
Documentation=man:chronyc(1)
After=chronyd.service
Requires=chronyd.service
Before=time-sync.target
Wants=time-sync.target

[Service]
Type=oneshot
# Wait for chronyd to update the clock and the remaining
# correction to be less than 0.1 seconds
ExecStart=/usr/bin/chronyc -h 127.0.0.1,::1 waitsync 0 0.1 0.0 1
# Wait for at most 3 minutes
TimeoutStartSec=180
RemainAfterExit=yes
StandardOutput=null

CapabilityBoundingSet=
DynamicUser=yes
ProtectSystem=strict
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
UMask=0777

[Install]
WantedBy=multi-user.target
";

const KUBELET_DROPIN: &str = "\
[Unit]
After=crio.service
[Service]
Environment=\"KUBELET_LOG_LEVEL=4\"
ExecStart=
ExecStart=/usr/local/bin/kubenswrapper \\
    /usr/bin/kubelet \\
      --config=/etc/kubernetes/kubelet.conf \\
      --v=${KUBELET_LOG_LEVEL}
";

fn parse(contents: &str) -> UnitFile {
    parse_unit(contents).unwrap_or_else(|e| panic!("{contents:?} should parse: {e:?}"))
}

fn parse_err(contents: &str) -> UnitSyntaxError {
    match parse_unit(contents) {
        Ok(unit) => panic!("{contents:?} should fail, parsed as {unit:?}"),
        Err(e) => e,
    }
}

/// The offending text an error points at.
fn pointed_at<'a>(contents: &'a str, error: &UnitSyntaxError) -> &'a str {
    &contents[error.offset..error.offset + error.len]
}

fn options(unit: &UnitFile) -> Vec<(&str, &str, &str)> {
    unit.sections
        .iter()
        .flat_map(|s| s.options.iter().map(move |o| (s.name.as_str(), o.name.as_str(), o.value.as_str())))
        .collect()
}

#[test]
fn chrony_wait_service_parses() {
    let unit = parse(CHRONY_WAIT);
    let names: Vec<_> = unit.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Unit", "Service", "Install"]);
    assert_eq!(
        unit.values("Service", "SystemCallFilter").collect::<Vec<_>>(),
        ["@system-service", "~@privileged @resources"]
    );
    assert_eq!(unit.values("Service", "CapabilityBoundingSet").collect::<Vec<_>>(), [""]);
}

#[test]
fn kubelet_dropin_parses() {
    let unit = parse(KUBELET_DROPIN);
    assert_eq!(unit.values("Service", "Environment").collect::<Vec<_>>(), ["\"KUBELET_LOG_LEVEL=4\""]);
    let exec: Vec<_> = unit.values("Service", "ExecStart").collect();
    assert_eq!(exec[0], "");
    assert!(exec[1].starts_with("/usr/local/bin/kubenswrapper \\\n    /usr/bin/kubelet \\\n"));
    assert!(exec[1].ends_with("--v=${KUBELET_LOG_LEVEL}"));
}

#[test]
fn empty_contents_parse_to_no_sections() {
    assert!(parse("").sections.is_empty());
    assert!(parse("\n\n").sections.is_empty());
}

#[test]
fn option_before_any_section_is_ignored() {
    // go-systemd skips everything before the first header (its test "options outside of
    // sections are ignored"), so this is not an error.
    let unit = parse("Description=Foo\n<<<<<<\n[Unit]\nDescription=Bar\n");
    assert_eq!(options(&unit), [("Unit", "Description", "Bar")]);
}

#[test]
fn bracket_before_any_section_opens_a_section() {
    let unit = parse("Environment=A=[x]\n[Unit]\n");
    let names: Vec<_> = unit.sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["x", "Unit"]);
}

#[test]
fn section_header_not_closed_is_an_error() {
    let contents = "[Unit]\nA=b\n[Service\nExecStart=/bin/true\n";
    let error = parse_err(contents);
    assert_eq!(error.message, "unable to find end of section");
    assert_eq!(pointed_at(contents, &error), "[Service");
}

#[test]
fn section_name_runs_to_the_next_closing_bracket() {
    let unit = parse("[Unit\nDescription=Foo]\n");
    assert_eq!(unit.sections[0].name, "Unit\nDescription=Foo");
    assert_eq!(unit.sections[0].name_span, 1..21);
}

#[test]
fn garbage_after_section_header_is_an_error() {
    let contents = "[Unit] pants \nDescription=Foo\n";
    let error = parse_err(contents);
    assert_eq!(error.message, "found garbage after section name \"Unit\"");
    assert_eq!(pointed_at(contents, &error), "pants");
}

#[test]
fn whitespace_after_section_header_is_allowed() {
    let unit = parse("[Unit] \t\n  Description=Foo\n");
    assert_eq!(options(&unit), [("Unit", "Description", "Foo")]);
    assert!(unit.has_section("Unit"));
}

#[test]
fn option_without_equals_is_an_error() {
    let contents = "[Unit]\nDescription\nAfter=x\n";
    let error = parse_err(contents);
    assert_eq!(error.message, "unexpected newline encountered while parsing option name");
    assert_eq!(pointed_at(contents, &error), "Description");
}

#[test]
fn option_without_equals_at_end_of_file_is_an_error() {
    let contents = "[Unit]\nDescription";
    let error = parse_err(contents);
    assert_eq!(error.message, "unexpected end of file while parsing option name");
    assert_eq!(pointed_at(contents, &error), "Description");
}

#[test]
fn garbage_line_inside_a_section_is_an_error() {
    let error = parse_err("[Unit]\n<<<<<<\nDescription=Foo\n");
    assert_eq!(error.message, "unexpected newline encountered while parsing option name");
}

#[test]
fn option_name_and_value_are_trimmed() {
    let unit = parse("[Unit]\n Description   = words here  \nSome Thing = Bar\n");
    assert_eq!(options(&unit), [("Unit", "Description", "words here"), ("Unit", "Some Thing", "Bar")]);
}

#[test]
fn value_keeps_everything_after_the_first_equals() {
    let unit = parse("[Service]\nEnvironment= \"FOO=BAR\" \"BAZ=QUX\"\n=anonymous\n");
    assert_eq!(options(&unit), [("Service", "Environment", "\"FOO=BAR\" \"BAZ=QUX\""), ("Service", "", "anonymous")]);
}

#[test]
fn backslash_continues_a_line() {
    let contents = "[Unit]\nDescription= Unnecessarily wrapped \\\n    words here\nAfter=x\n";
    let unit = parse(contents);
    let option = &unit.sections[0].options[0];
    assert_eq!(option.value, "Unnecessarily wrapped \\\n    words here");
    assert_eq!(&contents[option.span.clone()], "Description= Unnecessarily wrapped \\\n    words here");
    assert_eq!(unit.values("Unit", "After").collect::<Vec<_>>(), ["x"]);
}

#[test]
fn backslash_inside_a_line_does_not_continue() {
    let unit = parse("[Service]\nExecStart=/bin/sh -c \"echo \\\"ping\\\"\"\nType=oneshot\n");
    assert_eq!(
        options(&unit),
        [("Service", "ExecStart", "/bin/sh -c \"echo \\\"ping\\\"\""), ("Service", "Type", "oneshot")]
    );
}

#[test]
fn blank_line_ends_a_continuation() {
    let unit = parse("[Unit]\nDescription=Bar \\\n\nAfter=x\n");
    assert_eq!(options(&unit), [("Unit", "Description", "Bar \\\n"), ("Unit", "After", "x")]);
}

#[test]
fn backslash_at_end_of_file_ends_the_value() {
    let unit = parse("[Unit]\nDescription=Bar \\");
    assert_eq!(options(&unit), [("Unit", "Description", "Bar \\")]);
}

#[test]
fn comment_like_line_inside_a_continuation_is_part_of_the_value() {
    let unit = parse("[Unit]\nDescription=Bar\\\n# not a comment\n[Service]\n");
    assert_eq!(options(&unit), [("Unit", "Description", "Bar\\\n# not a comment")]);
}

#[test]
fn comment_lines_are_skipped() {
    let contents = "; alpha\n# bravo\n[Unit]\n; charlie\n  # delta\n#Description=Foo\nDescription=Bar\n; echo\n";
    assert_eq!(options(&parse(contents)), [("Unit", "Description", "Bar")]);
}

#[test]
fn comment_ending_in_backslash_swallows_the_next_line() {
    let unit = parse("[Service]\n# continued \\ \nExecStart=/bin/false\nType=simple\n");
    assert_eq!(options(&unit), [("Service", "Type", "simple")]);
}

#[test]
fn overlong_line_is_an_error() {
    let contents = format!("[Unit]\nDescription={}\n", "x".repeat(3000));
    let error = parse_err(&contents);
    assert_eq!(error.message, "line too long (max 2048 bytes)");
    assert_eq!(error.offset, 7);
    assert_eq!(error.len, 3012);
}

#[test]
fn line_of_max_length_is_an_error() {
    let line = format!("A={}", "x".repeat(LINE_MAX - 2));
    let error = parse_err(&format!("[Unit]\n{line}\n"));
    assert_eq!((error.offset, error.len), (7, LINE_MAX));
}

#[test]
fn line_one_byte_under_the_limit_is_accepted() {
    let line = format!("A={}", "x".repeat(LINE_MAX - 3));
    let unit = parse(&format!("[Unit]\n{line}\nB=c\n"));
    assert_eq!(unit.values("Unit", "A").next().map(str::len), Some(LINE_MAX - 3));
}

#[test]
fn overlong_line_outside_the_read_ahead_window_slips_through() {
    // go-systemd only checks lines while 2048 bytes are buffered: a long line starting late
    // in bufio's first 4096-byte fill, with little after it, is never checked.
    let mut contents = String::from("[Unit]\n");
    while contents.len() < 3000 {
        contents.push_str("A=1\n");
    }
    contents.push_str(&format!("B={}\nC=1\n", "x".repeat(2500)));
    assert_eq!(parse(&contents).values("Unit", "B").next().map(str::len), Some(2500));
}

#[test]
fn crlf_line_ends_are_accepted() {
    let unit = parse("[Unit]\r\nDescription=Foo\r\n\r\n[Install]\r\nWantedBy=multi-user.target\r\n");
    assert_eq!(options(&unit), [("Unit", "Description", "Foo"), ("Install", "WantedBy", "multi-user.target")]);
}

#[test]
fn crlf_breaks_backslash_continuation() {
    // The line keeps its `\r`, so the backslash is not last and the next line is an option.
    let error = parse_err("[Service]\r\nExecStart=/bin/echo \\\r\n  hello\r\n");
    assert_eq!(error.message, "unexpected newline encountered while parsing option name");
}

#[test]
fn utf8_names_and_values_are_preserved() {
    assert_eq!(options(&parse("[©]\nµ☃=ÇôrèÕ$")), [("©", "µ☃", "ÇôrèÕ$")]);
}

#[test]
fn repeated_sections_stay_apart() {
    let unit = parse("[Route]\nGateway=a\n[Route]\nGateway=b\n");
    assert_eq!(unit.sections.len(), 2);
    assert_eq!(unit.section("Route").map(|s| s.options.len()), Some(1));
    assert_eq!(unit.values("Route", "Gateway").collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn section_names_are_case_sensitive_and_untrimmed() {
    let unit = parse("[install]\n[ Install ]\n");
    assert!(!unit.has_section("Install"));
    assert!(unit.has_section(" Install "));
}

#[test]
fn install_section_is_found() {
    let unit = parse(CHRONY_WAIT);
    assert!(unit.has_section("Install"));
    assert_eq!(unit.values("Install", "WantedBy").collect::<Vec<_>>(), ["multi-user.target"]);
}

/// Random contents: arbitrary bytes, long runs without a line break, a header followed by
/// short lines, or a short unit-like jumble.
fn random_contents(round: u64, next: &mut impl FnMut() -> u64) -> String {
    let pick = |alphabet: &str, next: &mut dyn FnMut() -> u64| {
        let chars: Vec<char> = alphabet.chars().collect();
        chars[usize::try_from(next() % chars.len() as u64).unwrap()]
    };
    match round % 4 {
        0 => {
            let bytes: Vec<u8> = (0..next() % 300).map(|_| next().to_le_bytes()[0]).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => (0..next() % 9000).map(|_| pick("[]=#; ab\\©", next)).collect(),
        2 => format!("[S]\n{}", (0..next() % 40).map(|_| pick("ab= \n#\\", next)).collect::<String>()),
        _ => (0..next() % 200).map(|_| pick("[]=#;\\ \t\r\n\nab©☃", next)).collect(),
    }
}

#[test]
fn random_inputs_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut outcomes = std::collections::BTreeSet::new();
    for round in 0..800 {
        let contents = random_contents(round, &mut next);
        match parse_unit(&contents) {
            Ok(unit) => {
                outcomes.insert("ok".to_owned());
                for section in &unit.sections {
                    assert!(contents.get(section.name_span.clone()).is_some());
                    for option in &section.options {
                        assert!(contents.get(option.span.clone()).is_some());
                    }
                }
            }
            Err(error) => {
                assert!(contents.get(error.offset..error.offset + error.len).is_some());
                outcomes.insert(error.message.split(' ').take(2).collect::<Vec<_>>().join(" "));
            }
        }
    }
    // The loop reached every outcome, so it exercised every path.
    let expected = ["found garbage", "line too", "ok", "unable to", "unexpected end", "unexpected newline"];
    assert_eq!(outcomes.iter().map(String::as_str).collect::<Vec<_>>(), expected);
}
