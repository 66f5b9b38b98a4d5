//! Small helpers every layer uses. Not public.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Lower-case hexadecimal of `bytes` (digests, ids, secrets).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// Locks `m`, ignoring poisoning: every critical section in this crate leaves its data whole
/// (a panic while holding one of these locks cannot leave it half-written), so the data is
/// still good after a panic elsewhere.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A fresh random id: 32 lower-case hex digits.
pub(crate) fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

// Files and folders only their owner may read: the data folder holds screenshots (unblurred
// unless blur is on), titles, URLs and employee ids.

/// `create_dir_all` with mode 0700 for every folder it creates (on Unix), or an owner-only DACL
/// that the files inside inherit (on Windows).
pub(crate) fn create_private_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    return crate::win::create_private_dir(path);
    #[cfg(not(windows))]
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(path)
    }
}

/// Options for a new file only its owner may read (0600 on Unix; on Windows the file inherits
/// the data folder's owner-only DACL).
pub(crate) fn private_file_options() -> std::fs::OpenOptions {
    #[cfg(unix)]
    {
        let mut options = std::fs::OpenOptions::new();
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
    }
    #[cfg(not(unix))]
    std::fs::OpenOptions::new()
}

/// Sets a file that already exists to owner-only (0600 on Unix; on Windows it kept the DACL it
/// inherited from the data folder).
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_two_digits_per_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(super::new_id().len(), 32);
    }
}
