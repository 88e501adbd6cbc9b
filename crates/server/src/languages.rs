//! The customer's languages: read once, when the widget reports the
//! purchase (its `locale`, else the browser's `Accept-Language`), kept with
//! the purchase, and used for everything said to the customer after: the
//! widget's words, the disclosure, the consent frame and the merchant's copy
//! where it is translated. See `docs/ARCHITECTURE.md`, "Languages".

use std::{collections::BTreeMap, sync::LazyLock};

use postsale_protocol::{Language, Money, is_language_tag};

use crate::failure::Failure;

/// The most of a browser's languages kept: the first few decide.
const MAX_LANGUAGES: usize = 6;

/// The customer's languages, most preferred first: `locale` when the widget
/// sent one (refused when it is not a language tag), else the browser's
/// `Accept-Language` (entries that are not tags are passed over: the header
/// is the browser's, not the merchant's).
pub(crate) fn of_request(
    locale: Option<&str>,
    accept_language: Option<&str>,
) -> Result<Vec<String>, Failure> {
    if let Some(locale) = locale {
        if !is_language_tag(locale) {
            return Err(Failure::invalid(
                "locale",
                "must be a BCP 47 language tag such as de or de-CH",
            ));
        }
        return Ok(vec![locale.to_owned()]);
    }
    Ok(accept_language.map(accepted).unwrap_or_default())
}

/// The tags of an `Accept-Language` header by weight, highest first (ties
/// in the header's order), without `*` and weight 0.
fn accepted(header: &str) -> Vec<String> {
    let mut weighted: Vec<(u16, usize, &str)> = header
        .split(',')
        .take(32)
        .enumerate()
        .filter_map(|(at, entry)| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            let weight =
                parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1000), |q| {
                        let q: f32 = q.trim().parse().ok()?;
                        (0.0..=1.0).contains(&q).then_some((q * 1000.0) as u16)
                    })?;
            (weight > 0 && is_language_tag(tag)).then_some((weight, at, tag))
        })
        .collect();
    weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    weighted
        .into_iter()
        .take(MAX_LANGUAGES)
        .map(|(_, _, tag)| tag.to_owned())
        .collect()
}

/// The language the hub speaks to a customer of `languages`.
pub(crate) fn spoken(languages: &[String]) -> Language {
    Language::negotiate(languages.iter().map(String::as_str))
}

/// Of `translations` (keyed by language tag) and the original (in
/// `original_lang`), the one the customer reads first: a tag matches
/// exactly, else by its language (`de-CH` reads `de`). `None` is the
/// original; so is a customer none of whose languages is there.
pub(crate) fn pick<'a, T>(
    languages: &[String],
    original_lang: &str,
    translations: &'a BTreeMap<String, T>,
) -> Option<&'a T> {
    let primary = |tag: &str| {
        tag.split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    for tag in languages {
        if tag.eq_ignore_ascii_case(original_lang) {
            return None;
        }
        if let Some((_, found)) = translations
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(tag))
        {
            return Some(found);
        }
        if primary(original_lang) == primary(tag) {
            return None;
        }
        if let Some((_, found)) = translations
            .iter()
            .find(|(key, _)| primary(key) == primary(tag))
        {
            return Some(found);
        }
    }
    None
}

/// Each language's words for the widget as JSON, made once.
static LABELS: LazyLock<Vec<(Language, String)>> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .map(|l| {
            let json = serde_json::to_string(&l.labels()).unwrap_or_else(|_| "{}".into());
            (l, json)
        })
        .collect()
});

/// A stored opportunity's body (without words, which would weigh more than
/// the rest of it) as answered: with the widget's words in its `lang`,
/// added to the JSON text as it is.
pub(crate) fn answered(body: &str) -> Result<String, Failure> {
    #[derive(serde::Deserialize)]
    struct Lang {
        #[serde(default)]
        lang: String,
    }
    let lang: Lang = serde_json::from_str(body)
        .map_err(|e| Failure::Internal(format!("stored opportunity: {e}")))?;
    in_language(body, Language::of_tag(&lang.lang).unwrap_or_default())
}

