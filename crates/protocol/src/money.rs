//! Money as integer minor units with its ISO 4217 currency. Amounts travel as
//! decimal strings ("1299.00"), never as floats, and are parsed exactly here.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Active ISO 4217 codes whose minor unit is not 2 digits, with their exponent.
const EXPONENTS: &[(&str, u8)] = &[
    ("BHD", 3),
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("PYG", 0),
    ("RWF", 0),
    ("TND", 3),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("CLF", 4),
    ("UYW", 4),
];

/// Every active ISO 4217 code that is a currency (no metals, funds or test
/// codes). A table of our own rather than a crate: this type is compiled into
/// the widget too, where a crate's names and numeric codes would cost bytes.
const CODES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB \
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB \
EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY \
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR \
MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF \
SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS \
UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// An ISO 4217 currency code such as `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode(&'static str);

/// Why a value is not money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// The currency is not an active ISO 4217 code.
    UnknownCurrency,
    /// The amount is not a plain decimal like `12.50`.
    NotADecimal,
    /// The amount has more decimal places than the currency's minor unit.
    TooPrecise,
    /// The amount is below zero.
    Negative,
    /// The amount does not fit in 64 bits of minor units.
    Overflow,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownCurrency => "not an ISO 4217 currency code",
            Self::NotADecimal => "amount must be a decimal string such as \"12.50\"",
            Self::TooPrecise => "amount has more decimals than the currency allows",
            Self::Negative => "amount must not be negative",
            Self::Overflow => "amount is too large",
        })
    }
}

impl std::error::Error for MoneyError {}

impl CurrencyCode {
    /// Parses an upper-case ISO 4217 code.
    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        // The code kept is the table's own: `as_str` needs no UTF-8 check.
        // Every code is three letters and a space.
        (0..CODES.len())
            .step_by(4)
            .map(|at| &CODES[at..at + 3])
            .find(|code| *code == raw)
            .map(Self)
            .ok_or(MoneyError::UnknownCurrency)
    }

    /// The code as text.
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// Digits after the decimal point (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u8 {
        EXPONENTS
            .iter()
            .find(|(c, _)| *c == self.as_str())
            .map_or(2, |(_, e)| *e)
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CurrencyCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CurrencyCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A non-negative amount of one currency, held as integer minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: CurrencyCode,
}

