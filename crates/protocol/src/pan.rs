//! The one card-number screen, used by the hub and the affiliate SDK alike:
//! a run of 13 to 19 digits (leading zeros aside: no card number starts with
//! one), single spaces or dashes allowed between them, that passes the Luhn
//! check. A hit is refused wherever text enters, and
//! named by its field only, never echoed.

use crate::{Address, CustomerRecord};

/// Whether `text` holds what looks like a card number: a whole run of 13
/// to 19 digits (single spaces or dashes between them) passing Luhn.
pub fn card_number_in(text: &str) -> bool {
    let mut digits: Vec<u8> = Vec::with_capacity(19);
    let mut separator = false;
    for c in text.chars() {
        match c {
            '0'..='9' => {
                digits.push(c as u8 - b'0');
                separator = false;
            }
            ' ' | '-' if !digits.is_empty() && !separator => separator = true,
            _ => {
                if is_card_number_run(&digits) {
                    return true;
                }
                digits.clear();
                separator = false;
            }
        }
    }
    is_card_number_run(&digits)
}

/// Whether `digits`, a card number as typed with its spaces and dashes
/// removed, is one by the same rule: 13 to 19 digits passing Luhn.
pub fn is_card_number(digits: &str) -> bool {
    digits.bytes().all(|b| b.is_ascii_digit())
        && is_card_number_run(&digits.bytes().map(|b| b - b'0').collect::<Vec<u8>>())
}

fn is_card_number_run(run: &[u8]) -> bool {
    // No card number starts with 0 (ISO/IEC 7812 issues none under major
    // industry identifier 0): leading zeros are not part of one, so a run
    // of zeros is no card, and a card typed after a zero is still found.
    let zeros = run.iter().take_while(|&&d| d == 0).count();
    let run = &run[zeros..];
    (13..=19).contains(&run.len()) && luhn(run)
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl Address {
    /// The first field of the address holding a card number, under `prefix`.
    pub fn card_number_field(&self, prefix: &str) -> Option<String> {
        [
            ("line1", Some(self.line1.as_str())),
            ("line2", self.line2.as_deref()),
            ("city", Some(self.city.as_str())),
            ("region", self.region.as_deref()),
            ("postal_code", Some(self.postal_code.as_str())),
            ("country", Some(self.country.as_str())),
        ]
        .into_iter()
        .find(|(_, text)| text.is_some_and(card_number_in))
        .map(|(name, _)| format!("{prefix}.{name}"))
    }
}

impl CustomerRecord {
    /// The first field of the record holding a card number.
    pub fn card_number_field(&self) -> Option<String> {
        [
            ("name", &self.name),
            ("email", &self.email),
            ("payment_reference", &self.payment_reference),
        ]
        .into_iter()
        .find(|(_, text)| card_number_in(text))
        .map(|(name, _)| name.to_owned())
        .or_else(|| self.billing_address.card_number_field("billing_address"))
        .or_else(|| self.shipping_address.card_number_field("shipping_address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_card_number_is_one_by_the_same_rule() {
        assert!(is_card_number("4242424242424242"));
        assert!(!is_card_number("4242424242424241"), "Luhn");
        assert!(!is_card_number("424242424242"), "12 digits");
        assert!(
            !is_card_number("4242 4242 4242 4242"),
            "separators are removed first"
        );
        assert!(!is_card_number(""));
    }

    #[test]
    fn luhn_valid_runs_of_13_to_19_digits_are_card_numbers() {
        for hit in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "4242-4242-4242-4242",
            "card: 4000 0566 5566 5556 thanks",
            "378282246310005",
            "6011111111111117",
            "0 4242 4242 4242 4242",
            "004242424242424242",
        ] {
            assert!(card_number_in(hit), "{hit}");
        }
        for miss in [
            "4242424242424241",
            "pm_1N3xYz2eZvKYlo2C",
            "+1 (555) 010-0199",
            "4242  4242 4242 4242",
            "424242424242",
            "ada@example.com",
            "000000000000000",
            "0030000000F000000000000000",
            "",
        ] {
            assert!(!card_number_in(miss), "{miss}");
        }
    }
}