/// [`answered`] for a body whose language is known (the one just made): the
/// words added without reading the body again.
pub(crate) fn in_language(body: &str, language: Language) -> Result<String, Failure> {
    let words = LABELS
        .iter()
        .find(|(l, _)| *l == language)
        .map_or("{}", |(_, json)| json.as_str());
    let open = body
        .strip_suffix('}')
        .ok_or_else(|| Failure::Internal("stored opportunity: not an object".into()))?;
    Ok([open, ",\"labels\":", words, "}"].concat())
}

/// `amount` as the consent frame's button writes it in `language`: the
/// decimal with the language's separator, then the currency code.
pub(crate) fn money(amount: &Money, language: Language) -> String {
    let decimal = amount.decimal();
    let decimal = match language {
        Language::De | Language::Fr | Language::Es => decimal.replace('.', ","),
        Language::En | Language::Ja => decimal,
    };
    [decimal.as_str(), " ", amount.currency().as_str()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn the_widgets_locale_wins_and_a_malformed_one_is_refused() {
        assert_eq!(
            of_request(Some("de-CH"), Some("fr")).expect("a tag"),
            tags(&["de-CH"])
        );
        for bad in ["", "deutsch!", "de_CH", "<b>", &"x".repeat(40)] {
            assert!(of_request(Some(bad), None).is_err(), "{bad}");
        }
        assert!(of_request(None, None).expect("none").is_empty());
    }

    #[test]
    fn accept_language_is_read_by_weight_and_junk_is_passed_over() {
        assert_eq!(
            accepted("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
            tags(&["fr-CH", "fr", "en", "de"])
        );
        assert_eq!(accepted("en;q=0.1, ja"), tags(&["ja", "en"]));
        assert_eq!(
            accepted("de;q=0, es;q=2, x;q=0.5, it;q=abc, pt"),
            tags(&["pt"])
        );
        assert_eq!(accepted(&"en,".repeat(100)).len(), MAX_LANGUAGES);
        assert!(accepted("").is_empty());
    }

    #[test]
    fn a_translation_is_picked_by_tag_then_by_language_else_the_original() {
        let translations: BTreeMap<String, &str> =
            [("de", "Hallo"), ("pt-BR", "Olá"), ("ar", "مرحبا")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
        assert_eq!(pick(&tags(&["de-AT"]), "en", &translations), Some(&"Hallo"));
        assert_eq!(pick(&tags(&["pt-BR"]), "en", &translations), Some(&"Olá"));
        assert_eq!(pick(&tags(&["pt-PT"]), "en", &translations), Some(&"Olá"));
        assert_eq!(
            pick(&tags(&["ar-EG", "en"]), "en", &translations),
            Some(&"مرحبا")
        );
        // The original's language comes before a later translation.
        assert_eq!(pick(&tags(&["en-US", "de"]), "en", &translations), None);
        assert_eq!(pick(&tags(&["it", "fr"]), "en", &translations), None);
        assert_eq!(pick(&[], "en", &translations), None);
    }

    #[test]
    fn an_answer_carries_the_words_of_its_language() {
        let answer = answered(r#"{"id":"opp_1","lang":"ja"}"#).expect("answered");
        let value: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
        assert_eq!(value["labels"]["no_thanks"], Language::Ja.word("no_thanks"));
        let answer = answered(r#"{"id":"opp_1"}"#).expect("answered");
        let value: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
        assert_eq!(value["labels"]["no_thanks"], "No, thanks");
        assert!(answered("[1]").is_err());
    }

    #[test]
    fn amounts_on_the_consent_button_use_the_languages_separator() {
        let amount = Money::parse(
            "1299.50",
            postsale_protocol::CurrencyCode::parse("EUR").expect("EUR"),
        )
        .expect("money");
        assert_eq!(money(&amount, Language::De), "1299,50 EUR");
        assert_eq!(money(&amount, Language::Ja), "1299.50 EUR");
    }
}
