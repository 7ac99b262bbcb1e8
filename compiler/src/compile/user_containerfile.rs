//! The custom Containerfile content of a `MachineOSConfig`, read as buildah and the MCO read it
//! (`Containerfile(5)`, the MCO's `validateContainerfileSyntax`): comments and blank lines, line
//! continuations with the escape character (`\`, or the one an `# escape=` directive names),
//! heredocs (`RUN <<EOF` … `EOF`, which the MCO's own template uses), and instructions that must
//! be known and, but for a few, have arguments. Its stages are followed to say whether the
//! image that comes out still builds on the MachineConfig content ([`CONFIGS_STAGE`]).

/// The stage name the generated Containerfile gives its MachineConfig stage when custom content
/// follows, as the MCO's template names it: custom content writes `FROM configs AS final`.
pub const CONFIGS_STAGE: &str = "configs";

/// The instructions buildah knows (the MCO's `command.Commands`).
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Instructions that may stand alone (the MCO's `instructionRequirements` leaves them out).
const ARGUMENTS_OPTIONAL: &[&str] = &["HEALTHCHECK", "MAINTAINER"];

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper case.
    pub keyword: String,
    pub arguments: String,
    /// The 0-based line of the content it starts on.
    pub line: usize,
}

/// Something buildah (or the MCO's validation) refuses, at a 0-based line of the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub instructions: Vec<Instruction>,
    pub problems: Vec<Problem>,
}

/// The escape character of an `# escape=X` parser directive at the top, else `\`.
fn escape_character(lines: &[&str]) -> char {
    for line in lines {
        let Some(directive) = line.trim().strip_prefix('#') else { break };
        let Some((key, value)) = directive.split_once('=') else { break };
        if key.trim().eq_ignore_ascii_case("escape") {
            return value.trim().chars().next().unwrap_or('\\');
        }
    }
    '\\'
}

/// The heredoc delimiters an instruction line opens (`<<EOF`, `<<-EOF`, `<<'EOF'`, `<<"EOF"`).
fn heredocs(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("<<") {
        rest = &rest[at + 2..];
        let strip_tabs = rest.starts_with('-');
        let word = rest.trim_start_matches('-').trim_start_matches(['\'', '"']);
        let name: String = word.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            out.push((name, strip_tabs));
        }
    }
    out
}

pub fn parse(content: &str) -> Parsed {
    let lines: Vec<&str> = content.lines().collect();
    let escape = escape_character(&lines);
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut text = String::new();
        let mut line = trimmed;
        loop {
            match line.strip_suffix(escape) {
                Some(head) => {
                    text.push_str(head);
                    text.push(' ');
                    i += 1;
                    // Comment lines inside a continuation are dropped, as buildah drops them.
                    while i < lines.len() && lines[i].trim().starts_with('#') {
                        i += 1;
                    }
                    if i == lines.len() {
                        parsed.problems.push(Problem {
                            line: start,
                            message: format!(
                                "the instruction's last line ends with `{escape}`, continuing onto nothing"
                            ),
                        });
                        break;
                    }
                    line = lines[i].trim();
                }
                None => {
                    text.push_str(line);
                    i += 1;
                    break;
                }
            }
        }
        let (keyword, arguments) = match text.split_once(char::is_whitespace) {
            Some((k, a)) => (k.to_ascii_uppercase(), a.trim().to_string()),
            None => (text.to_ascii_uppercase(), String::new()),
        };
        for (delimiter, strip_tabs) in heredocs(&arguments) {
            let end = lines[i..].iter().position(|l| {
                let l = if strip_tabs { l.trim_start_matches('\t') } else { l };
                l.trim_end() == delimiter
            });
            match end {
                Some(n) => i += n + 1,
                None => {
                    parsed.problems.push(Problem {
                        line: start,
                        message: format!("the heredoc `<<{delimiter}` has no closing `{delimiter}` line"),
                    });
                    i = lines.len();
                }
            }
        }
        if !INSTRUCTIONS.contains(&keyword.as_str()) {
            parsed
                .problems
                .push(Problem { line: start, message: format!("`{keyword}` is not a Containerfile instruction") });
        } else if arguments.is_empty() && !ARGUMENTS_OPTIONAL.contains(&keyword.as_str()) {
            parsed.problems.push(Problem { line: start, message: format!("`{keyword}` needs arguments") });
        }
        parsed.instructions.push(Instruction { keyword, arguments, line: start });
    }
    parsed
}

