//! The package's exceptions: one per kind of failure the library tells
//! apart ([`marketrank::job::JobError`]), with the CLI's messages
//! (`file:line: reason`, `table, row R: reason`).

use marketrank::job::JobError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _marketrank,
    MarketrankError,
    PyException,
    "Base class of marketrank's errors."
);
create_exception!(_marketrank, InputError, MarketrankError, "Bad input: a file line or table row that does not follow the format (the message names it), or an input that cannot be used.");
create_exception!(
    _marketrank,
    SnapshotError,
    MarketrankError,
    "A snapshot that cannot be read or written (missing, damaged, truncated, of another version)."
);
create_exception!(_marketrank, MemoryLimitError, MarketrankError, "A run refused before it started: it would not fit in the memory limit (`max_memory`, or the memory available).");
create_exception!(
    _marketrank,
    ConfigError,
    MarketrankError,
    "Parameters out of range or contradicting each other or the input."
);

/// The Python exception of a snapshot error.
pub fn snapshot_error(e: marketrank::SnapshotError) -> PyErr {
    SnapshotError::new_err(e.to_string())
}

/// The Python exception of a job error.
pub fn job_error(e: JobError) -> PyErr {
    let text = e.to_string();
    match e {
        JobError::Input(_) | JobError::GraphCache(_) => InputError::new_err(text),
        JobError::Snapshot(_) => SnapshotError::new_err(text),
        JobError::Memory(_) => MemoryLimitError::new_err(text),
        JobError::Parameter(_) | JobError::Config(_) | JobError::OutputIsInput { .. } => {
            ConfigError::new_err(text)
        }
        _ => MarketrankError::new_err(text),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MarketrankError", py.get_type::<MarketrankError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SnapshotError", py.get_type::<SnapshotError>())?;
    m.add("MemoryLimitError", py.get_type::<MemoryLimitError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    Ok(())
}
