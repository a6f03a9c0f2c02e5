//! Faults: what a container can cause (kill, stop, disconnect) as commands, and what it cannot
//! (one-way cuts, latency and loss, slow followers, scripted errors) as comments that say how
//! to approximate it by hand.
//!
//! A container is cut off whole: `docker network disconnect` takes a node off the network, so a
//! cut link becomes an isolated node. For each cut the script isolates the link's second end
//! (its first if the second is the client container), unless one end is isolated already; the
//! node comes back once no cut link it stands for remains.

use super::script::{Script, seconds};
use super::{Layout, PROJECT};
use crate::command::Command;
use crate::endpoint::Endpoint;
use crate::event::CrashKind;
use crate::protocol::BrokerId;

/// Which containers the script has disconnected, and for which cut links.
#[derive(Default)]
pub(crate) struct Network {
    /// Each cut link, with the container isolated for it.
    cuts: Vec<((Endpoint, Endpoint), String)>,
}

impl Network {
    /// `cut_link`: isolate one end, unless the link is cut already.
    pub(crate) fn cut(&mut self, script: &mut Script, layout: &Layout, a: &Endpoint, b: &Endpoint) {
        let at = seconds(script.at());
        script.comment(&format!("{at}: cut the link between {a} and {b}"));
        let isolated =
            |e: &Endpoint| container(layout, e).filter(|c| self.cuts.iter().any(|(_, i)| i == c));
        let target = match isolated(a).or_else(|| isolated(b)) {
            Some(already) => {
                script.comment(&format!(
                    "{already} is disconnected already, so this link is cut too."
                ));
                already
            }
            None => match container(layout, b).or_else(|| container(layout, a)) {
                Some(target) => {
                    script.comment(&format!(
                        "docker network disconnect cuts {target} off from everyone (brokers, \
                         controllers and clients), not only from the other end of this link."
                    ));
                    script.command(format!(
                        "docker network disconnect {PROJECT} \"$(docker compose ps -q {target})\""
                    ));
                    target
                }
                None => {
                    script.cannot(
                        &format!("a cut between {a} and {b}"),
                        "both run in the client container; run them in containers of their own \
                         to cut one off",
                    );
                    return;
                }
            },
        };
        self.cuts.push(((a.clone(), b.clone()), target));
    }

    /// `heal_link` (one link) or `heal_network` (all): reconnect every container no remaining
    /// cut needs.
    pub(crate) fn heal(&mut self, script: &mut Script, link: Option<(&Endpoint, &Endpoint)>) {
        let at = seconds(script.at());
        match link {
            Some((a, b)) => script.comment(&format!("{at}: heal the link between {a} and {b}")),
            None => script.comment(&format!("{at}: heal every link")),
        }
        let before: Vec<String> = self.isolated();
        self.cuts.retain(|((x, y), _)| match link {
            Some((a, b)) => !((x == a && y == b) || (x == b && y == a)),
            None => false,
        });
        let still = self.isolated();
        for target in before.into_iter().filter(|t| !still.contains(t)) {
            script.command(format!(
                "docker network connect --alias {target} {PROJECT} \"$(docker compose ps -q \
                 {target})\""
            ));
        }
    }

    fn isolated(&self) -> Vec<String> {
        let mut out: Vec<String> = self.cuts.iter().map(|(_, c)| c.clone()).collect();
        crate::sorted::sort(&mut out);
        out.dedup();
        out
    }
}

/// The container an endpoint runs in, if it has one of its own (clients share one).
fn container(layout: &Layout, endpoint: &Endpoint) -> Option<String> {
    match endpoint {
        Endpoint::Broker(id) => Some(layout.broker(*id)),
        Endpoint::Controller => Some(layout.controller(1)),
        Endpoint::ControllerNode(n) => Some(layout.controller(*n)),
        Endpoint::Client(_) => None,
    }
}

