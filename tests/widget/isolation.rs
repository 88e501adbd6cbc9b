//! The host page and the widget do not reach each other: the page's CSS does
//! not style the dialog, and the dialog does not move the page.

use postsale_widget::mount;
use wasm_bindgen_test::wasm_bindgen_test;

use super::*;

#[wasm_bindgen_test]
async fn host_css_does_not_reach_into_the_dialog() {
    let style = document().create_element("style").expect("a style");
    style.set_text_content(Some("* { color: red !important; font-size: 40px }"));
    document()
        .head()
        .expect("a head")
        .append_child(&style)
        .expect("appended");

    let host = new_host();
    let mounted = mount(&host, props()).expect("mounted");
    yew::scheduler::flush().await;
    let shadow = host.shadow_root().expect("a shadow root");
    let title = query(&shadow, "h2").expect("the title");
    let css = window()
        .get_computed_style(&title)
        .expect("computed style")
        .expect("a declaration");
    let color = css.get_property_value("color").expect("color");
    let size = css.get_property_value("font-size").expect("font-size");
    assert_ne!(
        color, "rgb(255, 0, 0)",
        "the page's colour reached the widget"
    );
    assert_ne!(size, "40px", "the page's font size reached the widget");
    assert_eq!(color, "rgb(26, 26, 26)", "the widget's own text colour");
    assert_eq!(
        size, "20px",
        "the widget's own size, not relative to the page's root"
    );

    // And the control: the same rule does reach the page's own elements.
    let page_css = window()
        .get_computed_style(&body())
        .expect("style")
        .expect("decl");
    assert_eq!(
        page_css.get_property_value("color").expect("color"),
        "rgb(255, 0, 0)"
    );

    mounted.destroy();
    host.remove();
    style.remove();
}

#[wasm_bindgen_test]
async fn showing_the_widget_does_not_change_the_pages_size_or_scroll() {
    let tall = document().create_element("div").expect("a div");
    tall.set_attribute("style", "height: 3000px; width: 10px")
        .expect("styled");
    body().append_child(&tall).expect("appended");
    window().scroll_to_with_x_and_y(0.0, 700.0);
    let root = document().document_element().expect("<html>");
    let before = (
        root.scroll_width(),
        root.scroll_height(),
        window().scroll_y().expect("y"),
    );
    let body_box = body().get_bounding_client_rect();
    assert!(
        before.2 > 600.0,
        "the page is scrolled before the widget shows"
    );

    let host = new_host();
    let mounted = mount(&host, props()).expect("mounted");
    yew::scheduler::flush().await;
    assert!(
        host.shadow_root()
            .is_some_and(|s| query(&s, "[role=dialog]").is_some())
    );

    let after = (
        root.scroll_width(),
        root.scroll_height(),
        window().scroll_y().expect("y"),
    );
    assert_eq!(before, after);
    let body_after = body().get_bounding_client_rect();
    assert_eq!(
        (body_box.width(), body_box.height()),
        (body_after.width(), body_after.height())
    );

    mounted.destroy();
    host.remove();
    tall.remove();
    window().scroll_to_with_x_and_y(0.0, 0.0);
}
