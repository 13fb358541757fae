//! NDJSON encoding of task rows.

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMillisecondType;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field};
use ssoimport_schema::time::write_iso_millis;

/// Appends row `row` of `batch` (in a task's Arrow schema) to `out` as one JSON object followed by `\n`.
/// Null fields are left out; a nested object whose fields are all null is left out.
pub fn write_row(batch: &RecordBatch, row: usize, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        write_member(field, column, row, &mut first, out);
    }
    out.extend_from_slice(b"}\n");
}

/// Appends every row of `batch`, returning the end offset (in `out`) of each line.
pub fn write_batch(batch: &RecordBatch, out: &mut Vec<u8>, line_ends: &mut Vec<usize>) {
    for row in 0..batch.num_rows() {
        write_row(batch, row, out);
        line_ends.push(out.len());
    }
}

fn write_member(field: &Field, column: &ArrayRef, row: usize, first: &mut bool, out: &mut Vec<u8>) {
    if column.is_null(row) {
        return;
    }
    if let DataType::Struct(_) = field.data_type() {
        let st = column.as_struct();
        if st.columns().iter().all(|c| c.is_null(row)) {
            return;
        }
    }
    if !*first {
        out.push(b',');
    }
    *first = false;
    write_str(field.name(), out);
    out.push(b':');
    write_value(field, column, row, out);
}

fn write_value(field: &Field, column: &ArrayRef, row: usize, out: &mut Vec<u8>) {
    match field.data_type() {
        DataType::Utf8 => write_str(column.as_string::<i32>().value(row), out),
        DataType::Timestamp(_, _) => {
            out.push(b'"');
            write_iso_millis(column.as_primitive::<TimestampMillisecondType>().value(row), out);
            out.push(b'"');
        }
        DataType::Boolean => {
            out.extend_from_slice(if column.as_boolean().value(row) {
                b"true"
            } else {
                b"false"
            });
        }
        DataType::List(_) => {
            let list = column.as_list::<i32>().value(row);
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
        DataType::Struct(children) => {
            let st = column.as_struct();
            out.push(b'{');
            let mut first = true;
            for (child, values) in children.iter().zip(st.columns()) {
                write_member(child, values, row, &mut first, out);
            }
            out.push(b'}');
        }
        other => unreachable!("task schemas hold no {other} fields"),
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
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
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
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
        ] {
            let mut out = Vec::new();
            write_str(s, &mut out);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }
}
