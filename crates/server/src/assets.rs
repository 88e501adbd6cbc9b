//! The widget's build (trunk's `dist`), read once at start and kept in
//! memory: each file, its brotli copy where the build left one, a manifest
//! of versions and SHA-384 digests, the demo page and the frame page; and
//! the merchant console's build. The routes that serve them are in
//! `routes/assets.rs`.

use std::{collections::BTreeMap, path::Path};

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha384};

/// The widget's files as built, in memory.
#[derive(Debug, Default)]
pub(crate) struct Assets {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    /// Brotli copies of some of `files`, by the same name.
    pub(crate) brotli: BTreeMap<String, Vec<u8>>,
    pub(crate) manifest: Manifest,
    pub(crate) index: Option<String>,
    frame: Option<String>,
    /// The merchant console's build (`dist/console`), when there is one.
    pub(crate) console: Option<Console>,
}

/// The console's files, its page and the policy the page is served under.
#[derive(Debug, Default)]
pub(crate) struct Console {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    /// Brotli copies of some of `files`, by the same name.
    pub(crate) brotli: BTreeMap<String, Vec<u8>>,
    pub(crate) page: String,
    /// `Content-Security-Policy` for the page: scripts from the hub alone,
    /// and the page's own inline start-up script by its digest.
    pub(crate) policy: String,
}

/// A folder's files in memory, and the brotli copies (`name.br` beside
/// `name`) apart.
type Files = (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>);

fn read_files(dir: &Path) -> std::io::Result<Files> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            files.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path())?,
            );
        }
    }
    let plain_of_copies: Vec<String> = files
        .keys()
        .filter_map(|name| name.strip_suffix(".br"))
        .filter(|plain| files.contains_key(*plain))
        .map(str::to_owned)
        .collect();
    let mut brotli = BTreeMap::new();
    for plain in plain_of_copies {
        if let Some(bytes) = files.remove(&format!("{plain}.br")) {
            brotli.insert(plain, bytes);
        }
    }
    Ok((files, brotli))
}

/// The digests (`'sha256-...'`) of a page's inline scripts.
fn inline_script_digests(page: &str) -> Vec<String> {
    let mut digests = Vec::new();
    let mut rest = page;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(head_end) = after.find('>') else {
            break;
        };
        let head = &after[..head_end];
        let body = &after[head_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !head.contains(" src=") {
            let digest = base64::engine::general_purpose::STANDARD
                .encode(Sha256::digest(&body.as_bytes()[..close]));
            digests.push(format!("'sha256-{digest}'"));
        }
        rest = &body[close..];
    }
    digests
}

impl Console {
    fn load(dir: &Path) -> std::io::Result<Option<Self>> {
        if !dir.join("index.html").is_file() {
            return Ok(None);
        }
        let (mut files, mut brotli) = read_files(dir)?;
        let page = files
            .remove("index.html")
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        brotli.remove("index.html");
        let scripts = inline_script_digests(&page).join(" ");
        let policy = format!(
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {scripts}; style-src 'self'; \
             connect-src 'self'; img-src 'self' data:; font-src 'self'; frame-src 'self'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        );
        Ok(Some(Self {
            files,
            brotli,
            page,
            policy,
        }))
    }
}

/// `GET /widget/manifest.json`.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Manifest {
    /// The build's version, in the pinned URLs.
    pub(crate) version: String,
    files: BTreeMap<String, ManifestEntry>,
}

#[derive(Debug, Clone, Serialize)]
struct ManifestEntry {
    url: String,
    integrity: String,
    bytes: usize,
}

impl Manifest {
    /// The manifest with each URL absolute at `origin`, the hub's public
    /// one: what a merchant copies into its page must name the hub as
    /// browsers reach it.
    pub(crate) fn at(&self, origin: &str) -> Self {
        let mut at = self.clone();
        for entry in at.files.values_mut() {
            entry.url = format!("{origin}{}", entry.url);
        }
        at
    }
}

impl Assets {
    /// Reads trunk's `dist` folder: `widget/*`, the demo page and the frame page.
    pub(crate) fn load(dist: &Path) -> std::io::Result<Self> {
        // `name.br` beside `name` is its brotli copy, not a file of its own.
        let (files, brotli) = read_files(&dist.join("widget"))?;
        let mut all = Sha256::new();
        for (name, bytes) in &files {
            all.update(name.as_bytes());
            all.update(bytes);
        }
        let version = hex::encode(&all.finalize()[..6]);
        let manifest = Manifest {
            files: files
                .iter()
                .map(|(name, bytes)| {
                    let integrity = format!(
                        "sha384-{}",
                        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
                    );
                    let url = format!("/widget/v/{version}/{name}");
                    (
                        name.clone(),
                        ManifestEntry {
                            url,
                            integrity,
                            bytes: bytes.len(),
                        },
                    )
                })
                .collect(),
            version,
        };
        Ok(Self {
            files,
            brotli,
            manifest,
            index: std::fs::read_to_string(dist.join("index.html")).ok(),
            frame: std::fs::read_to_string(dist.join("frame.html")).ok(),
            console: Console::load(&dist.join("console"))?,
        })
    }

    /// The frame page for an opportunity, if the build has one.
    /// Whether the build has the frame page.
    pub(crate) fn has_frame(&self) -> bool {
        self.frame.is_some()
    }

    /// The frame page for an opportunity, with this load's token.
    pub(crate) fn frame(&self, values: &FrameValues<'_>) -> Option<String> {
        self.frame.as_ref().map(|page| {
            page.replace("{{opportunity_id}}", values.opportunity_id)
                .replace("{{hub}}", values.hub)
                .replace("{{frame_token}}", values.token)
                .replace("{{processor_script}}", values.processor_script)
                .replace("{{processor_key}}", values.processor_key)
        })
    }
}

/// What the frame page is filled in with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameValues<'a> {
    pub(crate) opportunity_id: &'a str,
    /// The hub's public origin.
    pub(crate) hub: &'a str,
    /// This load's frame token.
    pub(crate) token: &'a str,
    /// The processor's card-field script and publishable key; empty for the
    /// hub's own card form.
    pub(crate) processor_script: &'a str,
    pub(crate) processor_key: &'a str,
}
