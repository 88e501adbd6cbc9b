//! Every tool the build and the tests install, pinned here and nowhere
//! else: what `cargo xtask setup` and the suites install, and what they
//! check is there before installing it.

/// The trunk release that builds with the machine's Rust.
pub(crate) const TRUNK: &str = "0.21.14";
/// The binaryen release whose wasm-opt reads what current Rust emits (npm).
pub(crate) const BINARYEN: &str = "132";
/// The terser release that minifies the glue and the loader (npm).
pub(crate) const TERSER: &str = "5.51.2";
/// The cargo-fuzz release that drives the fuzz targets.
pub(crate) const CARGO_FUZZ: &str = "0.13.2";
/// The geckodriver release installed from the crate registry.
pub(crate) const GECKODRIVER: &str = "0.37.1";
/// The axe-core release the accessibility scan injects (npm).
pub(crate) const AXE_CORE: &str = "4.14";
/// The TypeScript release the loader's types are checked with (npm).
pub(crate) const TYPESCRIPT: &str = "5.9.3";
/// The localstripe release the Stripe tests run against (PyPI).
pub(crate) const LOCALSTRIPE: &str = "1.15.10";
/// The Schemathesis release of the schema fuzz (PyPI).
pub(crate) const SCHEMATHESIS: &str = "4.32.5";
