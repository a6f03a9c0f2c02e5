//! The embedded playground's side of the host page's JS API (www/kafka-playground.js is the
//! other side; embed_protocol.rs the messages). Only the parent window is listened to, only
//! well-formed messages are acted on, and once a host has said hello, its origin is the only
//! one answered: replies, events and the content's height never go to `*` (the first `ready`
//! carries nothing, so it alone may). Requests act through the callbacks the page's own
//! buttons use, so the simulation stays the only source of outcomes.

use crate::embed_protocol::{
    self as protocol, Answer, BrokerState, Incoming, Outgoing, PartitionState, Request,
};
use crate::embed_watch::Watch;
use crate::sim_handle::SimHandle;
use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use js_sys::{Array, Function, JSON, Object, Reflect};
use kafka_sim::{Command, SimTime};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(message: &str);
}

/// A console warning: how the frame tells a page's author what it ignored.
pub fn warn(message: &str) {
    if cfg!(target_arch = "wasm32") {
        console_warn(message);
    }
}

/// How often the run is read for news to send (real milliseconds).
const POLL_MS: u32 = 250;

/// What a host's requests act through: the page's own state and callbacks.
#[derive(Clone)]
pub struct Controls {
    /// The run shown.
    pub sim: SimHandle,
    /// Whether time is running.
    pub playing: bool,
    /// Plays or pauses.
    pub on_play: Callback<bool>,
    /// Whether a jump is under way (a `runTo` is answered once it has arrived).
    pub seeking: bool,
    /// The timeline's jump.
    pub on_seek: Callback<SimTime>,
    /// Shows another run (never saved in an embed).
    pub show: Callback<(SimHandle, Option<u32>)>,
    /// Applies a command as the page's buttons do, with Kafka's refusal.
    pub apply: Callback<Command, Result<(), String>>,
    /// The lesson the frame's panel walks: the one a `load` opened, or none after a scenario
    /// or a share link (whose run is not the lesson's).
    pub on_lesson: Callback<Option<String>>,
}

/// What the frame knows of its host.
#[derive(Default)]
struct Host {
    /// The origin of the first valid message: the only one answered.
    origin: Option<String>,
    watch: Watch,
    /// `runTo` requests waiting for their jump to arrive.
    running_to: Vec<u64>,
    /// The content height, as last measured...
    height: u32,
    /// ...and as last sent.
    height_sent: u32,
}

/// Listens to the host page when `enabled` (an embed): answers its requests, sends it the
/// run's events and `main`'s height.
#[hook]
pub fn use_embed_api(enabled: bool, main: NodeRef, controls: Controls) {
    let latest = use_mut_ref(|| None::<Controls>);
    *latest.borrow_mut() = Some(controls);
    let host = use_mut_ref(Host::default);
    use_effect_with(enabled, move |&enabled| {
        let connection = enabled.then(|| connect(latest, host, &main)).flatten();
        move || drop(connection)
    });
}

type Latest = Rc<RefCell<Option<Controls>>>;
type SharedHost = Rc<RefCell<Host>>;

/// Everything that keeps the frame connected; dropping it disconnects.
struct Connection {
    _listener: EventListener,
    _poll: Interval,
    _observer: Option<Observer>,
}

/// The window of the page this one is framed in; none when it was opened on its own.
pub fn host(window: &web_sys::Window) -> Option<web_sys::Window> {
    let parent = window.parent().ok().flatten()?;
    (!Object::is(&parent, window)).then_some(parent)
}

/// Whether this page is framed in another's (an embed, or the full page in an iframe).
pub fn framed() -> bool {
    web_sys::window().is_some_and(|window| host(&window).is_some())
}

fn connect(latest: Latest, host: SharedHost, main: &NodeRef) -> Option<Connection> {
    let window = web_sys::window()?;
    // Opened on its own: no host to talk to.
    let parent = self::host(&window)?;
    let listener = {
        let (latest, host, parent) = (latest.clone(), host.clone(), parent.clone());
        EventListener::new(&window, "message", move |event| {
            on_message(event, &latest, &host, &parent);
        })
    };
    let poll = {
        let (latest, host, parent) = (latest.clone(), host.clone(), parent.clone());
        Interval::new(POLL_MS, move || poll(&latest, &host, &parent))
    };
    let observer = main.cast::<web_sys::HtmlElement>().and_then(|element| {
        let (host, measured) = (host.clone(), element.clone());
        observe(&element, move || {
            host.borrow_mut().height = content_height(&measured)
        })
    });
    post(&parent, "*", &protocol::ready());
    Some(Connection {
        _listener: listener,
        _poll: poll,
        _observer: observer,
    })
}

fn on_message(event: &Event, latest: &Latest, host: &SharedHost, parent: &web_sys::Window) {
    let field = |name: &str| Reflect::get(event, &JsValue::from_str(name)).unwrap_or_default();
    // Another frame, a script of the frame's own, or an extension: not the host page.
    if !Object::is(&field("source"), parent) {
        return;
    }
    let origin = field("origin").as_string().unwrap_or_default();
    let Some(text) = JSON::stringify(&field("data"))
        .ok()
        .and_then(|t| t.as_string())
    else {
        return;
    };
    let (id, request) = match protocol::read(&text) {
        Incoming::NotOurs => return,
        Incoming::Malformed(why) => {
            warn(&format!(
                "kafka-playground: ignored a message from {origin}: {why}"
            ));
            return;
        }
        Incoming::Request(id, request) => (id, request),
    };
    {
        let mut host = host.borrow_mut();
        match &host.origin {
            Some(known) if *known != origin => {
                warn(&format!(
                    "kafka-playground: ignored a message from {origin}: this playground answers {known}"
                ));
                return;
            }
            Some(_) => {}
            None => host.origin = Some(origin.clone()),
        }
    }
    // Cloned out, so no borrow is held while the page re-renders.
    let Some(controls) = latest.borrow().clone() else {
        return;
    };
    if let Some(answer) = act(&controls, id, request, host) {
        post(parent, &origin, &protocol::reply(id, answer));
    }
}

