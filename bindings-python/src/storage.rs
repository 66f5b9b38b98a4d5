//! `Storage`: a provider from the environment or a dict of the same names, or the product's own
//! storage object; its blocking operations run with the GIL released.

use std::sync::Arc;
use std::time::Duration;

use activity_core::storage::backend::{ObjectInfo, ObjectStorage};
use activity_core::storage::blocking::{BlockingAdapter, BlockingStorage, EMBEDDER_PROVIDER};
use activity_core::storage::client::StorageClient;
use activity_core::storage::config::ProviderConfig;
use activity_core::storage::{StorageError, open};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::{IntoPy, NotFoundError};

/// A storage provider: the core's blocking client (its own runtime, started at the first direct
/// call; a forked child's calls answer `InvalidStateError`).
#[pyclass(frozen, module = "activity_core._native")]
pub struct Storage {
    pub(crate) client: StorageClient,
}

fn wrap(storage: Arc<dyn ObjectStorage>) -> PyResult<Storage> {
    Ok(Storage {
        client: StorageClient::new(storage),
    })
}

/// The product's own storage: a Python object with `put(key, data)`, `get(key) -> bytes`,
/// `head(key) -> int | None` (the size), `delete(key)` and optionally
/// `signed_url(key, expires_seconds) -> str`. Called on the tracker's I/O threads, with the GIL.
struct ObjectAdapter {
    obj: Py<PyAny>,
}

fn failure(py: Python<'_>, operation: &str, key: &str, e: PyErr) -> StorageError {
    if e.is_instance_of::<PyKeyError>(py)
        || e.is_instance_of::<pyo3::exceptions::PyFileNotFoundError>(py)
        || e.is_instance_of::<NotFoundError>(py)
    {
        return StorageError::NotFound(key.to_string());
    }
    StorageError::Backend {
        provider: EMBEDDER_PROVIDER,
        message: format!("the storage object's {operation} raised {e}"),
    }
}

impl ObjectAdapter {
    fn call<T>(
        &self,
        operation: &'static str,
        key: &str,
        f: impl FnOnce(Python<'_>, &Bound<'_, PyAny>) -> PyResult<T>,
    ) -> Result<T, StorageError> {
        Python::try_attach(|py| {
            f(py, self.obj.bind(py)).map_err(|e| failure(py, operation, key, e))
        })
        .unwrap_or_else(|| {
            Err(StorageError::Backend {
                provider: EMBEDDER_PROVIDER,
                message: "the Python interpreter is shutting down".into(),
            })
        })
    }
}

impl BlockingStorage for ObjectAdapter {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.call("put", key, |py, o| {
            o.call_method1("put", (key, PyBytes::new(py, bytes)))?;
            Ok(())
        })
    }

    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        self.call("get", key, |_, o| {
            let v = o.call_method1("get", (key,))?;
            if v.is_none() {
                return Err(PyKeyError::new_err(key.to_string()));
            }
            v.extract::<Vec<u8>>()
        })
    }

    fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        self.call("head", key, |_, o| {
            let v = o.call_method1("head", (key,))?;
            let size: Option<u64> = v.extract()?;
            Ok(size.map(|size| ObjectInfo {
                key: key.to_string(),
                size,
                last_modified: None,
            }))
        })
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.call("delete", key, |_, o| {
            o.call_method1("delete", (key,))?;
            Ok(())
        })
    }

    fn signed_url(&self, key: &str, expires_in: Duration) -> Result<url::Url, StorageError> {
        let text = self.call("signed_url", key, |_, o| {
            if !o.hasattr("signed_url")? {
                return Ok(None);
            }
            o.call_method1("signed_url", (key, expires_in.as_secs()))?
                .extract::<String>()
                .map(Some)
        })?;
        let Some(text) = text else {
            return Err(StorageError::Unsupported {
                provider: EMBEDDER_PROVIDER,
                operation: "signed URLs",
            });
        };
        url::Url::parse(&text).map_err(|e| StorageError::Backend {
            provider: EMBEDDER_PROVIDER,
            message: format!("the storage object's signed_url gave {text:?}: {e}"),
        })
    }
}

impl Storage {
    /// Runs a blocking client call with the GIL released.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&StorageClient) -> Result<T, activity_core::Error> + Send,
    ) -> PyResult<T> {
        py.detach(|| f(&self.client)).py_err()
    }
}

#[pymethods]
impl Storage {
    /// A provider from the environment (`env=None`) or from a dict of the same variable names
    /// (`FILE_PROVIDER`, `AWS_S3_BUCKET`, …). Every problem is named in the `ConfigError`.
    #[staticmethod]
    #[pyo3(signature = (env_json=None))]
    fn open(env_json: Option<&str>) -> PyResult<Storage> {
        // The Python package passes a dict as JSON: the core's one rule for values.
        let config = match env_json {
            None => ProviderConfig::from_env(),
            Some(json) => ProviderConfig::from_json_str(json),
        }
        .map_err(StorageError::from)
        .py_err()?;
        wrap(Arc::from(open(&config).py_err()?))
    }

    /// The product's own storage object, each call given at most `timeout` seconds.
    #[staticmethod]
    #[pyo3(signature = (obj, timeout=60.0))]
    fn from_object(obj: &Bound<'_, PyAny>, timeout: f64) -> PyResult<Storage> {
        for method in ["put", "get", "head", "delete"] {
            if !obj.hasattr(method)? || !obj.getattr(method)?.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "a storage object needs a callable {method}() method"
                )));
            }
        }
        let timeout = Duration::try_from_secs_f64(timeout)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or(())
            .map_err(|()| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "timeout must be positive, got {timeout}"
                ))
            })?;
        let adapter = ObjectAdapter {
            obj: obj.clone().unbind(),
        };
        wrap(Arc::new(BlockingAdapter::new(Arc::new(adapter), timeout)))
    }

    /// `LOCAL`, `S3`, `WASABI`, `DIGITALOCEAN`, `CLOUDINARY` or `EMBEDDER`.
    #[getter]
    fn provider(&self) -> &'static str {
        self.client.storage().provider()
    }

    fn put(&self, py: Python<'_>, key: String, data: Vec<u8>) -> PyResult<()> {
        self.run(py, |c| c.put(&key, data))
    }

    fn get<'py>(&self, py: Python<'py>, key: String) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.run(py, |c| c.get(&key))?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn head(&self, py: Python<'_>, key: String) -> PyResult<Option<u64>> {
        Ok(self.run(py, |c| c.head(&key))?.map(|i| i.size))
    }

    fn delete(&self, py: Python<'_>, key: String) -> PyResult<()> {
        self.run(py, |c| c.delete(&key))
    }

    fn signed_url(&self, py: Python<'_>, key: String, expires_seconds: u64) -> PyResult<String> {
        let u = self.run(py, |c| {
            c.signed_url(&key, Duration::from_secs(expires_seconds))
        })?;
        Ok(u.to_string())
    }

    fn __repr__(&self) -> String {
        format!("Storage(provider={:?})", self.client.storage().provider())
    }
}
