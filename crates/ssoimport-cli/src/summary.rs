//! The run summary printed at the end of `convert`.

use std::fmt::Write;
use std::path::Path;

use ssoimport::RunSummary;

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The summary of a run that wrote to `out_dir`; `readers` are the names `--source` takes, offered when nothing
/// was accepted.
pub(crate) fn render(summary: &RunSummary, out_dir: &Path, readers: &[&str]) -> String {
    let m = &summary.manifest;
    let c = &m.counts;
    let secs = summary.elapsed.as_secs_f64().max(1e-6);
    let mb = summary.bytes_read as f64 / 1e6;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "read {} records from {} input{} ({mb:.1} MB) in {secs:.2} s: {:.1} MB/s, {} records/s",
        thousands(c.read),
        m.inputs.len(),
        if m.inputs.len() == 1 { "" } else { "s" },
        mb / secs,
        thousands((c.read as f64 / secs) as u64),
    );
    let _ = writeln!(s, "  accepted    {:>12}", thousands(c.accepted));
    let _ = writeln!(s, "  filtered    {:>12}", thousands(c.filtered));
    let _ = writeln!(s, "  duplicates  {:>12}", thousands(c.duplicates));
    let by_code: Vec<String> = m
        .rejects_by_code
        .iter()
        .map(|(code, n)| format!("{code} {}", thousands(*n)))
        .collect();
    if c.rejected > 0 {
        let _ = writeln!(
            s,
            "  rejected    {:>12}  ({}), see {}",
            thousands(c.rejected),
            by_code.join(", "),
            out_dir.join("rejects.jsonl").display()
        );
    } else {
        let _ = writeln!(s, "  rejected    {:>12}", 0);
    }
    if c.accepted == 0 && c.rejected > 0 {
        // Most often the wrong reader for the files (or files that are not exports at all): say which reader
        // read them, since `auto` chose it unseen.
        let mut sources: Vec<&str> = m.inputs.iter().map(|input| input.source.as_str()).collect();
        sources.sort_unstable();
        sources.dedup();
        let _ = writeln!(
            s,
            "  nothing was accepted: the inputs were read as {};\n  if that is the wrong reader, name the \
             right one with --source ({})",
            sources.join(", "),
            readers.join(", ")
        );
    }
    for task in &m.tasks {
        let _ = writeln!(
            s,
            "  {:<22} {:>10} rows in {} part{} ({} load)",
            task.task,
            thousands(task.rows),
            task.parts.len(),
            if task.parts.len() == 1 { "" } else { "s" },
            task.load_type
        );
    }
    let _ = writeln!(s, "manifest: {}", out_dir.join("manifest.json").display());
    s
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
