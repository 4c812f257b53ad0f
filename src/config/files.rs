//! Reading the files a configuration names (keys, certificates, the JSON document itself):
//! regular files only, after following symlinks, opened without blocking, at most 1 MiB, into
//! memory that is wiped when dropped.
//!
//! A FIFO without a writer would block `open()` forever, one with a silent writer would block
//! `read()`: the file is opened with `O_NONBLOCK` and its type checked on the open descriptor
//! (no race with a rename) before anything is read.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::Error;

/// Files named in a configuration are small; refuse anything absurdly large.
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads the file `path` named by setting `key`.
pub(crate) fn read_setting_file(key: &str, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
    let shown = shown_path(key, path)?;
    read_file_shown_as(key, path, &shown)
}

/// Reads the file `path` named by setting `key`, calling it `shown` in errors.
pub(crate) fn read_file_shown_as(
    key: &str,
    path: &Path,
    shown: &str,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let file = open_without_blocking(path).map_err(|e| match special_file_kind(path) {
        Some(kind) => Error::config(format!("{key}: {shown} is {kind}, not a regular file")),
        None => Error::config(format!("{key}: cannot read {shown}: {e}")),
    })?;
    let metadata = file
        .metadata()
        .map_err(|e| Error::config(format!("{key}: cannot read {shown}: {e}")))?;
    if !metadata.is_file() {
        let kind = describe(&metadata.file_type());
        return Err(Error::config(format!(
            "{key}: {shown} is {kind}, not a regular file"
        )));
    }
    let too_large = || Error::config(format!("{key}: {shown} is larger than 1 MiB"));
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    // Room for the whole file up front: a buffer that grew while reading would leave its
    // earlier, smaller copies of a key behind unwiped.
    let mut contents = Zeroizing::new(Vec::with_capacity(metadata.len() as usize + 1));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut contents)
        .map_err(|e| Error::config(format!("{key}: cannot read {shown}: {e}")))?;
    if contents.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(contents)
}

/// The path as an error may quote it; a PEM document or other text given where a path belongs
/// is refused without being quoted (it may be the private key).
pub(crate) fn shown_path(key: &str, path: &Path) -> Result<String, Error> {
    let text = path.to_string_lossy();
    if text.contains("-----BEGIN") || text.contains("-----END") {
        return Err(Error::config(format!(
            "{key}: got a PEM document, not a file path (PEM text goes in the matching *_pem setting)"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::config(format!(
            "{key}: got text with line breaks or control characters, not a file path"
        )));
    }
    if text.is_empty() {
        return Err(Error::config(format!("{key}: the file path is empty")));
    }
    Ok(text.into_owned())
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What a path that could not be opened is, when that explains the failure (opening a socket
/// fails with ENXIO, and on Windows opening a directory with "access denied", neither of which
/// says what is wrong).
fn special_file_kind(path: &Path) -> Option<&'static str> {
    let metadata = std::fs::metadata(path).ok()?;
    (!metadata.is_file()).then(|| describe(&metadata.file_type()))
}

fn describe(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}
