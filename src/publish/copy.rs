//! PostgreSQL's binary `COPY` format, written by hand: a row is a field
//! count and, per field, a length and the value's bytes in network order
//! (`float8` as its IEEE bits, `int8` big-endian, `text` as UTF-8,
//! `timestamptz` as microseconds since 2000-01-01). The `postgres` crate's
//! `BinaryCopyInWriter` does the same through a `&dyn ToSql` per value;
//! this writer appends straight into a buffer, which is what a COPY of
//! users × markets rows spends its time on. Binary rather than text: no
//! float printed and re-parsed (the table holds the snapshot's exact
//! values), no escaping of ids that hold tabs or backslashes.

use std::io::{self, Write};

/// The 11-byte signature, flags and header-extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const PG_EPOCH_UNIX: i64 = 946_684_800;

/// Bytes buffered before they go to the server.
const FLUSH_AT: usize = 1 << 20;

/// Rows in binary COPY format over any writer (the client's `CopyInWriter`).
pub struct BinaryCopy<W: Write> {
    out: W,
    buf: Vec<u8>,
    fields: u16,
    rows: u64,
}

impl<W: Write> BinaryCopy<W> {
    /// Starts the stream: rows of `fields` fields each follow.
    pub fn new(out: W, fields: u16) -> BinaryCopy<W> {
        let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
        buf.extend_from_slice(HEADER);
        BinaryCopy {
            out,
            buf,
            fields,
            rows: 0,
        }
    }

    /// Begins a row; its [`fields`](Self::new) values must follow.
    pub fn row(&mut self) -> io::Result<&mut Self> {
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.rows += 1;
        self.buf
            .extend_from_slice(&(self.fields as i16).to_be_bytes());
        Ok(self)
    }

    /// A `text` value.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.buf.extend_from_slice(&(s.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    /// A `float8` value.
    pub fn float8(&mut self, v: f64) -> &mut Self {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// An `int8` value.
    pub fn int8(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// A `timestamptz` at `unix` seconds.
    pub fn timestamptz(&mut self, unix: i64) -> &mut Self {
        self.int8((unix - PG_EPOCH_UNIX) * 1_000_000)
    }

    /// SQL `NULL`.
    pub fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    /// Ends the stream (the trailer) and hands back the writer and the
    /// number of rows written.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok((self.out, self.rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_laid_out_as_postgres_reads_them() {
        let mut c = BinaryCopy::new(Vec::new(), 3);
        c.row().unwrap().text("ab").float8(1.5).null();
        c.row()
            .unwrap()
            .text("")
            .int8(-2)
            .timestamptz(PG_EPOCH_UNIX + 1);
        let (bytes, rows) = c.finish().unwrap();
        assert_eq!(rows, 2);
        let mut want = HEADER.to_vec();
        want.extend([0, 3, 0, 0, 0, 2, b'a', b'b', 0, 0, 0, 8]);
        want.extend(1.5f64.to_be_bytes());
        want.extend([0xff, 0xff, 0xff, 0xff]);
        want.extend([0, 3, 0, 0, 0, 0, 0, 0, 0, 8]);
        want.extend((-2i64).to_be_bytes());
        want.extend([0, 0, 0, 8]);
        want.extend(1_000_000i64.to_be_bytes());
        want.extend([0xff, 0xff]);
        assert_eq!(bytes, want);
    }
}
