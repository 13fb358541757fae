//! The `fileName` of each part's SaaS data object.

/// The SaaS data `fileName` of part `index` of `task` whose gzip bytes have MD5 `md5` (lower-case hex):
/// `ssoimport-<task>-<first 12 hex of the MD5>-<index, 5 digits>.jsonl.gz`.
///
/// The name depends only on the part's content and place, so a rerun (or a second run over the same data) names
/// the same file the same way, and the server's uniqueness rule on names catches a second upload of the same
/// bytes; the MD5 keeps different data apart.
///
/// ```
/// use ssoimport_upload::client::file_name;
///
/// assert_eq!(
///     file_name("SsoApplicationUsage", 3, "912ec803b2ce49e4a541068d495ab570"),
///     "ssoimport-SsoApplicationUsage-912ec803b2ce-00003.jsonl.gz"
/// );
/// ```
pub fn file_name(task: &str, index: usize, md5: &str) -> String {
    let short: String = md5
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .take(12)
        .collect();
    format!("ssoimport-{task}-{short}-{index:05}.jsonl.gz")
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn names_are_deterministic_unique_and_short() {
        let a = file_name("SsoApplicationRoster", 0, "0123456789abcdef0123456789abcdef");
        assert_eq!(a, "ssoimport-SsoApplicationRoster-0123456789ab-00000.jsonl.gz");
        assert_eq!(
            a,
            file_name("SsoApplicationRoster", 0, "0123456789abcdef0123456789abcdef")
        );
        assert_ne!(
            a,
            file_name("SsoApplicationRoster", 1, "0123456789abcdef0123456789abcdef")
        );
        assert_ne!(
            a,
            file_name("SsoApplicationRoster", 0, "1123456789abcdef0123456789abcdef")
        );
        assert_ne!(
            a,
            file_name("ApplicationDiscovery", 0, "0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            file_name("X", 7, "ABCDEF0123456789ABCDEF0123456789"),
            "ssoimport-X-abcdef012345-00007.jsonl.gz"
        );
        // The API takes names of at most 150 characters.
        assert!(file_name("SsoApplicationRoster", 99_999, &"f".repeat(32)).len() <= 150);
    }
}
