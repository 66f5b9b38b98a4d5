//! `ac_storage`: where screenshots go. From the environment, from a JSON object of the same
//! names, or the product's own storage as a table of callbacks. The `ac_storage_put/get/…`
//! calls use a storage directly (a credentials check, the conformance tests).

use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use activity_core::storage::backend::{ObjectInfo, ObjectStorage};
use activity_core::storage::blocking::{BlockingAdapter, BlockingStorage, EMBEDDER_PROVIDER};
use activity_core::storage::client::StorageClient;
use activity_core::storage::config::ProviderConfig;
use activity_core::storage::{StorageError, open};

use crate::ffi::{
    UserData, ac_free_callback, arg, give_bytes, give_string, out, read_message, text, versioned,
};
use crate::result::{Failure, ac_result, guard, guard_void};

/// A storage provider. Opaque; free it with `ac_storage_free`. A tracker made with it keeps its
/// own reference, so it may be freed right after `ac_tracker_new`.
pub struct ac_storage {
    /// The core's blocking client: the direct `ac_storage_*` calls run on a runtime it starts
    /// at its first call (none for a storage only handed to a tracker).
    pub(crate) client: StorageClient,
}

fn wrap(storage: Arc<dyn ObjectStorage>) -> Result<*mut ac_storage, Failure> {
    Ok(Box::into_raw(Box::new(ac_storage {
        client: StorageClient::new(storage),
    })))
}

/// The storage the environment names, with the variable names products already use:
/// `FILE_PROVIDER=LOCAL|S3|WASABI|DIGITALOCEAN|CLOUDINARY` and the provider's own
/// (`AWS_ACCESS_KEY_ID`, `AWS_S3_BUCKET`, …; see the README's storage section). Every missing or
/// invalid variable is named in the message of `AC_INVALID_CONFIG`. To keep the tracker's
/// default (files under its data folder) pass no storage to `ac_tracker_new` instead.
///
/// # Safety
/// `out` points to an `ac_storage *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_from_env(out_storage: *mut *mut ac_storage) -> ac_result {
    guard(|| {
        let slot = out(out_storage, "out")?;
        let config = ProviderConfig::from_env().map_err(StorageError::from)?;
        *slot = wrap(Arc::from(open(&config)?))?;
        Ok(())
    })
}

/// As `ac_storage_from_env`, from a JSON object of the same names and string values:
/// `{"FILE_PROVIDER": "S3", "AWS_S3_BUCKET": "shots", …}` (numbers and booleans are taken as
/// their text).
///
/// # Safety
/// `json` is a NUL-terminated string; `out` points to an `ac_storage *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_from_json(
    json: *const c_char,
    out_storage: *mut *mut ac_storage,
) -> ac_result {
    guard(|| {
        let json = text(json, "json")?;
        let slot = out(out_storage, "out")?;
        let config = ProviderConfig::from_json_str(json).map_err(StorageError::from)?;
        *slot = wrap(Arc::from(open(&config)?))?;
        Ok(())
    })
}

/// Lets a callback return the bytes of an object: call `ac_bytes_sink_write` any number of
/// times (the pieces are appended). Valid only during the callback.
pub struct ac_bytes_sink {
    bytes: Vec<u8>,
}

/// Appends `len` bytes to the sink (from inside a `get` callback).
///
/// # Safety
/// `sink` is the one the callback received; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_bytes_sink_write(
    sink: *mut ac_bytes_sink,
    data: *const u8,
    len: usize,
) -> ac_result {
    guard(|| {
        let sink = out(sink, "sink")?;
        if len > 0 {
            let data = arg(data, "data")?;
            // SAFETY: the caller gives `len` readable bytes at `data`.
            let bytes = unsafe { std::slice::from_raw_parts(data, len) };
            sink.bytes.extend_from_slice(bytes);
        }
        Ok(())
    })
}

