/// Whether `text` is shaped like an email address: one `@`, a non-empty local part without spaces, and a domain
/// of at least two non-empty dot-separated labels of letters, digits and hyphens (any script, for IDNs).
pub fn is_email(text: &str) -> bool {
    // The `@`s found by a plain loop over the bytes: for strings this short, a searcher's call costs more.
    let mut ats = text
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'@')
        .map(|(i, _)| i);
    let (Some(at), None) = (ats.next(), ats.next()) else {
        return false;
    };
    let (local, domain) = (&text[..at], &text[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.len() > 253 {
        return false;
    }
    // Every row's email is checked: ASCII (nearly all) byte by byte, anything else by character.
    let bad_local = if local.is_ascii() {
        local
            .bytes()
            .any(|b| b <= b' ' || b == 0x7f || matches!(b, b',' | b';' | b'<' | b'>' | b'"'))
    } else {
        local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"'))
    };
    let double_dot = local.as_bytes().windows(2).any(|pair| pair == b"..");
    if bad_local || local.starts_with('.') || local.ends_with('.') || double_dot {
        return false;
    }
    // The labels are checked as they come, without collecting them.
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        let characters_ok = if label.is_ascii() {
            label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        } else {
            label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') || !characters_ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && (last.chars().all(char::is_alphabetic) || last.starts_with("xn--"))
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
            "désirée@example.fr",
            "x@xn--mller-kva.de",
            "a@b.xn--p1ai",
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
            "ann\tlee@example.com",
            "ann\u{7f}@example.com",
            "ann\u{a0}lee@example.com",
            "ann\u{85}@example.com",
            "a<b@example.com",
            "ann.@example.com",
            "ann@example.com-",
            "ann@example.-com",
            "ann@.example.com",
            "ann@example.com.",
            "ann@exa_mple.com",
            "ann@exämple.cöm1",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    /// The check as first written (collecting the labels, walking characters), as the reference.
    fn reference(text: &str) -> bool {
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

    #[test]
    fn agrees_with_the_reference_on_every_short_string() {
        let alphabet = [
            'a', '@', '.', '-', ' ', '\t', '\u{e9}', '\u{a0}', '1', '_', ',', '\u{7f}',
        ];
        let mut text = String::new();
        let mut count = 0;
        for len in 0..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_eq!(is_email(&text), reference(&text), "{text:?}");
                count += usize::from(is_email(&text));
            }
        }
        assert!(count > 20, "{count} emails among the strings");
    }
}