/// Carries out a request; `None` when the answer comes later (a jump that takes a while).
fn act(
    c: &Controls,
    id: u64,
    request: Request,
    host: &SharedHost,
) -> Option<Result<Answer, String>> {
    let now = |sim: &SimHandle| Answer::Now {
        now_ms: sim.now().as_millis(),
    };
    Some(match request {
        Request::Hello => {
            let mut host = host.borrow_mut();
            host.watch = Watch::default();
            // Sent again at the next poll, for a host that reloaded its element.
            host.height_sent = 0;
            Ok(state(c))
        }
        Request::Play => {
            c.on_play.emit(true);
            Ok(now(&c.sim))
        }
        Request::Pause => {
            c.on_play.emit(false);
            Ok(now(&c.sim))
        }
        Request::RunTo(moment) => {
            c.on_seek.emit(moment);
            host.borrow_mut().running_to.push(id);
            return None;
        }
        Request::Command(command) => c.apply.emit(command).map(|()| now(&c.sim)),
        Request::Load(load) => protocol::session_of(&load).map(|session| {
            let at = Answer::Now {
                now_ms: session.now.as_millis(),
            };
            c.show.emit((SimHandle::restore(session), None));
            c.on_lesson.emit(match load {
                protocol::Load::Lesson(id) => Some(id),
                protocol::Load::Scenario(_) | protocol::Load::Share(_) => None,
            });
            at
        }),
        Request::State => Ok(state(c)),
    })
}

/// The run in brief: enough for a host to pick a broker to crash or show where a run stands.
fn state(c: &Controls) -> Answer {
    let view = c.sim.view();
    let partitions = view
        .topics
        .iter()
        .flat_map(|topic| {
            topic.partitions.iter().map(|p| PartitionState {
                isr: p.isr.clone(),
                leader: p.leader,
                leader_epoch: p.leader_epoch,
                partition: p.partition,
                replicas: p.replicas.clone(),
                topic: topic.name.clone(),
            })
        })
        .collect();
    let brokers = view
        .brokers
        .iter()
        .map(|b| BrokerState {
            fenced: b.fenced,
            id: b.id,
            up: b.up,
        })
        .collect();
    Answer::State {
        brokers,
        now_ms: view.now.as_millis(),
        partitions,
        playing: c.playing,
        seed: view.seed.to_string(),
    }
}

/// Sends the content's height when it changed, news, and finished jumps to a host that said
/// hello.
fn poll(latest: &Latest, host: &SharedHost, parent: &web_sys::Window) {
    let Some(origin) = host.borrow().origin.clone() else {
        return;
    };
    let Some(controls) = latest.borrow().clone() else {
        return;
    };
    let (news, arrived, height) = {
        let mut host = host.borrow_mut();
        let height = (host.height != host.height_sent).then_some(host.height);
        host.height_sent = host.height;
        let news = host.watch.news(&controls.sim);
        let arrived = if controls.seeking {
            Vec::new()
        } else {
            std::mem::take(&mut host.running_to)
        };
        (news, arrived, height)
    };
    if let Some(height) = height {
        post(parent, &origin, &protocol::resize(height));
    }
    for (name, detail) in news {
        post(parent, &origin, &protocol::event(name, detail));
    }
    let now = Answer::Now {
        now_ms: controls.sim.now().as_millis(),
    };
    for id in arrived {
        post(parent, &origin, &protocol::reply(id, Ok(now.clone())));
    }
}

fn post(parent: &web_sys::Window, origin: &str, message: &Outgoing) {
    let text = serde_json::to_string(message).unwrap_or_default();
    if let Ok(value) = JSON::parse(&text) {
        // An origin postMessage cannot address (a host opened from a file) is not answered.
        let _ = parent.post_message(&value, origin);
    }
}

/// From the top of the page to the bottom of `main`, in whole CSS pixels.
fn content_height(main: &web_sys::HtmlElement) -> u32 {
    u32::try_from(main.offset_top() + main.offset_height()).unwrap_or(0)
}

/// A `ResizeObserver` on one element (built by name: it needs no web-sys feature).
struct Observer {
    observer: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Drop for Observer {
    fn drop(&mut self) {
        if let Ok(disconnect) = Reflect::get(&self.observer, &"disconnect".into()) {
            let _ = disconnect
                .unchecked_into::<Function>()
                .call0(&self.observer);
        }
    }
}

fn observe(element: &web_sys::HtmlElement, on_resize: impl FnMut() + 'static) -> Option<Observer> {
    let window = web_sys::window()?;
    let class: Function = Reflect::get(&window, &"ResizeObserver".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let callback = Closure::<dyn FnMut()>::new(on_resize);
    let observer = Reflect::construct(&class, &Array::of1(callback.as_ref())).ok()?;
    let start: Function = Reflect::get(&observer, &"observe".into())
        .ok()?
        .dyn_into()
        .ok()?;
    start.call1(&observer, element).ok()?;
    Some(Observer {
        observer,
        _callback: callback,
    })
}
