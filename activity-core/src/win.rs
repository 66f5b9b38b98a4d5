//! The few Win32 calls the crate makes itself, through `windows-sys`: the current user's SID,
//! owner-only security descriptors (the data folder, the browser pipe), reading a folder's DACL,
//! the process at the other end of a named pipe, and the registry keys of the native messaging
//! host. Every `unsafe` block of the Windows build is in this file.
//!
//! Why by hand: no well-kept crate covers "create a folder with an owner-only DACL" or "who is
//! at the other end of this pipe"; the calls are documented Win32 and each is a few lines.
#![allow(unsafe_code)] // The crate denies it; this module is where the Windows build needs it.

use std::ffi::{OsStr, c_void};
use std::io;
use std::os::windows::ffi::OsStrExt as _;
use std::path::Path;
use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ALREADY_EXISTS, ERROR_SUCCESS, HANDLE, HLOCAL, LocalFree,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW,
    ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW, SDDL_REVISION_1,
    SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_SIZE_INFORMATION, AclSizeInformation,
    DACL_SECURITY_INFORMATION, GetAce, GetAclInformation, GetTokenInformation, INHERIT_ONLY_ACE,
    PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::CreateDirectoryW;
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

/// `s` as a NUL-terminated UTF-16 string.
pub(crate) fn wide(s: impl AsRef<OsStr>) -> Vec<u16> {
    s.as_ref().encode_wide().chain(Some(0)).collect()
}

/// The UTF-16 string at `p` (NUL-terminated), freed with `LocalFree`.
///
/// # Safety
/// `p` is a NUL-terminated string allocated with `LocalAlloc` (as the `Convert*` calls return).
unsafe fn take_local_string(p: *mut u16) -> String {
    let mut len = 0;
    // SAFETY: the caller's contract: NUL-terminated.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len` characters were just read.
    let s = String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, len) });
    // SAFETY: allocated by LocalAlloc, freed once.
    unsafe { LocalFree(p as HLOCAL) };
    s
}

struct OwnedHandle(HANDLE);

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        // SAFETY: a handle this module opened, closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// The user SID (`S-1-5-21-…`) of the token of `process`.
fn process_user_sid(process: HANDLE) -> io::Result<String> {
    let mut token: HANDLE = null_mut();
    // SAFETY: `token` receives a handle on success, which `OwnedHandle` closes.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let token = OwnedHandle(token);
    let mut len = 0u32;
    // SAFETY: asks the size only (no buffer).
    unsafe { GetTokenInformation(token.0, TokenUser, null_mut(), 0, &mut len) };
    // u64 elements: TOKEN_USER's alignment.
    let mut buf = vec![0u64; (len as usize).div_ceil(8)];
    // SAFETY: `buf` holds `len` bytes.
    if unsafe { GetTokenInformation(token.0, TokenUser, buf.as_mut_ptr().cast(), len, &mut len) }
        == 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the call filled a TOKEN_USER at the start of `buf`, aligned.
    let user = unsafe { &*buf.as_ptr().cast::<TOKEN_USER>() };
    let mut s: *mut u16 = null_mut();
    // SAFETY: the SID points into `buf`, alive here; `s` is LocalAlloc'd on success.
    if unsafe { ConvertSidToStringSidW(user.User.Sid, &mut s) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: returned by ConvertSidToStringSidW.
    Ok(unsafe { take_local_string(s) })
}

/// The SID of the user this process runs as.
pub(crate) fn current_user_sid() -> io::Result<String> {
    // SAFETY: the pseudo-handle of this process needs no closing.
    process_user_sid(unsafe { GetCurrentProcess() })
}

/// The user SID of process `pid`.
pub(crate) fn user_sid_of_process(pid: u32) -> io::Result<String> {
    // SAFETY: a query-only handle, closed by `OwnedHandle`.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return Err(io::Error::last_os_error());
    }
    let process = OwnedHandle(process);
    process_user_sid(process.0)
}

/// A security descriptor from SDDL, freed on drop.
pub(crate) struct SecurityDescriptor(PSECURITY_DESCRIPTOR);

// SAFETY: the descriptor is an immutable heap block once built.
unsafe impl Send for SecurityDescriptor {}
// SAFETY: as above: only read after construction.
unsafe impl Sync for SecurityDescriptor {}

