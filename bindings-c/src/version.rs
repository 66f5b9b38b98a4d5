//! The library's version, as a string and as macros in the header.

use std::ffi::c_char;

/// The major version (`AC_VERSION_MAJOR` in the header matches it).
pub const AC_VERSION_MAJOR: u32 = 0;
/// The minor version.
pub const AC_VERSION_MINOR: u32 = 1;
/// The patch version.
pub const AC_VERSION_PATCH: u32 = 0;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version, `"MAJOR.MINOR.PATCH"`, static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ac_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_macros_match_cargo_toml() {
        let v = format!(
            "{}.{}.{}",
            super::AC_VERSION_MAJOR,
            super::AC_VERSION_MINOR,
            super::AC_VERSION_PATCH
        );
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}
