//! The Arrow C data and stream interfaces, export side only: what
//! `__arrow_c_array__` / `__arrow_c_stream__` hand to polars, pyarrow and
//! DuckDB (the Arrow PyCapsule interface), so they take a table without a
//! copy and without this package depending on pyarrow or on Arrow's Rust
//! crates (the structs below are the whole ABI: arrow.apache.org,
//! "The Arrow C data interface").
//!
//! A column's buffers are either owned here (`Vec`s built for it) or
//! borrowed from a mapped snapshot, kept alive by an `Arc` that every
//! exported array holds until its consumer releases it.

use pyo3::ffi;
use pyo3::prelude::*;
use std::any::Any;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Arc;

#[repr(C)]
pub struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

#[repr(C)]
pub struct ArrowArrayStream {
    get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    private_data: *mut c_void,
}

/// Whatever keeps a column's memory alive (its `Vec`s, or the snapshot).
type Keep = Arc<dyn Any + Send + Sync>;

/// The Arrow types exported.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DataType {
    /// `large_utf8`: i64 offsets, UTF-8 bytes.
    LargeUtf8,
    /// `uint32`.
    UInt32,
    /// `int64`.
    Int64,
    /// `float64`.
    Float64,
}

impl DataType {
    fn format(self) -> &'static CStr {
        match self {
            DataType::LargeUtf8 => c"U",
            DataType::UInt32 => c"I",
            DataType::Int64 => c"l",
            DataType::Float64 => c"g",
        }
    }
}

/// One column: a type, a length, its buffers (validity first, always
/// null: no column here has nulls) and what keeps them alive.
pub struct Column {
    pub name: String,
    pub dtype: DataType,
    len: usize,
    buffers: Vec<*const c_void>,
    keep: Keep,
}

// SAFETY: the pointers point into `keep`, which is Send + Sync and lives
// as long as the column; nothing writes through them.
unsafe impl Send for Column {}
unsafe impl Sync for Column {}

impl Column {
    /// A fixed-width column owning its values.
    pub fn owned<T: Copy + Send + Sync + 'static>(
        name: &str,
        dtype: DataType,
        values: Vec<T>,
    ) -> Column {
        let len = values.len();
        let ptr = values.as_ptr() as *const c_void;
        Column {
            name: name.into(),
            dtype,
            len,
            buffers: vec![std::ptr::null(), ptr],
            keep: Arc::new(values),
        }
    }

    /// A fixed-width column borrowing `values` from `keep`.
    ///
    /// # Safety
    /// `values` must stay valid and unchanged while `keep` is alive.
    pub unsafe fn borrowed<T>(name: &str, dtype: DataType, values: &[T], keep: Keep) -> Column {
        let ptr = values.as_ptr() as *const c_void;
        Column {
            name: name.into(),
            dtype,
            len: values.len(),
            buffers: vec![std::ptr::null(), ptr],
            keep,
        }
    }

    /// A `large_utf8` column of owned strings.
    pub fn strings_owned(name: &str, offsets: Vec<i64>, bytes: Vec<u8>) -> Column {
        let len = offsets.len() - 1;
        let b = vec![
            std::ptr::null(),
            offsets.as_ptr() as *const c_void,
            bytes.as_ptr() as *const c_void,
        ];
        Column {
            name: name.into(),
            dtype: DataType::LargeUtf8,
            len,
            buffers: b,
            keep: Arc::new((offsets, bytes)),
        }
    }

    /// A `large_utf8` column borrowing the snapshot's id sections (u64
    /// offsets below 2⁶³ are valid i64 offsets, bit for bit).
    ///
    /// # Safety
    /// The slices must stay valid and unchanged while `keep` is alive.
    pub unsafe fn strings_borrowed(
        name: &str,
        offsets: &[u64],
        bytes: &[u8],
        keep: Keep,
    ) -> Column {
        let b = vec![
            std::ptr::null(),
            offsets.as_ptr() as *const c_void,
            bytes.as_ptr() as *const c_void,
        ];
        Column {
            name: name.into(),
            dtype: DataType::LargeUtf8,
            len: offsets.len() - 1,
            buffers: b,
            keep,
        }
    }
}

/// What a released schema frees.
struct SchemaPrivate {
    _format: &'static CStr,
    _name: CString,
    children: Vec<*mut ArrowSchema>,
}

unsafe extern "C" fn release_schema(s: *mut ArrowSchema) {
    if s.is_null() || (*s).release.is_none() {
        return;
    }
    let private = Box::from_raw((*s).private_data as *mut SchemaPrivate);
    free_children(&private.children, |c| (*c).release);
    (*s).release = None;
}

