//! NDJSON encoding of task rows.

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use arrow_array::{
    Array, ArrayRef, BooleanArray, ListArray, RecordBatch, StringArray, StructArray,
    TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, Fields};
use ssoimport_schema::text::{STRING_SPECIAL, string_specials};
use ssoimport_schema::time::write_iso_millis;

/// Appends row `row` of `batch` (in a task's Arrow schema) to `out` as one JSON object followed by `\n`.
/// Null fields are left out; a nested object whose fields are all null is left out.
pub fn write_row(batch: &RecordBatch, row: usize, out: &mut Vec<u8>) {
    Members::of(batch.schema().fields(), batch.columns()).write_object(row, out);
    out.push(b'\n');
}

/// Appends every row of `batch`, returning the end offset (in `out`) of each line.
pub fn write_batch(batch: &RecordBatch, out: &mut Vec<u8>, line_ends: &mut Vec<usize>) {
    // Columns are resolved to their concrete arrays and keys encoded once per batch, not once per value.
    let members = Members::of(batch.schema().fields(), batch.columns());
    line_ends.reserve(batch.num_rows());
    for row in 0..batch.num_rows() {
        members.write_object(row, out);
        out.push(b'\n');
        line_ends.push(out.len());
    }
}

/// The members of an object: each column with its key already encoded (`"name":`).
struct Members<'a>(Vec<(Vec<u8>, Column<'a>)>);

