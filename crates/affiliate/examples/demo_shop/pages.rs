//! The demo shop's pages. Plain HTML, every merchant value escaped; the order
//! page carries the postsale snippet exactly as the README gives it.

use serde_json::json;

use crate::shop::{Order, PRODUCTS};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    page_in("en", title, body)
}

/// A page whose `<html lang>` is `lang` (checked by the caller).
fn page_in(lang: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · Northlight Cameras</title>\
         <style>body{{font-family:Georgia,serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}}\
         label{{display:block;margin:.5rem 0}}input{{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}}\
         button,.button{{font:inherit;padding:.5rem 1rem;background:#1f5f8b;color:#fff;border:0;border-radius:6px;text-decoration:none;display:inline-block}}\
         table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.5rem;text-align:left}}</style>\
         </head><body><header><strong>Northlight Cameras</strong></header>{body}</body></html>",
        escape(title)
    )
}

pub(crate) fn products() -> String {
    let mut rows = String::new();
    for (sku, name, price) in PRODUCTS {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>${}</td><td><a class=\"button\" id=\"buy-{sku}\" href=\"/checkout?sku={sku}\">Buy</a></td></tr>",
            escape(name),
            escape(price)
        ));
    }
    page(
        "Shop",
        &format!(
            "<h1>Cameras and more</h1><table>{rows}</table>\
        <p>Try <a href=\"/checkout?sku=CAM-BODY-1&amp;reason=OUTDOOR\">the camera with the outdoor offer</a> (IFRAME, card typed in the hub's frame) \
        or <a href=\"/checkout?sku=STRAP-1&amp;reason=CAMERA-CARE\">the strap with our own care plan</a> (merchant of record).</p>"
        ),
    )
}

/// The checkout form; `reason` and `lang` ride along as hidden fields.
pub(crate) fn checkout(
    product: &(&str, &str, &str),
    reason: Option<&str>,
    lang: Option<&str>,
) -> String {
    let (sku, name, price) = product;
    let hidden = |name: &str, value: Option<&str>| {
        value
            .map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    escape(v)
                )
            })
            .unwrap_or_default()
    };
    let reason = [hidden("reason", reason), hidden("lang", lang)].concat();
    page(
        "Checkout",
        &format!(
            "<h1>Checkout</h1><p>{} — ${}</p><form method=\"post\" action=\"/checkout\">\
         <input type=\"hidden\" name=\"sku\" value=\"{}\">{reason}\
         <label>Name <input name=\"name\" value=\"Ada Lovelace\" autocomplete=\"name\"></label>\
         <label>E-mail <input name=\"email\" value=\"ada@example.com\" autocomplete=\"email\"></label>\
         <label>Street <input name=\"line1\" value=\"1 Main St\"></label>\
         <label>City <input name=\"city\" value=\"Springfield\"></label>\
         <label>Postal code <input name=\"postal_code\" value=\"62701\"></label>\
         <label>Country <input name=\"country\" value=\"US\"></label>\
         <label>Card (sandbox) <input name=\"card_number\" value=\"4242 4242 4242 4242\" autocomplete=\"cc-number\"></label>\
         <button id=\"pay\" type=\"submit\">Pay ${}</button></form>",
            escape(name),
            escape(price),
            escape(sku),
            escape(price)
        ),
    )
}

pub(crate) fn message(text: &str) -> String {
    page(
        "Checkout",
        &format!(
            "<p>{}</p><p><a href=\"/\">Back to the shop</a></p>",
            escape(text)
        ),
    )
}

/// The order-confirmation page with the postsale snippet.
/// The order's confirmation page, with the snippet; `lang` (a language
/// tag) is the page's language and the purchase's `locale`.
pub(crate) fn confirmation(hub: &str, order: &Order, lang: Option<&str>) -> String {
    let mut purchase = json!({
        "ticket": order.ticket,
        "order": {
            "id": order.id,
            "items": [{"sku": order.sku, "name": order.name, "quantity": 1, "unit_price": order.price}],
            "total": order.price,
            "currency": "USD",
            "ship_to": order.ship_to,
        },
        "customer": {"first_name": order.first_name},
    });
    if let Some(lang) = lang {
        purchase["locale"] = json!(lang);
    }
    let init = json!({"hub": hub, "affiliate": crate::shop::AFFILIATE_ID});
    // JSON inside a <script>: escape '<' so no value can close the element.
    let js = |v: serde_json::Value| v.to_string().replace('<', "\\u003c");
    page_in(
        lang.unwrap_or("en"),
        "Order confirmed",
        &format!(
            "<h1>Thank you, your order is confirmed</h1><p>Order <strong id=\"order-id\">{}</strong></p>\
         <table><tr><th>Item</th><th>Qty</th><th>Price</th></tr><tr><td>{}</td><td>1</td><td>${}</td></tr></table>\
         <p>Total <strong id=\"order-total\">${}</strong></p>\
         <script>(function(w,n){{try{{var k=Symbol.for('postsale'),p=w[k];if(!p){{p=w[k]=function(){{p.q.push(arguments)}};p.q=[];p.n=n}}if(!w[n])w[n]=p}}catch(e){{}}}})(window,'postsale');</script>\n\
         <script async src=\"{}/widget/postsale.js\"></script>\n\
         <script>postsale('init', {});\npostsale('purchase', {});</script>",
            escape(&order.id),
            escape(&order.name),
            escape(&order.price),
            escape(&order.price),
            escape(hub),
            js(init),
            js(purchase)
        ),
    )
}
