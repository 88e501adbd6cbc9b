/*! postsale loader: queues postsale() calls, loads the widget after the load event,
 * once, never throwing. No WebAssembly (CSP): the hub's IFRAME instead. */
(function (w, d) {
  // The stub lives under a symbol no page script takes by chance, and under
  // the page's name for it (the snippet's, or `data-global`; `postsale` by
  // default) unless the page holds something else there: that is left alone.
  var k = Symbol.for('postsale'), e = w[k];
  if (e && (e.l || e.loaded)) return;
  var s = d.currentScript || {}, a = s.dataset || {}, n = a.global || e && e.n || 'postsale', q = [], once, p;
  try {
    p = e || w[n];
    if (typeof p == 'function' && Array.isArray(p.q)) q = p.q;
  } catch (x) {}
  var b = (s.src || '').replace(/[^/]*$/, '');
  p = w[k] = function () { q.push(arguments); };
  p.q = q; p.l = 1; p.b = b; p.n = n;
  try { if (!w[n] || w[n].q == q) w[n] = p; } catch (x) {}
  function text(sel) { var e = sel && d.querySelector(sel); return e && e.textContent.trim(); }
  function amount(v) {
    var m = (v = v.replace(/[^\d.,]/g, '')).match(/^(.*)[.,](\d\d?)$/);
    return m ? m[1].replace(/\D/g, '') + '.' + m[2] : v.replace(/\D/g, '');
  }
  try {
    var j = d.getElementById('postsale-order'), o = j ? JSON.parse(j.textContent) : {}, r;
    r = o.order = o.order || {};
    r.id = r.id || text(a.orderIdSelector);
    r.total = r.total || (text(a.totalSelector) && amount(text(a.totalSelector)));
    r.currency = r.currency || a.currency;
    o.ticket = o.ticket || a.ticket;
    if (j || a.ticket) q.push(['purchase', o]);
    if (a.affiliate) q.unshift(['init', { affiliate: a.affiliate, hub: a.hub, locale: a.locale, slot: a.slot }]);
  } catch (x) {}

  // The one IFRAME presentation, used by the widget too (as `p.s`): the
  // hub's frame for opportunity `op` ({id, teaser}) of hub `h`, in a shadow
  // root of its own (no rule of the page reaches it), over the page in the
  // top layer (no transform, overflow or stacking of the page reaches it
  // either), or in `slot`. `tell(name, detail)` hears its events; `extra`
  // goes on its fragment, which the browser never sends to the hub.
  function show(op, h, slot, tell, extra) {
    var g = new URL(h).origin, back = d.activeElement, f = d.createElement('iframe'),
      t = d.createElement('postsale-widget'), box = d.createElement('div'), fit = ';margin:0;padding:0;border:0';
    // A tag the page defined first is the page's: a div instead.
    if (Object.getPrototypeOf(t) != HTMLElement.prototype) t = d.createElement('div');
    // The host takes no box: its frame is in the top layer, or in the slot.
    t.style.cssText = 'all:initial!important;display:contents!important';
    t.dataset.postsale = '';
    f.title = op.teaser;
    f.src = h + '/v1/opportunities/' + encodeURIComponent(op.id) + '/frame#origin=' +
      encodeURIComponent(location.origin) + (slot ? '&slot=1' : '') + (extra || '');
    f.style.cssText = (slot ? 'display:block;width:100%;height:0' : 'position:fixed;inset:0;width:100%;height:100%') + fit;
    slot || box.setAttribute('popover', 'manual');
    box.style.cssText = f.style.cssText + ';background:transparent;overflow:hidden';
    box.appendChild(f);
    t.attachShadow({ mode: 'open' }).appendChild(box);
    (slot || d.body).appendChild(t);
    try { slot || box.showPopover(); } catch (x) {}
    slot || f.focus({ preventScroll: true });
    w.addEventListener('message', function (e) {
      var m = e.data || {};
      if (!e.isTrusted || e.origin != g || e.source != f.contentWindow) return;
      if (m.postsale == 'resize' && slot) f.style.height = box.style.height = Math.min(+m.height || 0, 4e3) + 'px';
      if (m.postsale == 'event') {
        tell(m.name, m.detail);
        if (m.name == 'closed') { t.remove(); back && back.focus({ preventScroll: true }); }
      }
    });
  }
  p.s = show;

  // Without WebAssembly (a CSP without 'wasm-unsafe-eval'): the opportunity
  // asked here, and shown in the hub's frame.
  function frame() {
    var c = {}, o, on = [], h, r, n;
    q.forEach(function (x) {
      x[0] == 'init' ? c = x[1] || c : x[0] == 'purchase' ? o = o || x[1] : x[0] == 'on' && on.push(x);
    });
    h = (c.hub || (b && new URL(b).origin) || '').replace(/\/$/, '');
    r = o && o.order;
    if (!c.affiliate || !r || !h) return;
    // Only a well-formed tag: the hub refuses the purchase for another.
    var locale = [o.locale, c.locale, d.documentElement.lang].filter(function (l) {
      return /^[a-z]{2,8}(-[a-z\d]{1,8})*$/i.test(l);
    })[0];
    return fetch(h + '/v1/opportunities', {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(3e3),
      body: JSON.stringify({ ticket: o.ticket, locale: locale,
        transaction: { order_id: r.id, total: r.total, currency: r.currency, ship_to: r.ship_to, promotion_id: r.promotion_id,
        items: (r.items || []).map(function (i) {
          return { sku: i.sku, name: i.name, quantity: i.quantity, unit_price: i.unit_price, priority: i.priority };
        }) } })
    }).then(function (x) { return x.status < 204 && x.json(); }).then(function (op) {
      if (!op || !op.id) return;
      n = o.customer && o.customer.first_name;
      show(op, h, c.slot && d.querySelector(c.slot), function (name, detail) {
        on.forEach(function (x) { if (x[1] == name) try { x[2](detail); } catch (y) {} });
        w.dispatchEvent(new CustomEvent('postsale:' + name, { detail: detail }));
      }, (locale ? '&locale=' + encodeURIComponent(locale) : '') + (n ? '&first_name=' + encodeURIComponent(n) : ''));
    });
  }
  function load() {
    return once = once || new Promise(function (ok) {
      ok(WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
    }).then(function () {
      return import(b + 'postsale-widget.js').then(function (m) {
        return m.default({ module_or_path: b + 'postsale-widget_bg.wasm' });
      });
    }, frame).catch(function () { once = 0; });
  }
  p.load = load;
  d.readyState == 'complete' ? load() : w.addEventListener('load', load);
})(window, document);