/// A `FROM` line: the image (or stage) it starts from and the stage name it gives.
fn from_parts(arguments: &str) -> (String, Option<String>) {
    let words: Vec<&str> = arguments.split_whitespace().filter(|w| !w.starts_with("--")).collect();
    let image = words.first().map_or(String::new(), |w| w.to_ascii_lowercase());
    let name = match words.as_slice() {
        [_, r#as, name, ..] if r#as.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    (image, name)
}

/// The `FROM` of the custom content whose stage, the image that comes out, does not build on
/// [`CONFIGS_STAGE`]: the MachineConfig content would be dropped. `None` when the last stage
/// builds on it (directly or through stages of the content), or when the content has no `FROM`
/// and so continues that stage. Earlier stages may start from any image: builder stages whose
/// output is copied in are what multi-stage builds are for.
pub fn replaced_base(parsed: &Parsed) -> Option<&Instruction> {
    let mut on_configs: Vec<String> = vec![CONFIGS_STAGE.to_string()];
    let mut last = None;
    for instruction in parsed.instructions.iter().filter(|i| i.keyword == "FROM") {
        let (image, name) = from_parts(&instruction.arguments);
        let builds_on_configs = on_configs.contains(&image);
        if let (true, Some(name)) = (builds_on_configs, name) {
            on_configs.push(name);
        }
        last = Some((instruction, builds_on_configs));
    }
    match last {
        Some((instruction, false)) => Some(instruction),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_and_heredocs_join_into_instructions() {
        let parsed = parse(
            "# custom content\nFROM configs AS final\nRUN rpm-ostree install tree && \\\n    # a comment inside\n    ostree container commit\nRUN <<EOF\nset -e\necho hi\nEOF\nLABEL a=b\n",
        );
        assert_eq!(parsed.problems, []);
        let keywords: Vec<(&str, usize)> = parsed.instructions.iter().map(|i| (i.keyword.as_str(), i.line)).collect();
        assert_eq!(keywords, [("FROM", 1), ("RUN", 2), ("RUN", 5), ("LABEL", 9)]);
        assert_eq!(parsed.instructions[1].arguments, "rpm-ostree install tree &&  ostree container commit");
    }

    #[test]
    fn unknown_instructions_missing_arguments_and_dangling_lines_are_problems() {
        let parsed = parse("FROM configs\nRUNN echo\nCOPY\nHEALTHCHECK\nRUN <<EOF\necho\n");
        let found: Vec<(usize, &str)> = parsed.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (1, "`RUNN` is not a Containerfile instruction"),
                (2, "`COPY` needs arguments"),
                (4, "the heredoc `<<EOF` has no closing `EOF` line"),
            ]
        );
        let dangling = parse("RUN echo \\\n");
        assert_eq!(dangling.problems[0].message, "the instruction's last line ends with `\\`, continuing onto nothing");
        let escaped = parse("# escape=`\nRUN echo `\n  hi\n");
        assert_eq!((escaped.problems.len(), escaped.instructions[0].arguments.as_str()), (0, "echo  hi"));
    }

    #[test]
    fn the_last_stage_must_build_on_the_machine_config_stage() {
        assert!(replaced_base(&parse("RUN echo no FROM: the configs stage goes on\n")).is_none());
        assert!(replaced_base(&parse("FROM configs AS final\nRUN true\n")).is_none());
        let builder =
            "FROM quay.io/fedora/fedora:41 AS build\nRUN make\nFROM configs\nCOPY --from=build /out /usr/bin\n";
        assert!(replaced_base(&parse(builder)).is_none(), "a builder stage is fine");
        let chained = "FROM Configs AS one\nFROM one AS two\nRUN true\n";
        assert!(replaced_base(&parse(chained)).is_none(), "stage names are case-insensitive");
        let replaced = parse("FROM configs AS final\nFROM --platform=linux/amd64 quay.io/other/os:1\nRUN true\n");
        assert_eq!(replaced_base(&replaced).map(|i| i.line), Some(1));
    }
}