/// Releases (unless a consumer moved them out) and frees the children of
/// a schema or an array, boxed by [`schema_of`] or [`array_of`].
unsafe fn free_children<T>(
    children: &[*mut T],
    release_of: impl Fn(*mut T) -> Option<unsafe extern "C" fn(*mut T)>,
) {
    for &c in children {
        if let Some(release) = release_of(c) {
            release(c);
        }
        drop(Box::from_raw(c));
    }
}

fn schema_of(format: &'static CStr, name: &str, children: Vec<ArrowSchema>) -> ArrowSchema {
    let name = CString::new(name.replace('\0', "")).expect("NULs removed");
    let mut kids: Vec<*mut ArrowSchema> = children
        .into_iter()
        .map(|c| Box::into_raw(Box::new(c)))
        .collect();
    let private = Box::new(SchemaPrivate {
        _format: format,
        _name: name,
        children: Vec::new(),
    });
    let n = kids.len() as i64;
    let children_ptr = kids.as_mut_ptr();
    let private = Box::into_raw(private);
    // SAFETY: `private` was just made; the children vector moves into it
    // (its heap buffer, which `children_ptr` points to, does not move).
    unsafe {
        (*private).children = kids;
    }
    ArrowSchema {
        format: format.as_ptr(),
        name: unsafe { (*private)._name.as_ptr() },
        metadata: std::ptr::null(),
        // ARROW_FLAG_NULLABLE is left unset: no column has nulls.
        flags: 0,
        n_children: n,
        children: if n == 0 {
            std::ptr::null_mut()
        } else {
            children_ptr
        },
        dictionary: std::ptr::null_mut(),
        release: Some(release_schema),
        private_data: private as *mut c_void,
    }
}

/// The schema of a record batch of `columns` (a struct of them).
fn batch_schema(fields: &[(String, DataType)]) -> ArrowSchema {
    let children = fields
        .iter()
        .map(|(n, t)| schema_of(t.format(), n, Vec::new()))
        .collect();
    schema_of(c"+s", "", children)
}

/// What a released array frees: its buffer pointer list, its children
/// and its share of the memory.
struct ArrayPrivate {
    buffers: Vec<*const c_void>,
    children: Vec<*mut ArrowArray>,
    _keep: Option<Keep>,
}

unsafe extern "C" fn release_array(a: *mut ArrowArray) {
    if a.is_null() || (*a).release.is_none() {
        return;
    }
    let private = Box::from_raw((*a).private_data as *mut ArrayPrivate);
    free_children(&private.children, |c| (*c).release);
    (*a).release = None;
}

fn array_of(
    len: usize,
    buffers: Vec<*const c_void>,
    children: Vec<ArrowArray>,
    keep: Option<Keep>,
) -> ArrowArray {
    let kids: Vec<*mut ArrowArray> = children
        .into_iter()
        .map(|c| Box::into_raw(Box::new(c)))
        .collect();
    let mut private = Box::new(ArrayPrivate {
        buffers,
        children: kids,
        _keep: keep,
    });
    let (nb, bp) = (private.buffers.len() as i64, private.buffers.as_mut_ptr());
    let (nc, cp) = (private.children.len() as i64, private.children.as_mut_ptr());
    ArrowArray {
        length: len as i64,
        null_count: 0,
        offset: 0,
        n_buffers: nb,
        n_children: nc,
        buffers: bp,
        children: if nc == 0 { std::ptr::null_mut() } else { cp },
        dictionary: std::ptr::null_mut(),
        release: Some(release_array),
        private_data: Box::into_raw(private) as *mut c_void,
    }
}

/// A record batch as a struct array: each child holds its own column's
/// memory, so a consumer may keep one child after releasing the rest.
fn batch_array(columns: Vec<Column>) -> ArrowArray {
    let len = columns.first().map_or(0, |c| c.len);
    let children = columns
        .into_iter()
        .map(|c| array_of(c.len, c.buffers, Vec::new(), Some(c.keep)))
        .collect();
    array_of(len, vec![std::ptr::null()], children, None)
}

unsafe extern "C" fn drop_schema_capsule(capsule: *mut ffi::PyObject) {
    let p = ffi::PyCapsule_GetPointer(capsule, c"arrow_schema".as_ptr()) as *mut ArrowSchema;
    if !p.is_null() {
        release_schema(p);
        drop(Box::from_raw(p));
    }
}

