//! Entry point: install the panic hook, then mount the app on `<body>`.

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<kafka_playground::app::App>::new().render();
}
