/*! postsale loader. Paste once on the order-confirmation page. It queues
 * postsale(...) calls, then loads the widget after the page has loaded, async,
 * and never throws into the page. */
(function (w, d) {
  var p = w.postsale;
  if (p && (p.loading || p.loaded)) return; // a second copy of the loader: the first one runs
  var s = d.currentScript;
  var base = s && s.src ? s.src.replace(/[^/]*$/, '') : '';
  var q = (p && p.q) || [];
  p = w.postsale = function () { q.push(arguments); };
  p.q = q;
  p.loading = 1;
  var once;
  function load() {
    once = once || import(base + 'postsale-widget.js')
      .then(function (m) { return m.default({ module_or_path: base + 'postsale-widget_bg.wasm' }); })
      .catch(function () { once = 0; });
    return once;
  }
  p.load = load;
  if (d.readyState == 'complete') load();
  else w.addEventListener('load', load);
})(window, document);
