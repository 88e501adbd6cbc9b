//! Prices and counts as the customer reads them: the browser's
//! `Intl.NumberFormat` in the customer's locale (and the offer's currency). The browser already carries every
//! locale's rules, so the widget carries none. Every call here is guarded: an
//! unknown locale falls back to the browser's default, never to an exception.

use js_sys::{Array, Function, Object, Reflect};
use postsale_protocol::Money;
use wasm_bindgen::{JsCast, JsValue};

fn number_format(locale: Option<&str>, options: &Object) -> Option<Object> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: Function = Reflect::get(&intl, &"NumberFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let locales = Array::new();
    if let Some(locale) = locale {
        locales.push(&locale.into());
    }
    Reflect::construct(&ctor, &Array::of2(&locales, options))
        .ok()?
        .dyn_into()
        .ok()
}

/// Whether `Intl` accepts `locale` (a malformed tag throws a RangeError).
pub(crate) fn locale_ok(locale: &str) -> bool {
    number_format(Some(locale), &Object::new()).is_some()
}

/// The page's locale when the merchant gave none: `<html lang>`.
pub(crate) fn page_locale() -> Option<String> {
    let lang = web_sys::window()?
        .document()?
        .document_element()?
        .get_attribute("lang")?;
    locale_ok(&lang).then_some(lang)
}

/// `amount` as a localised currency string, e.g. `$1,299.00` or `1.299,00 €`.
pub(crate) fn money(amount: &Money, locale: Option<&str>) -> String {
    let fallback = || [decimal(amount).as_str(), " ", amount.currency().as_str()].concat();
    let options = Object::new();
    let _ = Reflect::set(&options, &"style".into(), &"currency".into());
    let currency = amount.currency();
    let _ = Reflect::set(&options, &"currency".into(), &currency.as_str().into());
    let Some(format) = number_format(locale, &options) else {
        return fallback();
    };
    let value = amount.minor() as f64 / 10_f64.powi(i32::from(currency.exponent()));
    formatted(&format, value).unwrap_or_else(fallback)
}

/// A count (of points) with the locale's digits and grouping, `1.250` in
/// German; plain digits when `Intl` cannot.
pub(crate) fn count(n: u64, locale: Option<&str>) -> String {
    number_format(locale, &Object::new())
        .and_then(|format| formatted(&format, n as f64))
        .unwrap_or_else(|| number(n))
}

/// `value` through a `NumberFormat`'s `format`.
fn formatted(format: &Object, value: f64) -> Option<String> {
    Reflect::get(format, &"format".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call1(format, &JsValue::from_f64(value))
        .ok()?
        .as_string()
}

/// `amount` as a decimal string without the currency, `"12.50"`: the same as
/// [`Money::decimal`], without its `format!`.
pub(crate) fn decimal(amount: &Money) -> String {
    let minor = amount.minor().unsigned_abs();
    let exponent = u32::from(amount.currency().exponent());
    if exponent == 0 {
        return number(minor);
    }
    let scale = 10_u64.pow(exponent);
    let fraction = number(minor % scale + scale);
    // `scale + fraction` has one digit too many: a leading 1 that keeps the zeros.
    [
        number(minor / scale).as_str(),
        ".",
        fraction.get(1..).unwrap_or_default(),
    ]
    .concat()
}

/// `n` in ASCII digits. Written out rather than `to_string()`, which would
/// bring `core::fmt`'s integer formatting into the wasm.
pub(crate) fn number(mut n: u64) -> String {
    let mut digits = Vec::with_capacity(10);
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

/// A whole number written in ASCII digits only (a form field's value), up
/// to `u32::MAX`; one parser for every such field instead of one `str::parse`
/// per integer type.
pub(crate) fn whole_number(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0_u32, |n, b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u32::from(b - b'0')))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_numbers_parse_like_str_parse() {
        for text in [
            "0",
            "7",
            "012",
            "4294967295",
            "4294967296",
            "",
            "+1",
            "-1",
            "1 ",
            "1.0",
            "٣",
        ] {
            assert_eq!(
                super::whole_number(text),
                text.parse::<u32>().ok().filter(|_| !text.starts_with('+')),
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_are_plain_digits() {
        for n in [0_u64, 7, 10, 120, 4_294_967_295, u64::MAX] {
            assert_eq!(super::number(n), n.to_string());
        }
    }

    #[test]
    fn decimals_match_the_protocol() {
        use postsale_protocol::{CurrencyCode, Money};
        for (code, minors) in [
            ("USD", [0, 5, 50, 129_900]),
            ("JPY", [0, 5, 50, 1200]),
            ("KWD", [0, 5, 50, 12_345]),
        ] {
            let currency = CurrencyCode::parse(code).expect("a currency");
            for minor in minors {
                let money = Money::from_minor(minor, currency).expect("money");
                assert_eq!(super::decimal(&money), money.decimal());
            }
        }
    }
}
