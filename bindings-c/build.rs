//! Link settings for the shared library: a soname, and no symbols but the `ac_*` functions.
fn main() {
    // Symbols from the static archives linked in (the Rust dependencies' rlibs, which include
    // the bundled SQLite, libjpeg-turbo and libwebp, and crates that export C functions of their
    // own, such as crc-fast) are not exported: `nm -D` shows only the `ac_*` API.
    println!("cargo:rustc-cdylib-link-arg=-Wl,--exclude-libs,ALL");
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libactivity_core.so.{major}");
}