/// `crash_broker`: SIGKILL, which is a process crash; a power loss can only be described.
pub(crate) fn crash_broker(
    script: &mut Script,
    layout: &Layout,
    broker: BrokerId,
    kind: CrashKind,
) {
    let at = seconds(script.at());
    script.comment(&format!("{at}: broker {broker}'s process dies (kill -9)"));
    script.command(format!(
        "docker compose kill -s KILL {}",
        layout.broker(broker)
    ));
    if kind == CrashKind::PowerLoss {
        script.cannot(
            &format!("broker {broker} loses power, and with it the unflushed tail of its log"),
            "a killed container keeps the host's page cache, so nothing it wrote is lost; only \
             a machine (or VM) losing power loses it",
        );
    }
}

/// A network or broker fault a container cannot cause, described with how to approximate it.
pub(crate) fn by_hand(script: &mut Script, layout: &Layout, command: &Command) {
    let at = seconds(script.at());
    // tc needs NET_ADMIN and iproute2, which the Kafka image has neither of: a sidecar that
    // shares the container's network namespace has both.
    let sidecar = |target: &str| {
        format!(
            "docker run --rm --net container:$(docker compose ps -q {target}) --cap-add \
             NET_ADMIN nicolaka/netshoot"
        )
    };
    let name = |e: &Endpoint| container(layout, e).unwrap_or_else(|| "client".to_owned());
    match command {
        Command::SetLink {
            a,
            b,
            latency_ms,
            jitter_ms,
            drop_per_million,
        } => {
            script.comment(&format!(
                "{at}: the link between {a} and {b}: {latency_ms} ms latency, up to {jitter_ms} \
                 ms jitter, {drop_per_million} per million dropped"
            ));
            let loss = format!(
                "{}.{:04}%",
                drop_per_million / 10_000,
                drop_per_million % 10_000
            );
            let tc = if *latency_ms == 0 && *jitter_ms == 0 && *drop_per_million == 0 {
                "tc qdisc del dev eth0 root".to_owned()
            } else {
                format!(
                    "tc qdisc replace dev eth0 root netem delay {latency_ms}ms {jitter_ms}ms \
                     loss {loss}"
                )
            };
            script.by_hand(
                &format!("latency and loss on the link between {a} and {b} only"),
                &format!("netem changes everything {} sends, not one link", name(b)),
                &format!("{} {tc}", sidecar(&name(b))),
            );
        }
        Command::SlowFollower { broker, delay_ms } => {
            script.comment(&format!(
                "{at}: broker {broker} waits {delay_ms} ms before each replica fetch"
            ));
            let target = layout.broker(*broker);
            let tc = if *delay_ms == 0 {
                "tc qdisc del dev eth0 root".to_owned()
            } else {
                format!("tc qdisc replace dev eth0 root netem delay {delay_ms}ms")
            };
            script.by_hand(
                &format!("a slow follower (broker {broker})"),
                "delaying all of its traffic comes close",
                &format!("{} {tc}", sidecar(&target)),
            );
        }
        Command::CutOneWay { from, to } => {
            script.comment(&format!("{at}: {from} can no longer reach {to} (one way)"));
            script.by_hand(
                &format!("a one-way cut from {from} to {to}"),
                &format!(
                    "TCP needs both directions, so the closest is dropping what {} sends to {} \
                     (iptables -F undoes it)",
                    name(from),
                    name(to)
                ),
                &format!(
                    "{} iptables -A OUTPUT -d $(docker compose exec -T {} hostname -i) -j DROP",
                    sidecar(&name(from)),
                    name(to)
                ),
            );
        }
        Command::PushErrors {
            broker,
            api,
            errors,
        } => {
            script.comment(&format!(
                "{at}: broker {broker} answers the next {api} requests with {errors:?}"
            ));
            script.cannot(
                &format!("scripted {api} errors from broker {broker}"),
                "a real broker cannot be told to fail requests; librdkafka's mock cluster \
                 (rd_kafka_mock_push_request_errors) can",
            );
        }
        _ => {}
    }
}
