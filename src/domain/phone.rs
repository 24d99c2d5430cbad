//! E.164 phone numbers as operators type them, split the way the Graph API wants them
//! (`cc` and `phone_number` without the country code).

use std::fmt;

/// An E.164 number split into country calling code and national significant number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct E164 {
    /// Country calling code digits, e.g. `"49"`.
    pub country_code: String,
    /// National digits without the country code or a trunk prefix, e.g. `"301234567"`.
    pub national: String,
}

/// Why a typed phone number was refused; the `Display` text is the operator sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("'{0}' is not an E.164 number: start it with + and the country code, e.g. +4930123456")]
    MissingPlus(String),
    #[error(
        "'{0}' is not a phone number: '{1}' is not allowed (use digits, spaces, dashes or brackets after the +)"
    )]
    BadCharacter(String, char),
    #[error("'{0}' has {1} digits; an E.164 number has 8 to 15 digits including the country code")]
    WrongLength(String, usize),
}

/// ITU two-digit country codes. The code space is prefix-free: `1` and `7` are the only
/// one-digit codes, these are the two-digit ones, every other code has three digits.
const TWO_DIGIT_CODES: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

impl E164 {
    /// Parses `+49 30 1234-567`, `+1 (631) 555-1111` and the like.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err(PhoneError::MissingPlus(trimmed.to_string()));
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' => {}
                other => return Err(PhoneError::BadCharacter(trimmed.to_string(), other)),
            }
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(PhoneError::WrongLength(trimmed.to_string(), digits.len()));
        }
        let cc_len = match &digits[..1] {
            "1" | "7" => 1,
            _ if TWO_DIGIT_CODES.contains(&&digits[..2]) => 2,
            _ => 3,
        };
        Ok(E164 {
            country_code: digits[..cc_len].to_string(),
            national: digits[cc_len..].to_string(),
        })
    }

    /// All digits, country code first (what display numbers reduce to).
    pub fn digits(&self) -> String {
        format!("{}{}", self.country_code, self.national)
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}{}", self.country_code, self.national)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_country_codes_of_each_length() {
        let us = E164::parse("+1 (631) 555-1111").unwrap();
        assert_eq!(
            (us.country_code.as_str(), us.national.as_str()),
            ("1", "6315551111")
        );
        let de = E164::parse("+49 30 1234567").unwrap();
        assert_eq!(
            (de.country_code.as_str(), de.national.as_str()),
            ("49", "301234567")
        );
        let ie = E164::parse("+353861234567").unwrap();
        assert_eq!(
            (ie.country_code.as_str(), ie.national.as_str()),
            ("353", "861234567")
        );
        assert_eq!(ie.to_string(), "+353861234567");
    }

    #[test]
    fn refuses_malformed_numbers_with_a_sentence() {
        assert!(matches!(
            E164::parse("4930123"),
            Err(PhoneError::MissingPlus(_))
        ));
        assert!(matches!(
            E164::parse("+49 30 12x4567"),
            Err(PhoneError::BadCharacter(_, 'x'))
        ));
        assert!(matches!(
            E164::parse("+49 30"),
            Err(PhoneError::WrongLength(_, 4))
        ));
        assert!(
            E164::parse("12")
                .unwrap_err()
                .to_string()
                .contains("start it with +")
        );
    }
}
