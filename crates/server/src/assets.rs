//! The widget's build (trunk's `dist`), read once at start and kept in
//! memory: each file, its brotli copy where the build left one, a manifest
//! of versions and SHA-384 digests, the demo page and the frame page. The
//! routes that serve them are in `routes/assets.rs`.

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
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dist.join("widget"))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                files.insert(
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read(entry.path())?,
                );
            }
        }
        // `name.br` beside `name` is its brotli copy, not a file of its own.
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