unsafe extern "C" fn drop_array_capsule(capsule: *mut ffi::PyObject) {
    let p = ffi::PyCapsule_GetPointer(capsule, c"arrow_array".as_ptr()) as *mut ArrowArray;
    if !p.is_null() {
        release_array(p);
        drop(Box::from_raw(p));
    }
}

unsafe extern "C" fn drop_stream_capsule(capsule: *mut ffi::PyObject) {
    let p =
        ffi::PyCapsule_GetPointer(capsule, c"arrow_array_stream".as_ptr()) as *mut ArrowArrayStream;
    if !p.is_null() {
        if let Some(release) = (*p).release {
            release(p);
        }
        drop(Box::from_raw(p));
    }
}

/// Wraps a boxed struct in a PyCapsule named `name`, freed by `drop`
/// unless a consumer moved it out (set its `release` to null) first.
fn capsule<'py, T>(
    py: Python<'py>,
    value: T,
    name: &'static CStr,
    drop: unsafe extern "C" fn(*mut ffi::PyObject),
) -> PyResult<Bound<'py, PyAny>> {
    let p = Box::into_raw(Box::new(value)) as *mut c_void;
    // SAFETY: `p` is a valid pointer; the capsule owns it from here on.
    unsafe {
        let c = ffi::PyCapsule_New(p, name.as_ptr(), Some(drop));
        Bound::from_owned_ptr_or_err(py, c)
    }
}

/// `__arrow_c_array__` of one column: (schema capsule, array capsule).
pub fn column_capsules(
    py: Python<'_>,
    c: Column,
) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let schema = schema_of(c.dtype.format(), &c.name, Vec::new());
    let array = array_of(c.len, c.buffers, Vec::new(), Some(c.keep));
    Ok((
        capsule(py, schema, c"arrow_schema", drop_schema_capsule)?,
        capsule(py, array, c"arrow_array", drop_array_capsule)?,
    ))
}

/// Makes the batches of a stream, one at a time, on whatever thread the
/// consumer reads from (`None` at the end; `Err` with a message).
pub type Batches = Box<dyn FnMut() -> Option<Result<Vec<Column>, String>> + Send>;

struct StreamPrivate {
    fields: Vec<(String, DataType)>,
    next: Batches,
    error: Option<CString>,
}

unsafe extern "C" fn stream_schema(s: *mut ArrowArrayStream, out: *mut ArrowSchema) -> c_int {
    let p = &*((*s).private_data as *const StreamPrivate);
    out.write(batch_schema(&p.fields));
    0
}

unsafe extern "C" fn stream_next(s: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    let p = &mut *((*s).private_data as *mut StreamPrivate);
    match (p.next)() {
        None => {
            // The end: a released (null) array.
            out.write(ArrowArray {
                length: 0,
                null_count: 0,
                offset: 0,
                n_buffers: 0,
                n_children: 0,
                buffers: std::ptr::null_mut(),
                children: std::ptr::null_mut(),
                dictionary: std::ptr::null_mut(),
                release: None,
                private_data: std::ptr::null_mut(),
            });
            0
        }
        Some(Ok(columns)) => {
            out.write(batch_array(columns));
            0
        }
        Some(Err(e)) => {
            p.error = CString::new(e.replace('\0', "")).ok();
            // EIO: the batch could not be made.
            5
        }
    }
}

unsafe extern "C" fn stream_error(s: *mut ArrowArrayStream) -> *const c_char {
    let p = &*((*s).private_data as *const StreamPrivate);
    p.error.as_ref().map_or(std::ptr::null(), |e| e.as_ptr())
}

unsafe extern "C" fn stream_release(s: *mut ArrowArrayStream) {
    if s.is_null() || (*s).release.is_none() {
        return;
    }
    drop(Box::from_raw((*s).private_data as *mut StreamPrivate));
    (*s).release = None;
}

/// `__arrow_c_stream__`: a stream of record batches of `fields`, made by
/// `next` as the consumer asks for them.
pub fn stream_capsule(
    py: Python<'_>,
    fields: Vec<(String, DataType)>,
    next: Batches,
) -> PyResult<Bound<'_, PyAny>> {
    let private = Box::new(StreamPrivate {
        fields,
        next,
        error: None,
    });
    let stream = ArrowArrayStream {
        get_schema: Some(stream_schema),
        get_next: Some(stream_next),
        get_last_error: Some(stream_error),
        release: Some(stream_release),
        private_data: Box::into_raw(private) as *mut c_void,
    };
    capsule(py, stream, c"arrow_array_stream", drop_stream_capsule)
}