impl SecurityDescriptor {
    fn from_sddl(sddl: &str) -> io::Result<SecurityDescriptor> {
        let mut sd: PSECURITY_DESCRIPTOR = null_mut();
        // SAFETY: a NUL-terminated string in; `sd` LocalAlloc'd on success (freed on drop).
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                wide(sddl).as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(SecurityDescriptor(sd))
    }

    /// A protected DACL with one entry: full access for the current user, inherited by the
    /// files and folders created inside (`container`), or for the object alone. The Windows
    /// counterpart of mode 0700.
    pub(crate) fn owner_only(container: bool) -> io::Result<SecurityDescriptor> {
        let sid = current_user_sid()?;
        let inherit = if container { "OICI" } else { "" };
        SecurityDescriptor::from_sddl(&format!("D:P(A;{inherit};FA;;;{sid})"))
    }

    /// `SECURITY_ATTRIBUTES` pointing at this descriptor (valid while `self` lives).
    pub(crate) fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.0,
            bInheritHandle: 0,
        }
    }
}

impl Drop for SecurityDescriptor {
    fn drop(&mut self) {
        // SAFETY: LocalAlloc'd by the conversion, freed once.
        unsafe { LocalFree(self.0 as HLOCAL) };
    }
}

/// Creates `path` and its missing parents, each with an owner-only DACL (files created inside
/// inherit it).
pub(crate) fn create_private_dir(path: &Path) -> io::Result<()> {
    if path.as_os_str().is_empty() || path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_private_dir(parent)?;
    }
    let sd = SecurityDescriptor::owner_only(true)?;
    let sa = sd.attributes();
    // SAFETY: a NUL-terminated path and attributes valid for the call.
    if unsafe { CreateDirectoryW(wide(path).as_ptr(), &sa) } == 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(ERROR_ALREADY_EXISTS as i32) && path.is_dir() {
            return Ok(());
        }
        return Err(e);
    }
    Ok(())
}

/// SIDs whose access to a data folder is not an exposure: the system and the administrators
/// (who can take any file anyway), and the owner's own.
const TRUSTED_SIDS: [&str; 3] = ["S-1-5-18", "S-1-5-32-544", "S-1-3-4"];

/// When the folder's DACL lets anyone but its user (and the system and administrators) in:
/// the DACL in SDDL, e.g. `D:(A;OICI;0x1200a9;;;BU)…`. `None` when owner-only, or unreadable.
pub(crate) fn folder_exposure(path: &Path) -> Option<String> {
    let me = current_user_sid().ok()?;
    let mut dacl: *mut ACL = null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = null_mut();
    // SAFETY: out-pointers; `sd` LocalAlloc'd on success (freed below), `dacl` points into it.
    let status = unsafe {
        GetNamedSecurityInfoW(
            wide(path).as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        )
    };
    if status != ERROR_SUCCESS {
        return None;
    }
    let exposed = dacl.is_null() || {
        let mut info = ACL_SIZE_INFORMATION {
            AceCount: 0,
            AclBytesInUse: 0,
            AclBytesFree: 0,
        };
        // SAFETY: `dacl` is valid while `sd` lives; `info` has the size passed.
        let ok = unsafe {
            GetAclInformation(
                dacl,
                (&mut info as *mut ACL_SIZE_INFORMATION).cast(),
                std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            )
        };
        ok != 0
            && (0..info.AceCount).any(|i| {
                let mut ace: *mut c_void = null_mut();
                // SAFETY: index below AceCount; `ace` points into the DACL.
                if unsafe { GetAce(dacl, i, &mut ace) } == 0 {
                    return false;
                }
                // SAFETY: every ACE starts with its header.
                let header = unsafe { &*ace.cast::<ACE_HEADER>() };
                // ACCESS_ALLOWED_ACE_TYPE is 0; inherit-only entries grant nothing here.
                if header.AceType != 0 || u32::from(header.AceFlags) & INHERIT_ONLY_ACE != 0 {
                    return false;
                }
                let allowed = ace.cast::<ACCESS_ALLOWED_ACE>();
                // SAFETY: an allow entry: its SID starts at SidStart.
                let sid = unsafe { std::ptr::addr_of_mut!((*allowed).SidStart) }.cast::<c_void>();
                let mut s: *mut u16 = null_mut();
                // SAFETY: the SID lives in the DACL; `s` LocalAlloc'd on success.
                if unsafe { ConvertSidToStringSidW(sid, &mut s) } == 0 {
                    return false;
                }
                // SAFETY: returned by ConvertSidToStringSidW.
                let sid = unsafe { take_local_string(s) };
                sid != me && !TRUSTED_SIDS.contains(&sid.as_str())
            })
    };
    let described = exposed.then(|| {
        let mut s: *mut u16 = null_mut();
        // SAFETY: `sd` is valid; `s` LocalAlloc'd on success.
        let ok = unsafe {
            ConvertSecurityDescriptorToStringSecurityDescriptorW(
                sd,
                SDDL_REVISION_1,
                DACL_SECURITY_INFORMATION,
                &mut s,
                null_mut(),
            )
        };
        if ok == 0 {
            "D:NO_ACCESS_CONTROL".to_string()
        } else {
            // SAFETY: returned by the conversion.
            unsafe { take_local_string(s) }
        }
    });
    // SAFETY: allocated by GetNamedSecurityInfoW, freed once.
    unsafe { LocalFree(sd as HLOCAL) };
    described
}

