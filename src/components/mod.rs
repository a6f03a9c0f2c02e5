//! UI components, one per file, each rendering part of a `WorldView`.

pub mod ab_panel;
pub mod broker_card;
pub mod challenge_panel;
pub mod charts;
pub mod cluster_shape;
pub mod cluster_view;
pub mod console;
pub mod consumer_offsets;
pub mod consumer_panel;
pub mod countdown;
pub mod event_log;
pub mod export_dialog;
pub mod finding_mark;
pub mod lesson_panel;
pub mod lesson_picker;
pub mod modal;
pub mod network_view;
pub mod new_cluster;
pub mod partition_table;
pub mod pause_button;
pub mod producer_panel;
pub mod runs_dialog;
pub mod scenario_files;
pub mod share_dialog;
pub mod timeline;
pub mod topic_form;
