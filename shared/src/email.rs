//! Email addresses as usernames: normalised first (Unicode NFKC, trimmed, lower-cased),
//! then validated, so that look-alike and composed forms cannot slip past the checks
//! (the lesson of NextAuth's GHSA-7rqj-j65f-68wh) and comma or quote tricks cannot
//! address two mailboxes (CVE-2022-35924, GHSA-5jpx-9hw9-2fx4).

use unicode_normalization::UnicodeNormalization;

/// Beyond Identity's limit for a username.
pub const MAX_LEN: usize = 64;

/// The normalised address, or what is wrong with it, in words.
pub fn normalize(raw: &str) -> Result<String, &'static str> {
    let address: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    if address.is_empty() {
        return Err("Enter an email address.");
    }
    if address.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("An email address cannot contain spaces or control characters.");
    }
    if address.contains('"') {
        return Err("Quoted email addresses are not accepted.");
    }
    if address.matches('@').count() != 1 {
        return Err("An email address must contain exactly one @.");
    }
    if address.chars().count() > MAX_LEN {
        return Err(
            "This email address is longer than 64 characters, the most a username can have.",
        );
    }
    let (local, domain) = address
        .split_once('@')
        .ok_or("An email address must contain exactly one @.")?;
    if local.is_empty() || domain.is_empty() {
        return Err("An email address needs a name before the @ and a domain after it.");
    }
    let local_ok = local
        .chars()
        .all(|c| c.is_alphanumeric() || "._-+'&".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if !local_ok {
        return Err("The part before the @ may use letters, digits and . _ - + ' & only.");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !domain_ok {
        return Err("The domain after the @ is not valid (for example example.com).");
    }
    Ok(address)
}

/// Providers that ignore dots in the part before the @ (and the domain they alias).
const DOTLESS_DOMAINS: &[(&str, &str)] =
    &[("gmail.com", "gmail.com"), ("googlemail.com", "gmail.com")];

/// The mailbox a normalised address reaches, for rate limiting only (never stored, never
/// sent): a `+tag` is dropped (`victim+1@…` reaches `victim@…`), and for providers that
/// ignore dots in the name (Gmail) so are the dots. Every variant of one mailbox then
/// shares one per-address limit.
pub fn mailbox_key(address: &str) -> String {
    let Some((local, domain)) = address.split_once('@') else {
        return address.to_owned();
    };
    let local = local.split('+').next().unwrap_or(local);
    match DOTLESS_DOMAINS.iter().find(|(d, _)| *d == domain) {
        Some((_, canonical)) => format!("{}@{canonical}", local.replace('.', "")),
        None => format!("{local}@{domain}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_before_they_are_checked() {
        assert_eq!(
            normalize("  Alice@Example.COM "),
            Ok("alice@example.com".into())
        );
        // Fullwidth letters and a fullwidth @ (U+FF20) become their ASCII forms first.
        assert_eq!(
            normalize("ａｌｉｃｅ＠example.com"),
            Ok("alice@example.com".into())
        );
        assert_eq!(
            normalize("o'neil+news@example.co.uk"),
            Ok("o'neil+news@example.co.uk".into())
        );
        assert_eq!(normalize("josé@exämple.com"), Ok("josé@exämple.com".into()));
    }

    #[test]
    fn tricks_and_malformed_addresses_are_refused_with_a_reason() {
        for bad in [
            "",
            "   ",
            "alice",
            "a@b@example.com",
            "alice@evil.com@example.com",
            "alice@example.com,bob@example.com",
            "\"alice@evil.com\"@example.com",
            "alice @example.com",
            "alice@exa\nmple.com",
            "alice\u{0}@example.com",
            "@example.com",
            "alice@",
            "alice@localhost",
            "alice@-example.com",
            "alice@example..com",
            ".alice@example.com",
            "al..ice@example.com",
            "a!b@example.com",
            "a=b@example.com",
            "a#b@example.com",
            "a/b@example.com",
            "a%b@example.com",
            "a;b@example.com",
            "a<b>@example.com",
            "alice@exa_mple.com",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(60));
        assert!(normalize(&long).expect_err("too long").contains("64"));
        // Exactly 64 characters is the most a username can have, and is accepted.
        let longest = format!("{}@example.com", "a".repeat(52));
        assert_eq!(longest.chars().count(), MAX_LEN);
        assert_eq!(normalize(&longest), Ok(longest.clone()));
        // A space (not a control character) and a control character (not a space) are
        // each refused for what they are.
        for (bad, what) in [
            ("alice @example.com", "space"),
            ("ali\u{1}ce@example.com", "control"),
        ] {
            assert!(
                normalize(bad)
                    .expect_err(what)
                    .contains("spaces or control characters"),
                "{bad:?}"
            );
        }
        assert!(
            normalize("x@y@z.com")
                .expect_err("two @")
                .contains("exactly one @")
        );
    }

    #[test]
    fn variants_of_one_mailbox_share_one_key() {
        let key = |a: &str| mailbox_key(&normalize(a).expect("valid"));
        assert_eq!(key("victim+1@example.com"), "victim@example.com");
        assert_eq!(key("victim+a+b@example.com"), "victim@example.com");
        assert_eq!(key("Vic.Tim+x@gmail.com"), "victim@gmail.com");
        assert_eq!(key("v.i.c.t.i.m@googlemail.com"), "victim@gmail.com");
        // Elsewhere dots can name other people.
        assert_eq!(key("first.last@example.com"), "first.last@example.com");
        assert_ne!(key("firstlast@example.com"), key("first.last@example.com"));
        assert_eq!(key("+only@example.com"), "@example.com");
    }
}