/// The product's own storage: four required callbacks and an optional one, each returning a
/// plain `uint32_t`: `AC_OK` (0) on success, `AC_NOT_FOUND` for a missing object (from `get`; from
/// `head` and `delete_object` it means "no such object", which is not a failure). Any other
/// value, `ac_result` code or not (`-1`, an errno), is a failure named by its value, retried
/// with backoff by the outbox; a message written into `message` (at most
/// `message_len` bytes, NUL-terminated) is kept with it. `key` is validated by the library (it
/// never holds `..`, a leading `/` or empty segments) and valid only during the call.
///
/// **Threads**: the callbacks are called on the tracker's I/O threads (its blocking pool),
/// possibly several at once, never on the caller's own threads; each call is given at most
/// `timeout_ms` (0: 60 000) before the upload is retried (the call itself cannot be stopped and
/// may still finish). `free_user_data` is called once, when no tracker or storage uses the
/// callbacks any more.
#[repr(C)]
pub struct ac_storage_callbacks {
    /// `sizeof(ac_storage_callbacks)` as this program was built (set by
    /// `ac_storage_callbacks_init`): fields added by later versions keep their defaults.
    pub struct_size: usize,
    /// Passed to every callback.
    pub user_data: *mut c_void,
    /// Stores `len` bytes at `data` under `key`, replacing what was there. Must be idempotent.
    pub put: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            key: *const c_char,
            data: *const u8,
            len: usize,
            message: *mut c_char,
            message_len: usize,
        ) -> u32,
    >,
    /// Reads the object into `sink` (`ac_bytes_sink_write`); `AC_NOT_FOUND` if there is none.
    pub get: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            key: *const c_char,
            sink: *mut ac_bytes_sink,
            message: *mut c_char,
            message_len: usize,
        ) -> u32,
    >,
    /// Sets `*exists` and, when it exists, `*size`.
    pub head: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            key: *const c_char,
            exists: *mut bool,
            size: *mut u64,
            message: *mut c_char,
            message_len: usize,
        ) -> u32,
    >,
    /// Removes the object; succeeds when there was none.
    pub delete_object: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            key: *const c_char,
            message: *mut c_char,
            message_len: usize,
        ) -> u32,
    >,
    /// Optional (NULL: signed URLs are unsupported): writes a NUL-terminated URL that delivers
    /// the object for `expires_seconds` into `url` (`url_len` bytes).
    pub signed_url: Option<
        unsafe extern "C" fn(
            user_data: *mut c_void,
            key: *const c_char,
            expires_seconds: u64,
            url: *mut c_char,
            url_len: usize,
            message: *mut c_char,
            message_len: usize,
        ) -> u32,
    >,
    /// Called once with `user_data` when the callbacks are no longer used (NULL: none).
    pub free_user_data: ac_free_callback,
    /// The most one call may take, in milliseconds (0: 60 000).
    pub timeout_ms: u64,
}

const MESSAGE_LEN: usize = 512;
const URL_LEN: usize = 4096;

struct CallbackStorage {
    put: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *const u8,
        usize,
        *mut c_char,
        usize,
    ) -> u32,
    get: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *mut ac_bytes_sink,
        *mut c_char,
        usize,
    ) -> u32,
    head: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        *mut bool,
        *mut u64,
        *mut c_char,
        usize,
    ) -> u32,
    delete: unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_char, usize) -> u32,
    signed_url: Option<
        unsafe extern "C" fn(
            *mut c_void,
            *const c_char,
            u64,
            *mut c_char,
            usize,
            *mut c_char,
            usize,
        ) -> u32,
    >,
    user_data: UserData,
}

impl CallbackStorage {
    /// Calls `f(user_data, key, message, message_len)` and turns its result into a storage one.
    fn call(
        &self,
        operation: &str,
        key: &str,
        f: impl FnOnce(*mut c_void, *const c_char, *mut c_char, usize) -> u32,
    ) -> Result<(), StorageError> {
        let c_key = CString::new(key).map_err(|_| StorageError::InvalidKey {
            key: key.into(),
            reason: "holds a NUL byte".into(),
        })?;
        let mut message = [0u8; MESSAGE_LEN];
        let result = f(
            self.user_data.ptr(),
            c_key.as_ptr(),
            message.as_mut_ptr().cast(),
            MESSAGE_LEN,
        );
        // A plain integer from C: any value may come back (-1, an errno); only the known codes
        // mean anything, every other one is a failure named by its value.
        const OK: u32 = ac_result::AC_OK as u32;
        const NOT_FOUND: u32 = ac_result::AC_NOT_FOUND as u32;
        match result {
            OK => Ok(()),
            NOT_FOUND => Err(StorageError::NotFound(key.into())),
            other => {
                let text = read_message(&message);
                let name = ac_result::name_of(other).map_or_else(
                    || format!("{other} (not an ac_result)"),
                    |n| n.to_string_lossy().into_owned(),
                );
                Err(StorageError::Backend {
                    provider: EMBEDDER_PROVIDER,
                    message: if text.is_empty() {
                        format!("the product's {operation} answered {name}")
                    } else {
                        format!("the product's {operation} answered {name}: {text}")
                    },
                })
            }
        }
    }
}

