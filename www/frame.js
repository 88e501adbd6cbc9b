/*! postsale frame: starts the hub frame page's build of the widget, the one
 * with the card form (merchants' pages load the build without it). */
import init from './postsale-frame.js';
init({ module_or_path: new URL('postsale-frame_bg.wasm', import.meta.url) }).catch(function () {});
