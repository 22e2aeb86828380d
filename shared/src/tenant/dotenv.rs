//! `.env` files, as `make dev` reads them (scripts/dotenv.sh): `NAME=value` lines, an
//! optional `export `, values optionally in single or double quotes, `#` comments. The
//! process environment wins over the file.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use crate::config::Env;

/// One line's variable, if it sets one.
fn parse_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let value = value.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
        .unwrap_or(value);
    Some((name.to_owned(), unquoted.to_owned()))
}

pub fn parse(text: &str) -> HashMap<String, String> {
    text.lines().filter_map(parse_line).collect()
}

/// The file's variables under the process environment's (a missing file is empty).
pub fn load(path: &Path) -> io::Result<Env> {
    let mut vars = match std::fs::read_to_string(path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => HashMap::new(),
        Err(e) => return Err(e),
    };
    vars.extend(std::env::vars());
    Ok(Env::from_map(vars))
}

/// `text` with each variable set to its new value: a line that sets it is replaced in
/// place, the others are appended; every other line is kept as it was.
pub fn update(text: &str, values: &[(&str, String)]) -> String {
    let mut out = String::new();
    let mut done = vec![false; values.len()];
    for line in text.lines() {
        let replaced =
            parse_line(line).and_then(|(name, _)| values.iter().position(|(n, _)| *n == name));
        match replaced {
            Some(i) if !done[i] => {
                out.push_str(&format!("{}={}\n", values[i].0, quote(&values[i].1)));
                done[i] = true;
            }
            Some(_) => {}
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, (name, value)) in values.iter().enumerate() {
        if !done[i] {
            out.push_str(&format!("{name}={}\n", quote(value)));
        }
    }
    out
}

/// Single-quoted when the value holds anything a shell or a `.env` reader could misread.
fn quote(value: &str) -> String {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
    {
        value.to_owned()
    } else {
        format!("'{value}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_as_make_dev_reads_them() {
        let vars = parse(
            "# comment\nA=1\nexport B = two \nC='x=y #z'\nD=\"q\"\nnot a line\n1BAD-NAME=x\n",
        );
        assert_eq!(vars["A"], "1");
        assert_eq!(vars["B"], "two");
        assert_eq!(vars["C"], "x=y #z");
        assert_eq!(vars["D"], "q");
        assert_eq!(vars.len(), 4);
    }

    #[test]
    fn a_missing_file_is_empty_and_an_unreadable_one_is_an_error() {
        let dir = std::env::temp_dir();
        let missing = dir.join(format!("no-such-env-file-{}", std::process::id()));
        assert!(load(&missing).is_ok());
        // A directory cannot be read as a file: reported, never taken as an empty `.env`.
        assert!(load(&dir).is_err());
    }

    #[test]
    fn updates_replace_in_place_and_append_the_rest() {
        let text = "# keep me\nA=old\nB=keep\nA=duplicate\n";
        let updated = update(text, &[("A", "new".into()), ("C", "a b=".into())]);
        assert_eq!(updated, "# keep me\nA=new\nB=keep\nC='a b='\n");
        assert_eq!(parse(&updated)["C"], "a b=");
    }
}
