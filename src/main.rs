//! Entry point: install the panic hook, then mount the app on `<body>`.

fn main() {
    kafka_playground::panic_panel::install();
    yew::Renderer::<kafka_playground::app::App>::new().render();
}
