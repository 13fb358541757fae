/// Whether `text` is shaped like an email address: one `@`, a non-empty local part without spaces, and a domain
/// of at least two non-empty dot-separated labels of letters, digits and hyphens (any script, for IDNs).
pub fn is_email(text: &str) -> bool {
    // Every row's email is checked, and nearly all are ASCII: those in one pass over the bytes.
    if let Some(ok) = ascii_email(text.as_bytes()) {
        return ok;
    }
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

/// What a byte is to [`ascii_email`]. The local part takes any ASCII but [`BAD`] bytes; the domain only
/// [`LETTER`], [`DIGIT`], [`HYPHEN`] and [`DOT`].
const OTHER: u8 = 0;
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const HYPHEN: u8 = 3;
const DOT: u8 = 4;
const AT: u8 = 5;
/// Never in the local part: controls, space, `,;<>"`.
const BAD: u8 = 6;
const NOT_ASCII: u8 = 7;
const CLASSES: [u8; 256] = {
    let mut classes = [OTHER; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        classes[c] = match b {
            b'a'..=b'z' | b'A'..=b'Z' => LETTER,
            b'0'..=b'9' => DIGIT,
            b'-' => HYPHEN,
            b'.' => DOT,
            b'@' => AT,
            0..=b' ' | 0x7f | b',' | b';' | b'<' | b'>' | b'"' => BAD,
            0x80.. => NOT_ASCII,
            _ => OTHER,
        };
        c += 1;
    }
    classes
};

/// [`is_email`] of ASCII text in one pass (the local part up to the only `@`, then the domain label by label);
/// `None` at the first byte that is not ASCII.
fn ascii_email(b: &[u8]) -> Option<bool> {
    // The local part: no dot first, last or twice in a row.
    let mut previous = DOT;
    let mut i = 0;
    loop {
        let class = CLASSES[usize::from(*b.get(i)?)];
        match class {
            AT => break,
            BAD => return Some(false),
            NOT_ASCII => return None,
            DOT if previous == DOT => return Some(false),
            _ => {}
        }
        previous = class;
        i += 1;
    }
    if i == 0 || i > 64 || previous == DOT || b.len() - i - 1 > 253 {
        return Some(false);
    }
    // The domain: labels of letters, digits and hyphens, not empty, not starting or ending with a hyphen; at
    // least two, the last all letters or an IDN's `xn--` label.
    let mut labels = 0;
    let mut label_start = i + 1;
    let mut letters_only = true;
    for (j, &c) in b.iter().enumerate().skip(i + 1) {
        match CLASSES[usize::from(c)] {
            DOT if j == label_start || b[j - 1] == b'-' => return Some(false),
            DOT => {
                labels += 1;
                label_start = j + 1;
                letters_only = true;
            }
            LETTER => {}
            DIGIT => letters_only = false,
            HYPHEN if j != label_start => letters_only = false,
            NOT_ASCII => return None,
            // A second `@`, a hyphen starting a label, anything else.
            _ => return Some(false),
        }
    }
    let last = &b[label_start..];
    Some(
        !last.is_empty()
            && !last.ends_with(b"-")
            && labels >= 1
            && (letters_only || last.starts_with(b"xn--")),
    )
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

    #[test]
    fn agrees_with_the_reference_on_random_longer_strings() {
        let alphabet = [
            "a", "Z", "x", "n", "-", "--", "xn--", "@", ".", "..", "1", " ", "\"", "<", ";", "_", "+",
            "\u{e9}", "\u{7f}", "com", "example.", ".co",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut count = 0;
        for _ in 0..300_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut n = state;
            for _ in 0..(n % 9) + 1 {
                n /= 9;
                text.push_str(alphabet[(n % alphabet.len() as u64) as usize]);
                n /= alphabet.len() as u64;
                if n == 0 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    n = state;
                }
            }
            assert_eq!(is_email(&text), reference(&text), "{text:?}");
            count += usize::from(is_email(&text));
        }
        assert!(count > 100, "{count} emails among the strings");
        let long_local = format!("{}@example.com", "a".repeat(64));
        let too_long = format!("{}@example.com", "a".repeat(65));
        let long_domain = format!("a@{}.com", "b".repeat(249));
        let too_long_domain = format!("a@{}.com", "b".repeat(250));
        for text in [long_local, too_long, long_domain, too_long_domain] {
            assert_eq!(is_email(&text), reference(&text), "{text:?}");
        }
    }
}