impl BlockingStorage for CallbackStorage {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        // SAFETY: the product's callback, with a valid key and `bytes.len()` readable bytes.
        self.call("put", key, |ud, k, m, ml| unsafe {
            (self.put)(ud, k, bytes.as_ptr(), bytes.len(), m, ml)
        })
    }

    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let mut sink = ac_bytes_sink { bytes: Vec::new() };
        let sink_ptr: *mut ac_bytes_sink = &mut sink;
        // SAFETY: the sink lives until the callback returns.
        self.call("get", key, |ud, k, m, ml| unsafe {
            (self.get)(ud, k, sink_ptr, m, ml)
        })?;
        Ok(sink.bytes)
    }

    fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let (mut exists, mut size) = (false, 0u64);
        let (e, s): (*mut bool, *mut u64) = (&mut exists, &mut size);
        // SAFETY: both out-pointers live until the callback returns.
        self.call("head", key, |ud, k, m, ml| unsafe {
            (self.head)(ud, k, e, s, m, ml)
        })?;
        Ok(exists.then(|| ObjectInfo {
            key: key.to_string(),
            size,
            last_modified: None,
        }))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        // SAFETY: the product's callback with a valid key.
        self.call("delete", key, |ud, k, m, ml| unsafe {
            (self.delete)(ud, k, m, ml)
        })
    }

    fn signed_url(&self, key: &str, expires_in: Duration) -> Result<url::Url, StorageError> {
        let Some(f) = self.signed_url else {
            return Err(StorageError::Unsupported {
                provider: EMBEDDER_PROVIDER,
                operation: "signed URLs",
            });
        };
        let mut buf = [0u8; URL_LEN];
        let b = buf.as_mut_ptr().cast::<c_char>();
        // SAFETY: `buf` holds URL_LEN writable bytes for the callback.
        self.call("signed_url", key, |ud, k, m, ml| unsafe {
            f(ud, k, expires_in.as_secs(), b, URL_LEN, m, ml)
        })?;
        let text = read_message(&buf);
        url::Url::parse(&text).map_err(|e| StorageError::Backend {
            provider: EMBEDDER_PROVIDER,
            message: format!("the product's signed_url gave {text:?}: {e}"),
        })
    }
}

fn default_callbacks() -> ac_storage_callbacks {
    ac_storage_callbacks {
        struct_size: std::mem::size_of::<ac_storage_callbacks>(),
        user_data: std::ptr::null_mut(),
        put: None,
        get: None,
        head: None,
        delete_object: None,
        signed_url: None,
        free_user_data: None,
        timeout_ms: 0,
    }
}

/// Fills `callbacks` with no callbacks, no `user_data`, the default timeout, and its
/// `struct_size`; then set the callbacks.
///
/// # Safety
/// `callbacks` points to an `ac_storage_callbacks`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_callbacks_init(
    callbacks: *mut ac_storage_callbacks,
) -> ac_result {
    guard(|| {
        *out(callbacks, "callbacks")? = default_callbacks();
        Ok(())
    })
}

/// The product's own storage from a table of callbacks (copied: the table itself need not
/// outlive the call). `AC_NULL_ARGUMENT` names a missing required callback; on success `*out`
/// owns a new `ac_storage`. The library owns `user_data` from the call on, whatever its result
/// (as `ac_tracker_new` does): `free_user_data` is called once when no storage uses it, or
/// before a failing call returns.
///
/// # Safety
/// `callbacks` points to an `ac_storage_callbacks`; `out` to an `ac_storage *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_from_callbacks(
    callbacks: *const ac_storage_callbacks,
    out_storage: *mut *mut ac_storage,
) -> ac_result {
    guard(|| {
        // SAFETY: an `ac_storage_callbacks` filled by `ac_storage_callbacks_init` (documented).
        let cb = &unsafe {
            versioned(
                callbacks,
                default_callbacks(),
                "callbacks",
                "ac_storage_callbacks_init",
            )
        }?;
        // From here on the finaliser runs once whatever happens.
        let user_data = UserData::new(cb.user_data, cb.free_user_data);
        let slot = out(out_storage, "out")?;
        let put = cb.put.ok_or_else(|| Failure::null("callbacks->put"))?;
        let get = cb.get.ok_or_else(|| Failure::null("callbacks->get"))?;
        let head = cb.head.ok_or_else(|| Failure::null("callbacks->head"))?;
        let delete = cb
            .delete_object
            .ok_or_else(|| Failure::null("callbacks->delete_object"))?;
        let timeout = Duration::from_millis(if cb.timeout_ms == 0 {
            60_000
        } else {
            cb.timeout_ms
        });
        let storage = CallbackStorage {
            put,
            get,
            head,
            delete,
            signed_url: cb.signed_url,
            user_data,
        };
        let adapter = BlockingAdapter::new(Arc::new(storage), timeout);
        *slot = wrap(Arc::new(adapter))?;
        Ok(())
    })
}

