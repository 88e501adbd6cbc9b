//! The affiliate's look reaches the widget only as checked `--postsale-*`
//! values: fonts in any script pass, anything that could smuggle CSS does not.

use wasm_bindgen_test::wasm_bindgen_test;

use super::*;

async fn font_applied(font: &str) -> Option<String> {
    let style = DisplayStyle {
        font: font.into(),
        ..DisplayStyle::default()
    };
    let hub = Hub::parse(DEAD_HUB).expect("a hub");
    let mut opportunity = opportunity(vec![]);
    opportunity.style = style;
    let props = AppProps {
        session: Rc::new(Session::popup(hub, opportunity, None)),
    };
    let host = new_host();
    let mounted = postsale_widget::mount(&host, props).expect("mounted");
    yew::scheduler::flush().await;
    let shadow = host.shadow_root().expect("a shadow root");
    let value = query(&shadow, ".theme")
        .expect("themed root")
        .style()
        .get_property_value("--postsale-font")
        .ok()
        .filter(|v| !v.is_empty());
    mounted.destroy();
    host.remove();
    value
}

#[wasm_bindgen_test]
async fn fonts_in_any_script_pass_and_css_does_not() {
    for font in [
        "Georgia, 'Times New Roman', serif",
        "Noto Serif 日本語, Ελληνικά_2, serif",
    ] {
        assert_eq!(font_applied(font).await.as_deref(), Some(font), "{font}");
    }
    for font in ["x;} :host{display:none", "url(https://evil)", "a\u{0}b"] {
        assert_eq!(font_applied(font).await, None, "{font}");
    }
}
