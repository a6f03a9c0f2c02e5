//! The Kafka Playground web app. It holds no Kafka logic: it sends commands to the simulation
//! core (`kafka-sim`) and renders the core's snapshots and events.

pub mod app;
pub mod boot;
pub mod components;
pub mod embed_api;
pub mod embed_lesson;
pub mod embed_params;
pub mod embed_protocol;
pub mod embed_view;
pub mod embed_watch;
pub mod focus;
pub mod hooks;
pub mod lesson_format;
pub mod lesson_walk;
pub mod lessons;
pub mod panic_panel;
pub mod persistence;
pub mod playing;
pub mod runs;
pub mod scenario_file;
pub mod session;
pub mod share;
pub mod sim_context;
pub mod sim_handle;
pub mod theme;
pub mod url;