/// Frees a storage. NULL is a no-op. Trackers made with it keep working with their own
/// reference.
///
/// # Safety
/// `storage` comes from an `ac_storage_from_*` function and is freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_free(storage: *mut ac_storage) {
    guard_void(|| {
        if !storage.is_null() {
            // SAFETY: made by `Box::into_raw` in `wrap`.
            drop(unsafe { Box::from_raw(storage) });
        }
    });
}

/// The provider's name (`"LOCAL"`, `"S3"`, `"CLOUDINARY"`, `"EMBEDDER"`, …), static: never
/// free it. NULL for a NULL storage.
///
/// # Safety
/// `storage` comes from an `ac_storage_from_*` function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_provider(storage: *const ac_storage) -> *const c_char {
    let name = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: a live storage or NULL (documented).
        unsafe { storage.as_ref() }.map(|s| s.client.storage().provider())
    }))
    .ok()
    .flatten();
    match name {
        Some("LOCAL") => c"LOCAL".as_ptr(),
        Some("S3") => c"S3".as_ptr(),
        Some("WASABI") => c"WASABI".as_ptr(),
        Some("DIGITALOCEAN") => c"DIGITALOCEAN".as_ptr(),
        Some("CLOUDINARY") => c"CLOUDINARY".as_ptr(),
        Some(_) => c"EMBEDDER".as_ptr(),
        None => std::ptr::null(),
    }
}

/// Stores `len` bytes under `key` (blocking).
///
/// # Safety
/// `storage` is live; `key` a NUL-terminated string; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_put(
    storage: *const ac_storage,
    key: *const c_char,
    data: *const u8,
    len: usize,
) -> ac_result {
    guard(|| {
        let s = arg(storage, "storage")?;
        let key = text(key, "key")?.to_string();
        let bytes = if len == 0 {
            Vec::new()
        } else {
            let data = arg(data, "data")?;
            // SAFETY: the caller gives `len` readable bytes.
            unsafe { std::slice::from_raw_parts(data, len) }.to_vec()
        };
        Ok(s.client.put(&key, bytes)?)
    })
}

/// Reads the object at `key` (blocking): `AC_NOT_FOUND` if there is none. `*data`/`*len` are
/// owned by the caller: free them with `ac_bytes_free`.
///
/// # Safety
/// `storage` is live; `key` a NUL-terminated string; `data` and `len` point to writable storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_get(
    storage: *const ac_storage,
    key: *const c_char,
    data: *mut *mut u8,
    len: *mut usize,
) -> ac_result {
    guard(|| {
        let s = arg(storage, "storage")?;
        let key = text(key, "key")?.to_string();
        let (d, l) = (out(data, "data")?, out(len, "len")?);
        let bytes = s.client.get(&key)?;
        (*d, *l) = give_bytes(bytes.to_vec());
        Ok(())
    })
}

/// Whether an object exists at `key`, and its size (blocking).
///
/// # Safety
/// `storage` is live; `key` a NUL-terminated string; `exists` and `size` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_head(
    storage: *const ac_storage,
    key: *const c_char,
    exists: *mut bool,
    size: *mut u64,
) -> ac_result {
    guard(|| {
        let s = arg(storage, "storage")?;
        let key = text(key, "key")?.to_string();
        let (e, z) = (out(exists, "exists")?, out(size, "size")?);
        let info = s.client.head(&key)?;
        *e = info.is_some();
        *z = info.map_or(0, |i| i.size);
        Ok(())
    })
}

/// Deletes the object at `key` (blocking); succeeds when there was none.
///
/// # Safety
/// `storage` is live; `key` a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_delete(
    storage: *const ac_storage,
    key: *const c_char,
) -> ac_result {
    guard(|| {
        let s = arg(storage, "storage")?;
        let key = text(key, "key")?.to_string();
        Ok(s.client.delete(&key)?)
    })
}

/// A URL that delivers the object for `expires_seconds` (1 ..= 604 800). `*url` is owned by
/// the caller: free it with `ac_string_free`.
///
/// # Safety
/// `storage` is live; `key` a NUL-terminated string; `url` points to a `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_storage_signed_url(
    storage: *const ac_storage,
    key: *const c_char,
    expires_seconds: u64,
    url: *mut *mut c_char,
) -> ac_result {
    guard(|| {
        let s = arg(storage, "storage")?;
        let key = text(key, "key")?.to_string();
        let slot = out(url, "url")?;
        let u = s
            .client
            .signed_url(&key, Duration::from_secs(expires_seconds))?;
        *slot = give_string(u.to_string());
        Ok(())
    })
}
