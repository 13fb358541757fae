/// Whether `text` is shaped like an email address: one `@`, a non-empty local part without spaces, and a domain
/// of at least two non-empty dot-separated labels of letters, digits and hyphens (any script, for IDNs).
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.len() > 253 || domain.contains('@') {
        return false;
    }
    if local
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"'))
    {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn emails_and_not_emails() {
        for ok in [
            "a@b.co",
            "ann.lee+sso@example.com",
            "x@sub.example.co.uk",
            "jörg@müller.de",
            "a_b@corp-1.io",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "ann@example",
            "ann@@example.com",
            "ann lee@example.com",
            "ann@example..com",
            "ann@-example.com",
            ".ann@example.com",
            "8f2c1a7e-0000-4000-8000-000000000000",
            "ann@example.c0m",
            "ann@127.0.0.1",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