/// A column resolved to its concrete array.
enum Column<'a> {
    Text(&'a StringArray),
    Time(&'a TimestampMillisecondArray),
    Flag(&'a BooleanArray),
    TextList(&'a ListArray),
    Object(&'a StructArray, Members<'a>),
}

impl<'a> Members<'a> {
    fn of(fields: &Fields, columns: &'a [ArrayRef]) -> Self {
        Members(
            fields
                .iter()
                .zip(columns)
                .map(|(field, column)| {
                    let mut key = Vec::with_capacity(field.name().len() + 3);
                    write_str(field.name(), &mut key);
                    key.push(b':');
                    (key, Column::of(field, column))
                })
                .collect(),
        )
    }

    /// Writes the non-null members of `row` as `{...}`.
    fn write_object(&self, row: usize, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for (key, column) in &self.0 {
            if !column.present(row) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(key);
            column.write(row, out);
        }
        out.push(b'}');
    }
}

impl<'a> Column<'a> {
    fn of(field: &Field, column: &'a ArrayRef) -> Self {
        match field.data_type() {
            DataType::Utf8 => Column::Text(column.as_string::<i32>()),
            DataType::Timestamp(_, _) => Column::Time(column.as_primitive::<TimestampMillisecondType>()),
            DataType::Boolean => Column::Flag(column.as_boolean()),
            DataType::List(_) => Column::TextList(column.as_list::<i32>()),
            DataType::Struct(children) => {
                let st = column.as_struct();
                Column::Object(st, Members::of(children, st.columns()))
            }
            other => unreachable!("task schemas hold no {other} fields"),
        }
    }

    /// Whether the member is written: not null, and for an object, not all of its fields null.
    fn present(&self, row: usize) -> bool {
        match self {
            Column::Text(a) => a.is_valid(row),
            Column::Time(a) => a.is_valid(row),
            Column::Flag(a) => a.is_valid(row),
            Column::TextList(a) => a.is_valid(row),
            Column::Object(a, members) => a.is_valid(row) && members.0.iter().any(|(_, c)| c.is_valid(row)),
        }
    }

    fn is_valid(&self, row: usize) -> bool {
        match self {
            Column::Text(a) => a.is_valid(row),
            Column::Time(a) => a.is_valid(row),
            Column::Flag(a) => a.is_valid(row),
            Column::TextList(a) => a.is_valid(row),
            Column::Object(a, _) => a.is_valid(row),
        }
    }

    fn write(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            Column::Text(a) => write_str(a.value(row), out),
            Column::Time(a) => {
                out.push(b'"');
                write_iso_millis(a.value(row), out);
                out.push(b'"');
            }
            Column::Flag(a) => out.extend_from_slice(if a.value(row) { b"true" } else { b"false" }),
            Column::TextList(a) => {
                let list = a.value(row);
                let items = list.as_string::<i32>();
                out.push(b'[');
                for i in 0..items.len() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(items.value(i), out);
                }
                out.push(b']');
            }
            Column::Object(_, members) => members.write_object(row, out),
        }
    }
}

/// Whether any byte of `bytes` must be escaped: sixteen at a time with SIMD compares when there are as many (the
/// last sixteen overlapping those before), else through the table.
fn needs_escape(bytes: &[u8]) -> bool {
    let Some(last) = bytes.last_chunk::<16>() else {
        return bytes
            .iter()
            .fold(false, |any, &b| any | STRING_SPECIAL[usize::from(b)]);
    };
    let special = |chunk: &[u8; 16]| string_specials(chunk) != 0;
    bytes.as_chunks::<16>().0.iter().any(special) || special(last)
}

/// Appends `s` as a JSON string literal.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Nearly every value needs no escape: check without branching per byte, then copy it whole.
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    // The special bytes found sixteen at a time (a record's excerpt in a reject holds a quote every few bytes;
    // stepping byte by byte was most of a reject-heavy export's string writing).
    let mut start = 0;
    let (chunks, tail) = bytes.as_chunks::<16>();
    for (n, chunk) in chunks.iter().enumerate() {
        let mut specials = string_specials(chunk);
        while specials != 0 {
            let i = n * 16 + specials.trailing_zeros() as usize;
            specials &= specials - 1;
            escape_at(bytes, i, &mut start, out);
        }
    }
    let base = chunks.len() * 16;
    for (k, &b) in tail.iter().enumerate() {
        if STRING_SPECIAL[usize::from(b)] {
            escape_at(bytes, base + k, &mut start, out);
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends the bytes from `start` up to the special byte at `i`, then its escape; the next run starts after it.
#[inline(always)]
fn escape_at(bytes: &[u8], i: usize, start: &mut usize, out: &mut Vec<u8>) {
    let b = bytes[i];
    out.extend_from_slice(&bytes[*start..i]);
    let escape: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        _ => b"",
    };
    if escape.is_empty() {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(b >> 4) as usize],
            HEX[(b & 15) as usize],
        ]);
    } else {
        out.extend_from_slice(escape);
    }
    *start = i + 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_like_json() {
        for s in [
            "plain",
            "quote \" back \\ slash",
            "tab\tnew\nline\r",
            "\u{1}\u{1f}",
            "ünïcødé 👍",
            // Several in one sixteen-byte step, and in the last few bytes: a record's excerpt.
            r#"{"actor":{"id":"00u1","type":"User"},"x":"a\b"}"#,
        ] {
            let mut out = Vec::new();
            write_str(s, &mut out);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
        let mut out = Vec::new();
        write_str("\"a\"\\b\u{7}\n\"", &mut out);
        assert_eq!(out, br#""\"a\"\\b\u0007\n\"""#);
    }

    #[test]
    fn a_byte_to_escape_is_found_wherever_it_stands() {
        // Lengths around the sixteen-byte steps, the byte at every place (the overlapping last step included).
        for len in 0..48 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{0}', '\u{1f}'] {
                    let s: String = (0..len).map(|i| if i == at { special } else { 'x' }).collect();
                    assert!(needs_escape(s.as_bytes()), "{s:?}");
                    let mut out = Vec::new();
                    write_str(&s, &mut out);
                    assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), s);
                }
            }
            let plain: String = (0..len).map(|i| ['x', ' ', '\u{7f}', 'é'][i % 4]).collect();
            assert!(!needs_escape(plain.as_bytes()), "{plain:?}");
        }
    }
}