/// The DACL of `path` in SDDL (what the tests check).
#[cfg(test)]
pub(crate) fn dacl_sddl(path: &Path) -> io::Result<String> {
    let mut sd: PSECURITY_DESCRIPTOR = null_mut();
    let mut dacl: *mut ACL = null_mut();
    // SAFETY: out-pointers; `sd` LocalAlloc'd on success.
    let status = unsafe {
        GetNamedSecurityInfoW(
            wide(path).as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            &mut dacl,
            null_mut(),
            &mut sd,
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    let mut s: *mut u16 = null_mut();
    // SAFETY: `sd` valid; `s` LocalAlloc'd on success.
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd,
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION,
            &mut s,
            null_mut(),
        )
    };
    let result = if ok == 0 {
        Err(io::Error::last_os_error())
    } else {
        // SAFETY: returned by the conversion.
        Ok(unsafe { take_local_string(s) })
    };
    // SAFETY: freed once.
    unsafe { LocalFree(sd as HLOCAL) };
    result
}

/// Replaces the DACL of `path` with the one in `sddl` (tests make an exposed folder with it).
#[cfg(test)]
pub(crate) fn set_dacl_for_test(path: &Path, sddl: &str) -> io::Result<()> {
    use windows_sys::Win32::Security::Authorization::SetNamedSecurityInfoW;
    use windows_sys::Win32::Security::{
        GetSecurityDescriptorDacl, PROTECTED_DACL_SECURITY_INFORMATION,
    };
    let sd = SecurityDescriptor::from_sddl(sddl)?;
    let (mut present, mut defaulted, mut dacl) = (0, 0, null_mut());
    // SAFETY: `sd` is valid; the DACL pointer points into it.
    if unsafe { GetSecurityDescriptorDacl(sd.0, &mut present, &mut dacl, &mut defaulted) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a NUL-terminated path; the DACL lives in `sd` for the call.
    let status = unsafe {
        SetNamedSecurityInfoW(
            wide(path).as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            dacl,
            null(),
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    Ok(())
}

/// A new instance of the server pipe `name` (`first`: fail if the name exists), inbound only,
/// byte mode, remote clients refused, with `security`'s access list; registered with `io`.
pub(crate) fn create_pipe_server(
    name: &OsStr,
    first: bool,
    security: &SecurityDescriptor,
    io: &tokio::runtime::Handle,
) -> io::Result<tokio::net::windows::named_pipe::NamedPipeServer> {
    use tokio::net::windows::named_pipe::{PipeMode, ServerOptions};
    let _runtime = io.enter();
    let mut attributes = security.attributes();
    // SAFETY: the attributes and the descriptor they point at live for the call.
    unsafe {
        ServerOptions::new()
            .first_pipe_instance(first)
            .reject_remote_clients(true)
            .access_outbound(false)
            .pipe_mode(PipeMode::Byte)
            .create_with_security_attributes_raw(name, (&raw mut attributes).cast::<c_void>())
    }
}

/// The process id of the client at the other end of the server pipe `pipe`.
pub(crate) fn pipe_client_pid(pipe: HANDLE) -> io::Result<u32> {
    let mut pid = 0u32;
    // SAFETY: a pipe handle the caller owns; `pid` written on success.
    if unsafe { windows_sys::Win32::System::Pipes::GetNamedPipeClientProcessId(pipe, &mut pid) }
        == 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(pid)
}

/// Sets the default value of `HKEY_CURRENT_USER\<subkey>` to `value` (a string), creating the
/// key.
pub(crate) fn set_user_registry_default(subkey: &str, value: &str) -> io::Result<()> {
    use windows_sys::Win32::System::Registry::{
        HKEY, HKEY_CURRENT_USER, KEY_SET_VALUE, REG_OPTION_NON_VOLATILE, REG_SZ, RegCloseKey,
        RegCreateKeyExW, RegSetValueExW,
    };
    let mut key: HKEY = null_mut();
    // SAFETY: NUL-terminated strings; `key` opened on success and closed below.
    let status = unsafe {
        RegCreateKeyExW(
            HKEY_CURRENT_USER,
            wide(subkey).as_ptr(),
            0,
            null(),
            REG_OPTION_NON_VOLATILE,
            KEY_SET_VALUE,
            null(),
            &mut key,
            null_mut(),
        )
    };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    let data = wide(value);
    // SAFETY: `data` holds the UTF-16 string and its NUL, its length in bytes passed.
    let status = unsafe {
        RegSetValueExW(
            key,
            null(),
            0,
            REG_SZ,
            data.as_ptr().cast(),
            (data.len() * 2) as u32,
        )
    };
    // SAFETY: opened above, closed once.
    unsafe { RegCloseKey(key) };
    if status != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    Ok(())
}

/// Why this process cannot see an interactive desktop (a service in session 0, a locked or
/// secure desktop), or `None` when it can: the capture backends' probe.
pub(crate) fn no_interactive_desktop() -> Option<String> {
    use windows_sys::Win32::System::RemoteDesktop::ProcessIdToSessionId;
    use windows_sys::Win32::System::StationsAndDesktops::{
        CloseDesktop, DESKTOP_READOBJECTS, OpenInputDesktop,
    };
    let mut session = u32::MAX;
    // SAFETY: `session` written on success.
    if unsafe { ProcessIdToSessionId(std::process::id(), &mut session) } != 0 && session == 0 {
        return Some(
            "this process runs in session 0 (a Windows service), which cannot see the user's \
             desktop: run the tracker in the user's session (started at logon, not as a \
             service)"
                .into(),
        );
    }
    // SAFETY: a desktop handle, closed at once.
    let desk = unsafe { OpenInputDesktop(0, 0, DESKTOP_READOBJECTS) };
    if desk.is_null() {
        return Some(format!(
            "no interactive desktop is reachable ({}): the workstation may be locked, or this \
             process runs on another window station",
            io::Error::last_os_error()
        ));
    }
    // SAFETY: opened above.
    unsafe { CloseDesktop(desk) };
    None
}

/// Wine's version when this program runs under Wine (its ntdll exports `wine_get_version`),
/// else `None`: the tests say what Wine does not enforce.
#[cfg(test)]
pub(crate) fn wine_version() -> Option<String> {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
    // SAFETY: ntdll is always loaded; the name is NUL-terminated.
    let ntdll = unsafe { GetModuleHandleW(wide("ntdll.dll").as_ptr()) };
    if ntdll.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated export name.
    let f = unsafe { GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()) }?;
    // SAFETY: Wine's `const char *wine_get_version(void)`, a static string.
    let get: extern "C" fn() -> *const std::ffi::c_char = unsafe { std::mem::transmute(f) };
    let p = get();
    // SAFETY: a NUL-terminated static string.
    (!p.is_null()).then(|| {
        unsafe { std::ffi::CStr::from_ptr(p) }
            .to_string_lossy()
            .into_owned()
    })
}

/// The position of the pointer on the virtual screen.
pub(crate) fn cursor_position() -> Option<(i32, i32)> {
    use windows_sys::Win32::Foundation::POINT;
    let mut p = POINT { x: 0, y: 0 };
    // SAFETY: `p` written on success.
    (unsafe { windows_sys::Win32::UI::WindowsAndMessaging::GetCursorPos(&mut p) } != 0)
        .then_some((p.x, p.y))
}
