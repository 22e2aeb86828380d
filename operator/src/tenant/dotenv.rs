//! `.env` files, as `make dev` reads them (scripts/dotenv.sh): `NAME=value` lines, an
//! optional `export `, values optionally in single or double quotes, `#` comments. The
//! process environment wins over the file.
//!
//! [`write`] is how `tenant setup` stores the client secret and `AUTH_SECRET`: the file
//! is readable by its owner only (0600, whatever the umask), replaced whole through a
//! temporary file and a rename (a crash leaves the old file or the new one, never half of
//! one), never written through a symbolic link, and a value that no reader could take
//! back exactly (a newline, a quote) is refused before anything is written.

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::path::Path;

use passkey_auth::config::Env;

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

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{0} is a symbolic link; write the settings into the file it points to yourself, or replace the link with a file"
    )]
    Symlink(String),
    #[error(
        "the value of {0} holds a newline, a quote or a NUL, which a .env file cannot hold safely; set it yourself"
    )]
    Unsafe(String),
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
}

/// Sets `values` in the `.env` at `path` (creating it), as [`update`] does, safely: see
/// the module's notes.
pub fn write(path: &Path, values: &[(&str, String)]) -> Result<(), WriteError> {
    let shown = path.display().to_string();
    let io_error = |source| WriteError::Io {
        path: shown.clone(),
        source,
    };
    if let Some((name, _)) = values
        .iter()
        .find(|(_, value)| value.contains(['\n', '\r', '\0', '\'', '"']))
    {
        return Err(WriteError::Unsafe((*name).to_owned()));
    }
    let text = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(WriteError::Symlink(shown)),
        Ok(_) => std::fs::read_to_string(path).map_err(io_error)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io_error(e)),
    };
    let file_name = path
        .file_name()
        .map_or_else(|| ".env".into(), |name| name.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = owner_only()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(update(&text, values).as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        // Nothing half-written stays behind (the temporary file may not exist).
        let _ = std::fs::remove_file(&temporary);
        return Err(io_error(e));
    }
    Ok(())
}

/// Options that create a file its owner alone may read and write (on Unix).
fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
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

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dotenv-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_the_owners_alone_and_replaced_whole() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = scratch("mode");
        let path = dir.join(".env");
        std::fs::write(&path, "# mine\nA=1\n").expect("a .env");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&path, &[("AUTH_SECRET", "s3cr3t/+=".into())]).expect("written");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "# mine\nA=1\nAUTH_SECRET='s3cr3t/+='\n"
        );
        let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
        let fresh = dir.join("new.env");
        write(&fresh, &[("A", "1".into())]).expect("created");
        let mode = std::fs::metadata(&fresh)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).expect("cleaned");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_never_written_through() {
        let dir = scratch("link");
        let target = dir.join("elsewhere");
        std::fs::write(&target, "untouched\n").expect("a target");
        let link = dir.join(".env");
        std::os::unix::fs::symlink(&target, &link).expect("a link");
        let error = write(&link, &[("A", "1".into())]).expect_err("refused");
        assert!(matches!(error, WriteError::Symlink(_)), "{error}");
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "untouched\n"
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        std::fs::remove_dir_all(&dir).expect("cleaned");
    }

    #[test]
    fn a_value_a_reader_could_not_take_back_is_refused_before_anything_is_written() {
        let dir = scratch("unsafe");
        let path = dir.join(".env");
        std::fs::write(&path, "A=1\n").expect("a .env");
        for bad in ["two\nlines", "cr\r", "it's", "say \"x\"", "nul\0"] {
            let error =
                write(&path, &[("OK", "fine".into()), ("B", bad.into())]).expect_err("refused");
            assert!(
                matches!(&error, WriteError::Unsafe(name) if name == "B"),
                "{error}"
            );
            assert_eq!(std::fs::read_to_string(&path).expect("read"), "A=1\n");
        }
        std::fs::remove_dir_all(&dir).expect("cleaned");
    }

    #[test]
    fn updates_replace_in_place_and_append_the_rest() {
        let text = "# keep me\nA=old\nB=keep\nA=duplicate\n";
        let updated = update(text, &[("A", "new".into()), ("C", "a b=".into())]);
        assert_eq!(updated, "# keep me\nA=new\nB=keep\nC='a b='\n");
        assert_eq!(parse(&updated)["C"], "a b=");
    }
}
