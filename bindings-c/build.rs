//! Link settings for the shared library: a soname, no symbols but the `ac_*` functions, and no
//! unloading.
fn main() {
    // Symbols from the static archives linked in (the Rust dependencies' rlibs, which include
    // the bundled SQLite, libjpeg-turbo and libwebp, and crates that export C functions of their
    // own, such as crc-fast) are not exported: `nm -D` shows only the `ac_*` API.
    // zig's linker driver (the release builds: scripts/dist.sh links against glibc 2.28 with
    // cargo-zigbuild) refuses --exclude-libs; there rustc's own version script decides, and
    // test-dist.sh checks what the shipped library exports.
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let zig = std::env::var("RUSTC_LINKER").is_ok_and(|l| l.contains("zigcc"));
    if !zig {
        println!("cargo:rustc-cdylib-link-arg=-Wl,--exclude-libs,ALL");
    }
    // Windows (activity_core.dll): the DLL exports what rustc lists in its .def file, the `ac_*`
    // functions; its name carries no version (the import library and the header do); unloading
    // is prevented at run time instead (the library pins itself when the first tracker starts).
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    // While the major version is 0, every minor version may break the ABI: the soname carries
    // it (libactivity_core.so.0.1), so the loader never pairs a program with an incompatible
    // library (cargo-c does the same since 0.9.26).
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_else(|_| "0".into());
    let soname = if major == "0" {
        format!("libactivity_core.so.0.{minor}")
    } else {
        format!("libactivity_core.so.{major}")
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // Threads a freed tracker leaves to finish in the background (a timed-out storage call, the
    // process-wide input listener) run this library's code: `dlclose` must not unmap it.
    // `-z nodelete` makes `dlclose` leave the library loaded.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
}
