//! The size check, beside the layering check in the first layer of
//! `cargo xtask test`: in the app (`src/`) no file is longer than
//! [`MAX_FILE_LINES`] and no function longer than [`MAX_FN_LINES`] unless
//! the first line of its body is a comment saying why (a long flat match,
//! a page's markup). Long files and functions are where the app's logic
//! hid in the UI before; the check keeps it in small, tested pieces.

use std::path::{Path, PathBuf};

use crate::tools::root;

/// Most lines in a file of the app.
pub const MAX_FILE_LINES: usize = 500;
/// Most lines in a function of the app (signature to closing brace),
/// unless its body opens with a comment saying why.
pub const MAX_FN_LINES: usize = 80;

/// Something too long: the file, the function (`None` for the file
/// itself) and its length.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLong {
    /// The file, relative to the checkout.
    pub file: PathBuf,
    /// The function, if it is one.
    pub function: Option<String>,
    /// Its lines.
    pub lines: usize,
}

/// Runs the check on `src/`; prints what is too long; whether all is well.
pub fn check() -> bool {
    let found = match find(&root(), "src") {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xtask: sizes: {e}");
            return false;
        }
    };
    for t in &found {
        match &t.function {
            Some(f) => eprintln!(
                "xtask: sizes: {}: fn {f} has {} lines (at most {MAX_FN_LINES}, or a first comment saying why)",
                t.file.display(),
                t.lines
            ),
            None => eprintln!(
                "xtask: sizes: {} has {} lines (at most {MAX_FILE_LINES})",
                t.file.display(),
                t.lines
            ),
        }
    }
    if found.is_empty() {
        eprintln!(
            "xtask: sizes: no file of the app over {MAX_FILE_LINES} lines, no function over {MAX_FN_LINES} without a reason"
        );
    }
    found.is_empty()
}

/// What is too long under `root/dir`.
pub fn find(root: &Path, dir: &str) -> Result<Vec<TooLong>, String> {
    let mut found = Vec::new();
    let mut stack = vec![root.join(dir)];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot list {}: {e}", d.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            found.push(TooLong {
                file: file.clone(),
                function: None,
                lines,
            });
        }
        for (function, lines) in long_functions(&text) {
            found.push(TooLong {
                file: file.clone(),
                function: Some(function),
                lines,
            });
        }
    }
    Ok(found)
}

/// The name of the function a line declares, with its indentation.
fn declares(line: &str) -> Option<(usize, String)> {
    let indent = line.len() - line.trim_start().len();
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        let qualifier = w.starts_with("pub") || ["const", "async", "unsafe"].contains(w);
        if !qualifier {
            break;
        }
        words.next();
    }
    if words.next()? != "fn" {
        return None;
    }
    let name: String = words
        .next()?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some((indent, name))
}

/// Functions of `text` longer than [`MAX_FN_LINES`] whose body does not
/// open with a comment: (name, lines). A function ends at the first line
/// that is its indentation and a closing brace (rustfmt's layout).
pub fn long_functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((indent, name)) = declares(line) else {
            continue;
        };
        // A function on one line is short.
        if line.contains('{') && line.trim_end().ends_with('}') {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        let Some(end) = (i..lines.len()).find(|j| lines[*j].starts_with(&close)) else {
            continue;
        };
        // A declaration without a body (a trait's) ends with `;` first.
        let Some(open) = (i..=end).find(|j| lines[*j].trim_end().ends_with('{')) else {
            continue;
        };
        if lines[i..open].iter().any(|l| l.trim_end().ends_with(';')) {
            continue;
        }
        let length = end - i + 1;
        let reason = lines
            .get(open + 1)
            .is_some_and(|l| l.trim_start().starts_with("//"));
        if length > MAX_FN_LINES && !reason {
            out.push((name, length));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str, body_lines: usize, first: &str) -> String {
        let mut text = format!("    pub fn {name}(x: u32) -> u32 {{\n{first}\n");
        for _ in 0..body_lines {
            text.push_str("        let x = x + 1;\n");
        }
        text.push_str("        x\n    }\n");
        text
    }

    #[test]
    fn a_long_function_is_found_unless_it_says_why() {
        let text = format!(
            "impl A {{\n{}{}{}}}\n",
            function("short", 10, "        let y = 1;"),
            function("long", 90, "        let y = 1;"),
            function("reasoned", 90, "        // Long: one arm per kind.")
        );
        assert_eq!(long_functions(&text), vec![("long".to_owned(), 94)]);
    }

    #[test]
    fn declarations_without_a_body_are_not_functions_to_measure() {
        let text = "trait T {\n    fn f(&self) -> u32;\n}\nfn g() {\n}\n";
        assert!(long_functions(text).is_empty());
    }

    #[test]
    fn a_one_line_function_does_not_run_into_the_next() {
        let text = format!(
            "impl A {{\n    fn one(&self) -> u32 {{ 1 }}\n{}}}\n",
            function("short", 70, "        let y = 1;")
        );
        assert!(
            long_functions(&text).is_empty(),
            "{:?}",
            long_functions(&text)
        );
    }

    #[test]
    fn the_app_passes() {
        let found = find(&root(), "src").unwrap_or_else(|e| panic!("{e}"));
        assert!(found.is_empty(), "{found:?}");
    }
}
