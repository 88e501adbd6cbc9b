//! The languages the widget and the hub speak to customers, and their
//! words: the widget's [`Labels`], the disclosures and the consent frame's.
//! The hub picks one per opportunity from the customer's languages; a word
//! a language lacks is said in English (a test keeps every table whole).

use crate::Labels;

mod de;
mod en;
mod es;
mod fr;
mod ja;

/// A language the customer can be addressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English, the fallback.
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Japanese.
    Ja,
}

impl Language {
    /// Every language, English first.
    pub const ALL: [Self; 5] = [Self::En, Self::De, Self::Fr, Self::Es, Self::Ja];

    /// The ISO 639-1 code, as `lang` attributes and the wire write it.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Es => "es",
            Self::Ja => "ja",
        }
    }

    /// The language of a BCP 47 tag (`de-CH` is German), when spoken here.
    pub fn of_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?;
        Self::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The first of the customer's languages (most preferred first) that is
    /// spoken here; English when none is.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Self {
        tags.into_iter().find_map(Self::of_tag).unwrap_or_default()
    }

    fn words(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::En => en::WORDS,
            Self::De => de::WORDS,
            Self::Fr => fr::WORDS,
            Self::Es => es::WORDS,
            Self::Ja => ja::WORDS,
        }
    }

    /// The word for `key`, in English where this language lacks it (and
    /// empty for a key no table has).
    pub fn word(self, key: &str) -> &'static str {
        let find = |words: &'static [(&'static str, &'static str)]| {
            words.iter().find(|(k, _)| *k == key).map(|(_, w)| *w)
        };
        find(self.words())
            .or_else(|| find(en::WORDS))
            .unwrap_or_default()
    }

    /// The widget's words in this language.
    pub fn labels(self) -> Labels {
        Labels::from_fn(|key| self.word(key).to_owned())
    }
}

/// `word` with each `{name}` replaced by its value (names without a value
/// stay as written).
pub fn fill_named(word: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(word.len() + 32);
    let mut rest = word;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let value = after.find('}').and_then(|close| {
            let name = &after[1..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close + 1))
        });
        match value {
            Some((value, used)) => {
                out.push_str(value);
                rest = &after[used..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The longest language tag taken: BCP 47 advises 35 characters.
pub const MAX_LANGUAGE_TAG: usize = 35;

/// Whether `tag` has a BCP 47 language tag's shape: a primary subtag of two
/// to eight letters, then subtags of one to eight letters or digits, joined
/// by hyphens (`ja`, `de-CH`, `zh-Hant-TW`).
pub fn is_language_tag(tag: &str) -> bool {
    if tag.len() > MAX_LANGUAGE_TAG {
        return false;
    }
    let mut subtags = tag.split('-');
    let primary_ok = subtags
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{name}` placeholders of `word`, in order.
    fn placeholders(word: &str) -> Vec<&str> {
        word.split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_language_has_every_word_once_with_the_same_placeholders() {
        let english: Vec<&str> = en::WORDS.iter().map(|(k, _)| *k).collect();
        for key in Labels::KEYS {
            assert!(english.contains(key), "English lacks {key}");
        }
        for language in Language::ALL {
            let keys: Vec<&str> = language.words().iter().map(|(k, _)| *k).collect();
            assert_eq!(keys, english, "{language:?} has other keys");
            for (key, word) in language.words() {
                assert!(!word.trim().is_empty(), "{language:?} {key} is empty");
                let mut theirs = placeholders(word);
                let mut ours = placeholders(Language::En.word(key));
                theirs.sort_unstable();
                ours.sort_unstable();
                assert_eq!(theirs, ours, "{language:?} {key}: {word}");
                assert!(theirs.len() <= 1 || key.starts_with("disclosure"), "{key}");
            }
        }
    }

    #[test]
    fn a_tag_picks_its_language_and_unknown_ones_fall_back_to_english() {
        assert_eq!(Language::negotiate(["de-CH"]), Language::De);
        assert_eq!(Language::negotiate(["JA"]), Language::Ja);
        assert_eq!(Language::negotiate(["ar", "fr-CA", "de"]), Language::Fr);
        assert_eq!(Language::negotiate(["ar", "zh-Hant"]), Language::En);
        assert_eq!(Language::negotiate([]), Language::En);
        assert_eq!(Language::De.labels().no_thanks, "Nein, danke");
        assert_eq!(Language::Ja.word("no such key"), "");
    }

    #[test]
    fn named_placeholders_are_filled_and_unknown_ones_stay() {
        let word = "{upseller} sells it, not {affiliate}; {upseller} ships {other}";
        assert_eq!(
            fill_named(
                word,
                &[("upseller", "Lens Co"), ("affiliate", "Camera Shop")]
            ),
            "Lens Co sells it, not Camera Shop; Lens Co ships {other}"
        );
        assert_eq!(fill_named("a { b", &[("b", "x")]), "a { b");
        assert_eq!(fill_named("{x}", &[("x", "{x}")]), "{x}");
    }

    #[test]
    fn language_tags_have_their_shape() {
        for good in ["de", "de-CH", "zh-Hant-TW", "ja", "es-419", "ar"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "d",
            "de_",
            "de--CH",
            "<script>",
            "de CH",
            "e1",
            "de-toolongsubtag",
            &"a".repeat(36),
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