impl Money {
    /// Money from minor units (cents for USD).
    pub fn from_minor(minor: i64, currency: CurrencyCode) -> Result<Self, MoneyError> {
        if minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Self { minor, currency })
    }

    /// Parses a decimal string such as `"12.50"` in `currency`. Fewer decimals
    /// than the currency's minor unit are fine; more are refused, not rounded.
    pub fn parse(raw: &str, currency: CurrencyCode) -> Result<Self, MoneyError> {
        // Byte by byte, without `str::parse` or a char searcher: the widget
        // parses prices too, and every byte of code reaches the customer.
        let exponent = usize::from(currency.exponent());
        let bytes = raw.as_bytes();
        if bytes.first() == Some(&b'-') {
            return Err(MoneyError::Negative);
        }
        let (whole, fraction) = match bytes.iter().position(|&b| b == b'.') {
            Some(dot) => (&bytes[..dot], Some(&bytes[dot + 1..])),
            None => (bytes, None),
        };
        let fraction_digits = fraction.unwrap_or_default();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        if whole.is_empty()
            || !digits(whole)
            || !digits(fraction_digits)
            || fraction.is_some_and(<[u8]>::is_empty)
        {
            return Err(MoneyError::NotADecimal);
        }
        if fraction_digits.len() > exponent {
            return Err(MoneyError::TooPrecise);
        }
        // The whole part, the fraction, then zeros up to the minor unit: the
        // amount in minor units, digit by digit.
        let zeros = std::iter::repeat_n(b'0', exponent - fraction_digits.len());
        let mut minor: i64 = 0;
        for digit in whole.iter().chain(fraction_digits).copied().chain(zeros) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(digit - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        Ok(Self { minor, currency })
    }

    /// The amount in minor units.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }

    /// `self * quantity`, or `None` on overflow.
    pub fn times(&self, quantity: u32) -> Option<Self> {
        self.minor
            .checked_mul(i64::from(quantity))
            .map(|minor| Self { minor, ..*self })
    }

    /// `self + other` in the same currency, or `None` on overflow or mismatch.
    pub fn plus(&self, other: &Self) -> Option<Self> {
        if self.currency != other.currency {
            return None;
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Self { minor, ..*self })
    }

    /// The amount as a decimal string without the currency: `"12.50"`.
    pub fn decimal(&self) -> String {
        let exponent = u32::from(self.currency.exponent());
        if exponent == 0 {
            return self.minor.to_string();
        }
        let scale = 10_i64.pow(exponent);
        format!(
            "{}.{:0width$}",
            self.minor / scale,
            self.minor % scale,
            width = exponent as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(CODES.split_ascii_whitespace()))
            .description(Some("ISO 4217 currency code"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CurrencyCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> CurrencyCode {
        CurrencyCode::parse("USD").expect("USD")
    }

    #[test]
    fn currencies_are_checked_against_iso_4217() {
        assert!(CurrencyCode::parse("EUR").is_ok());
        assert_eq!(CurrencyCode::parse("usd"), Err(MoneyError::UnknownCurrency));
        assert_eq!(CurrencyCode::parse("XYZ"), Err(MoneyError::UnknownCurrency));
        assert_eq!(CurrencyCode::parse("US"), Err(MoneyError::UnknownCurrency));
        // The table's first and last codes; a code with the separator around it.
        assert_eq!(CurrencyCode::parse("AED").map(|c| c.as_str()), Ok("AED"));
        assert_eq!(CurrencyCode::parse("ZWG").map(|c| c.as_str()), Ok("ZWG"));
        for bad in ["", "USD ", " USD", "D A", "AED AFN"] {
            assert_eq!(
                CurrencyCode::parse(bad),
                Err(MoneyError::UnknownCurrency),
                "{bad:?}"
            );
        }
        assert_eq!(CurrencyCode::parse("JPY").map(|c| c.exponent()), Ok(0));
        assert_eq!(CurrencyCode::parse("KWD").map(|c| c.exponent()), Ok(3));
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(
            Money::parse("1299.00", usd()).map(|m| m.minor()),
            Ok(129_900)
        );
        assert_eq!(Money::parse("0.5", usd()).map(|m| m.minor()), Ok(50));
        assert_eq!(Money::parse("7", usd()).map(|m| m.minor()), Ok(700));
        let jpy = CurrencyCode::parse("JPY").expect("JPY");
        assert_eq!(Money::parse("1200", jpy).map(|m| m.minor()), Ok(1200));
        assert_eq!(Money::parse("1200.5", jpy), Err(MoneyError::TooPrecise));
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        assert_eq!(Money::parse("-1.00", usd()), Err(MoneyError::Negative));
        assert_eq!(Money::parse("1.001", usd()), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("1e3", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("1.", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse(".5", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("+1", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("1.2.3", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(Money::parse("1 ", usd()), Err(MoneyError::NotADecimal));
        assert_eq!(
            Money::parse("92233720368547758.07", usd()).map(|m| m.minor()),
            Ok(i64::MAX)
        );
        assert_eq!(
            Money::parse("99999999999999999999", usd()),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::parse("92233720368547758.08", usd()),
            Err(MoneyError::Overflow)
        );
    }

    proptest! {
        #[test]
        fn decimal_round_trips(minor in 0_i64..i64::MAX / 100) {
            let money = Money::from_minor(minor, usd()).expect("non-negative");
            prop_assert_eq!(Money::parse(&money.decimal(), usd()), Ok(money));
        }

        #[test]
        fn parse_never_panics(raw in ".{0,40}") {
            let _ = Money::parse(&raw, usd());
        }
    }
}
