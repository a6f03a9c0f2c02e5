//! The KRaft controller quorum (KIP-595), reduced to what decides who is the active controller
//! and what is committed: voters elect a leader per epoch (a vote goes to a candidate whose log
//! is at least as up to date; a majority wins), followers pull the metadata log from the
//! leader and truncate where it diverges, and a record is committed once a majority has it
//! and the leader has committed a record of its own epoch. Only the leader serves brokers,
//! and only committed records: an active controller that dies takes its uncommitted records
//! with it, and brokers never saw them.
//!
//! As in Kafka 4 (KIP-996), an election starts with a pre-vote that changes nothing: voters
//! that still hear from a leader refuse it, so a restarted or briefly cut-off voter cannot
//! depose a working leader. A leader that stops hearing from a majority resigns, and keeps
//! announcing itself (BeginQuorumEpoch) to voters that do not fetch.
//!
//! A single controller is its own majority: it leads from the start and every record commits
//! when appended.

use super::Controller;
use crate::event::EventKind;
use crate::metadata::MetadataRecord;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};

use crate::protocol::{QuorumFetchRequest, QuorumFetchResponse, QuorumMessage};
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// `controller.quorum.election.timeout.ms` (default 1000): a candidate waits a random time of
/// up to twice this before starting another election.
pub(crate) const ELECTION_TIMEOUT: SimDuration = SimDuration::from_millis(1_000);
/// `controller.quorum.fetch.timeout.ms` (default 2000): a follower that has not heard from the
/// leader this long starts an election.
pub(crate) const FETCH_TIMEOUT: SimDuration = SimDuration::from_millis(2_000);
/// How often a follower fetches when the leader had nothing new.
const FETCH_INTERVAL: SimDuration = SimDuration::from_millis(200);
/// Records per fetch response.
const FETCH_MAX_RECORDS: usize = 500;

/// A voter's role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    /// The active controller.
    Leader,
    /// Follows `leader` (unknown right after a restart or a higher epoch).
    Follower {
        /// The leader's controller id, when known.
        leader: Option<u32>,
    },
    /// Asking whether an election could win, before starting one (pre-vote).
    Prospective {
        /// Voters that said yes.
        votes: BTreeSet<u32>,
    },
    /// Asking for votes in its epoch.
    Candidate {
        /// Voters that granted their vote.
        votes: BTreeSet<u32>,
    },
}

/// What the leader knows of a follower from its fetches.
#[derive(Clone, Copy, Debug)]
pub(super) struct Follower {
    /// Its log end offset (0 until it fetches in this epoch).
    end: u64,
    /// Its last fetch (the leader's election, until it fetches: a fetch timeout's grace).
    heard_at: SimTime,
}

/// One voter's quorum state. The epoch and vote survive a restart (Kafka keeps them in the
/// `quorum-state` file); the role does not.
#[derive(Clone, Debug, Serialize)]
pub struct Quorum {
    /// This controller's id (1-based).
    pub id: u32,
    /// Every voter's node, by id - 1.
    #[serde(skip)]
    pub voters: Rc<Vec<NodeId>>,
    /// The current epoch.
    pub epoch: u32,
    /// The role in it.
    pub role: Role,
    /// Who this voter voted for in the current epoch.
    pub voted_for: Option<u32>,
    /// Records below this offset are committed.
    pub committed: u64,
    /// The leader's view of each follower, by id.
    #[serde(skip)]
    pub(super) followers: BTreeMap<u32, Follower>,
    /// A follower's last successful fetch.
    #[serde(skip)]
    pub(super) last_contact: SimTime,
    /// Distinguishes the current election timer from stale ones.
    #[serde(skip)]
    pub(super) timer_generation: u64,
    #[serde(skip)]
    pub(super) fetch_in_flight: bool,
    /// Distinguishes the current fetch timer from stale ones.
    #[serde(skip)]
    pub(super) fetch_generation: u64,
}

impl Quorum {
    /// The state of voter `id` among `voters`, before it starts.
    pub fn new(id: u32, voters: Rc<Vec<NodeId>>) -> Self {
        Quorum {
            id,
            voters,
            epoch: 0,
            role: Role::Follower { leader: None },
            voted_for: None,
            committed: 0,
            followers: BTreeMap::new(),
            last_contact: SimTime::ZERO,
            timer_generation: 0,
            fetch_in_flight: false,
            fetch_generation: 0,
        }
    }

    fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// The leader's id, as this voter knows it.
    pub fn leader(&self) -> Option<u32> {
        match self.role {
            Role::Leader => Some(self.id),
            Role::Follower { leader } => leader,
            Role::Prospective { .. } | Role::Candidate { .. } => None,
        }
    }

    /// Whether this voter still trusts a leader: a follower that heard from it recently, or a
    /// leader that a majority fetches from. Such a voter refuses (pre-)votes.
    fn sticky(&self, now: SimTime) -> bool {
        match self.role {
            Role::Follower { leader: Some(_) } => now.since(self.last_contact) < FETCH_TIMEOUT,
            Role::Leader => self.majority_heard(now, FETCH_TIMEOUT),
            _ => false,
        }
    }

    /// Whether the leader heard from a majority (itself included) within `within`.
    fn majority_heard(&self, now: SimTime, within: SimDuration) -> bool {
        let recent = self
            .followers
            .values()
            .filter(|f| now.since(f.heard_at) < within)
            .count();
        recent + 1 >= self.majority()
    }

    fn node(&self, id: u32) -> Option<NodeId> {
        self.voters.get(id.checked_sub(1)? as usize).copied()
    }

    fn others(&self) -> impl Iterator<Item = (u32, NodeId)> + '_ {
        let me = self.id;
        (1..=self.voters.len() as u32)
            .filter(move |&id| id != me)
            .filter_map(|id| Some((id, self.node(id)?)))
    }
}

impl Controller {
    /// Whether this controller is the active one.
    pub fn is_active(&self) -> bool {
        self.quorum.role == Role::Leader
    }

    /// Its quorum state.
    pub fn quorum(&self) -> &Quorum {
        &self.quorum
    }

    /// The epoch of the last record and the log end offset, which a vote compares.
    fn log_position(&self) -> (u32, u64) {
        (
            self.epochs.last().copied().unwrap_or(0),
            self.log.len() as u64,
        )
    }

    pub(super) fn start_quorum(&mut self, ctx: &mut Ctx<'_>) {
        self.quorum.last_contact = ctx.now();
        self.quorum.role = Role::Follower { leader: None };
        if self.quorum.voters.len() == 1 {
            self.become_leader(ctx);
        } else {
            self.arm_election_timer(ctx, ELECTION_TIMEOUT);
        }
    }

    fn arm_election_timer(&mut self, ctx: &mut Ctx<'_>, base: SimDuration) {
        self.quorum.timer_generation += 1;
        let jitter = ctx.rng().below(ELECTION_TIMEOUT.as_micros());
        ctx.set_timer(
            base + SimDuration::from_micros(jitter),
            Timer::QuorumElection {
                generation: self.quorum.timer_generation,
            },
        );
    }

    pub(super) fn on_quorum_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::QuorumElection { generation } if generation == self.quorum.timer_generation => {
                match self.quorum.role {
                    Role::Leader => self.check_followers(ctx),
                    Role::Follower { leader: Some(_) }
                        if ctx.now().since(self.quorum.last_contact) < FETCH_TIMEOUT =>
                    {
                        let silent = ctx.now().since(self.quorum.last_contact);
                        let wait = FETCH_TIMEOUT.as_micros().saturating_sub(silent.as_micros());
                        self.arm_election_timer(ctx, SimDuration::from_micros(wait));
                    }
                    _ => self.become_prospective(ctx),
                }
            }
            Timer::QuorumFetch { generation } if generation == self.quorum.fetch_generation => {
                self.quorum.fetch_in_flight = false;
                self.fetch_from_leader(ctx);
            }
            _ => {}
        }
    }

    /// The leader's periodic check: announce itself to voters that do not fetch, and resign
    /// when a majority has been silent for 1.5 × the fetch timeout (KIP-996).
    fn check_followers(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let resign_after = SimDuration::from_micros(FETCH_TIMEOUT.as_micros() * 3 / 2);
        if !self.quorum.majority_heard(now, resign_after) {
            let epoch = self.quorum.epoch;
            return self.become_follower(ctx, epoch, None);
        }
        let announce = QuorumMessage::BeginQuorumEpoch {
            epoch: self.quorum.epoch,
            leader: self.quorum.id,
        };
        let silent: Vec<NodeId> = self
            .quorum
            .others()
            .filter(|(id, _)| {
                self.quorum.followers.get(id).is_none_or(|f| {
                    now.since(f.heard_at).as_micros() >= FETCH_INTERVAL.as_micros() * 2
                })
            })
            .map(|(_, node)| node)
            .collect();
        for node in silent {
            ctx.send(node, announce.clone());
        }
        self.quorum.timer_generation += 1;
        ctx.set_timer(
            SimDuration::from_micros(ELECTION_TIMEOUT.as_micros() / 2),
            Timer::QuorumElection {
                generation: self.quorum.timer_generation,
            },
        );
    }

    fn request_votes(&mut self, ctx: &mut Ctx<'_>, epoch: u32, pre_vote: bool) {
        let (last_epoch, end_offset) = self.log_position();
        let request = QuorumMessage::Vote {
            epoch,
            candidate: self.quorum.id,
            last_epoch,
            end_offset,
            pre_vote,
        };
        let others: Vec<NodeId> = self.quorum.others().map(|(_, node)| node).collect();
        for node in others {
            ctx.send(node, request.clone());
        }
        self.arm_election_timer(ctx, ELECTION_TIMEOUT);
    }

    /// Asks whether an election in the next epoch could win, without starting it.
    fn become_prospective(&mut self, ctx: &mut Ctx<'_>) {
        self.quorum.role = Role::Prospective {
            votes: std::iter::once(self.quorum.id).collect_set(),
        };
        let epoch = self.quorum.epoch + 1;
        self.request_votes(ctx, epoch, true);
    }

    fn become_candidate(&mut self, ctx: &mut Ctx<'_>) {
        let quorum = &mut self.quorum;
        quorum.epoch += 1;
        quorum.voted_for = Some(quorum.id);
        quorum.role = Role::Candidate {
            votes: std::iter::once(quorum.id).collect_set(),
        };
        let epoch = quorum.epoch;
        self.request_votes(ctx, epoch, false);
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_>) {
        if self.quorum.voters.len() > 1 {
            // A single controller keeps its epoch 0 and writes no LeaderChange: nothing else
            // ever leads.
            self.quorum.timer_generation += 1;
        }
        self.quorum.role = Role::Leader;
        // Every follower gets a fetch timeout's grace before the leader counts it as silent.
        let now = ctx.now();
        let ids: Vec<u32> = self.quorum.others().map(|(id, _)| id).collect();
        self.quorum.followers = ids
            .into_iter()
            .map(|id| {
                (
                    id,
                    Follower {
                        end: 0,
                        heard_at: now,
                    },
                )
            })
            .collect_map();
        let epoch = self.quorum.epoch;
        let announce = QuorumMessage::BeginQuorumEpoch {
            epoch,
            leader: self.quorum.id,
        };
        let others: Vec<NodeId> = self.quorum.others().map(|(_, node)| node).collect();
        for node in others {
            ctx.send(node, announce.clone());
        }
        if self.quorum.voters.len() > 1 {
            ctx.emit(EventKind::ControllerElected {
                controller: self.quorum.id,
                epoch,
            });
            // KRaft's LeaderChangeMessage: a record of the new epoch, so the records before it
            // commit as soon as it does.
            self.append(
                ctx,
                MetadataRecord::LeaderChange {
                    epoch,
                    leader: self.quorum.id,
                },
            );
        }
        self.take_over(ctx);
        if self.quorum.voters.len() > 1 {
            self.check_followers(ctx);
        }
    }

    /// Steps down to follow `leader` in `epoch` (a higher epoch clears the vote).
    fn become_follower(&mut self, ctx: &mut Ctx<'_>, epoch: u32, leader: Option<u32>) {
        let was_leader = self.quorum.role == Role::Leader;
        if epoch > self.quorum.epoch {
            self.quorum.epoch = epoch;
            self.quorum.voted_for = None;
        }
        self.quorum.role = Role::Follower { leader };
        self.quorum.last_contact = ctx.now();
        self.quorum.fetch_in_flight = false;
        if was_leader {
            self.renounce(ctx, leader);
        }
        self.arm_election_timer(ctx, FETCH_TIMEOUT);
        if leader.is_some() {
            self.fetch_from_leader(ctx);
        }
    }

    pub(super) fn on_quorum_message(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        message: QuorumMessage,
    ) {
        match message {
            QuorumMessage::Vote {
                epoch,
                candidate,
                last_epoch,
                end_offset,
                pre_vote,
            } => {
                let up_to_date = (last_epoch, end_offset) >= self.log_position();
                let sticky = self.quorum.sticky(ctx.now());
                let granted = if pre_vote {
                    epoch > self.quorum.epoch && up_to_date && !sticky
                } else {
                    if epoch > self.quorum.epoch && !sticky {
                        self.become_follower(ctx, epoch, None);
                    }
                    let granted = epoch == self.quorum.epoch
                        && !sticky
                        && up_to_date
                        && self.quorum.voted_for.is_none_or(|v| v == candidate);
                    if granted {
                        self.quorum.voted_for = Some(candidate);
                        self.quorum.last_contact = ctx.now();
                    }
                    granted
                };
                let response = QuorumMessage::VoteResponse {
                    epoch: self.quorum.epoch,
                    granted,
                    pre_vote,
                };
                ctx.send(from, response);
            }
            QuorumMessage::VoteResponse {
                epoch,
                granted,
                pre_vote,
            } => {
                if epoch > self.quorum.epoch && !pre_vote {
                    return self.become_follower(ctx, epoch, None);
                }
                let voter = self.quorum.voters.iter().position(|&n| n == from);
                let majority = self.quorum.majority();
                let current = epoch == self.quorum.epoch;
                match (&mut self.quorum.role, voter) {
                    (Role::Prospective { votes }, Some(voter)) if pre_vote && granted => {
                        votes.insert(voter as u32 + 1);
                        if votes.len() >= majority {
                            self.become_candidate(ctx);
                        }
                    }
                    (Role::Candidate { votes }, Some(voter)) if !pre_vote && granted && current => {
                        votes.insert(voter as u32 + 1);
                        if votes.len() >= majority {
                            self.become_leader(ctx);
                        }
                    }
                    _ => {}
                }
            }
            QuorumMessage::BeginQuorumEpoch { epoch, leader } => {
                let known = self.quorum.role
                    == Role::Follower {
                        leader: Some(leader),
                    }
                    && epoch == self.quorum.epoch;
                if known {
                    self.quorum.last_contact = ctx.now();
                } else if epoch >= self.quorum.epoch && self.quorum.role != Role::Leader
                    || epoch > self.quorum.epoch
                {
                    self.become_follower(ctx, epoch, Some(leader));
                }
            }
            QuorumMessage::Fetch(request) => self.serve_quorum_fetch(ctx, from, request),
            QuorumMessage::FetchResponse(response) => self.on_quorum_fetch_response(ctx, response),
        }
    }

    fn fetch_from_leader(&mut self, ctx: &mut Ctx<'_>) {
        let Role::Follower {
            leader: Some(leader),
        } = self.quorum.role
        else {
            return;
        };
        let Some(node) = self.quorum.node(leader) else {
            return;
        };
        if self.quorum.fetch_in_flight {
            return;
        }
        self.quorum.fetch_in_flight = true;
        self.quorum.fetch_generation += 1;
        let generation = self.quorum.fetch_generation;
        let (last_epoch, offset) = self.log_position();
        ctx.send(
            node,
            QuorumMessage::Fetch(QuorumFetchRequest {
                epoch: self.quorum.epoch,
                replica: self.quorum.id,
                offset,
                last_epoch,
            }),
        );
        // A lost request or answer: fetch again after a while (the election timer watches
        // the silence).
        ctx.set_timer(FETCH_TIMEOUT, Timer::QuorumFetch { generation });
    }

    fn serve_quorum_fetch(&mut self, ctx: &mut Ctx<'_>, from: NodeId, request: QuorumFetchRequest) {
        let QuorumFetchRequest {
            epoch,
            replica,
            offset,
            last_epoch,
        } = request;
        if epoch > self.quorum.epoch {
            return self.become_follower(ctx, epoch, None);
        }
        let mut response = QuorumFetchResponse {
            epoch: self.quorum.epoch,
            leader: self.quorum.leader(),
            offset,
            records: Vec::new(),
            truncate_to: None,
            committed: self.quorum.committed,
        };
        if epoch < self.quorum.epoch || self.quorum.role != Role::Leader {
            return ctx.send(from, QuorumMessage::FetchResponse(response));
        }
        // Divergence (KIP-595): the follower's last record must be in this log with the same
        // epoch; otherwise it truncates to where that epoch ends here.
        let diverged = offset > self.log.len() as u64
            || offset > 0 && self.epochs[offset as usize - 1] != last_epoch;
        if diverged {
            let end = self.epochs.iter().take_while(|&&e| e <= last_epoch).count() as u64;
            response.truncate_to = Some(end.min(offset).min(self.log.len() as u64));
        } else {
            let heard_at = ctx.now();
            let follower = Follower {
                end: offset,
                heard_at,
            };
            self.quorum.followers.insert(replica, follower);
            self.advance_commit(ctx);
            response.committed = self.quorum.committed;
            let end = self.log.len().min(offset as usize + FETCH_MAX_RECORDS);
            response.records = (offset as usize..end)
                .map(|i| (self.epochs[i], Rc::clone(&self.log[i])))
                .collect();
        }
        ctx.send(from, QuorumMessage::FetchResponse(response));
    }

    fn on_quorum_fetch_response(&mut self, ctx: &mut Ctx<'_>, response: QuorumFetchResponse) {
        let (epoch, leader) = (response.epoch, response.leader);
        self.quorum.fetch_in_flight = false;
        if epoch > self.quorum.epoch
            || (epoch == self.quorum.epoch
                && leader.is_some()
                && self.quorum.leader() != leader
                && self.quorum.role != Role::Leader)
        {
            return self.become_follower(ctx, epoch, leader);
        }
        if epoch < self.quorum.epoch || !matches!(self.quorum.role, Role::Follower { .. }) {
            return;
        }
        // Only the leader's answer is contact: a restarted former leader answers "no leader"
        // (KRaft's NOT_LEADER_OR_FOLLOWER), and counting that kept the followers trusting a
        // leader that was gone, refusing every election (fuzz seed 266).
        if leader.is_none() || leader != self.quorum.leader() {
            return;
        }
        self.quorum.last_contact = ctx.now();
        if let Some(end) = response.truncate_to {
            self.truncate_log(end);
            return self.fetch_from_leader(ctx);
        }
        if response.offset != self.log.len() as u64 {
            return self.fetch_from_leader(ctx);
        }
        let got = !response.records.is_empty();
        for (record_epoch, record) in response.records {
            self.image.apply(&record);
            self.epochs.push(record_epoch);
            self.log.push(record);
        }
        self.quorum.committed = response
            .committed
            .min(self.log.len() as u64)
            .max(self.quorum.committed);
        if got {
            self.fetch_from_leader(ctx);
        } else {
            // Nothing new: poll again shortly (KRaft's fetch is a long poll; the effect on
            // how fast followers learn is the same).
            self.quorum.fetch_in_flight = true;
            self.quorum.fetch_generation += 1;
            let generation = self.quorum.fetch_generation;
            ctx.set_timer(FETCH_INTERVAL, Timer::QuorumFetch { generation });
        }
    }

    /// Drops the log from `end` on and rebuilds the image from what is left.
    fn truncate_log(&mut self, end: u64) {
        let end = (end as usize).min(self.log.len());
        self.log.truncate(end);
        self.epochs.truncate(end);
        self.quorum.committed = self.quorum.committed.min(end as u64);
        self.rebuild_image();
    }

    /// The image replayed from the log (after a truncation or a restart).
    pub(super) fn rebuild_image(&mut self) {
        let mut image = crate::metadata::MetadataImage::default();
        for record in &self.log {
            image.apply(record);
        }
        self.image = image;
    }

    /// The leader's commit point: the largest offset a majority has, once it includes a
    /// record of the current epoch (Raft's rule against committing an old leader's records by
    /// counting alone).
    pub(super) fn advance_commit(&mut self, ctx: &mut Ctx<'_>) {
        if self.quorum.role != Role::Leader {
            return;
        }
        // A follower that has not fetched yet counts 0, which never advances the commit.
        let mut ends: Vec<u64> = self.quorum.followers.values().map(|f| f.end).collect();
        ends.push(self.log.len() as u64);
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let Some(&candidate) = ends.get(self.quorum.majority() - 1) else {
            return;
        };
        let own_epoch =
            candidate > 0 && self.epochs.get(candidate as usize - 1) == Some(&self.quorum.epoch);
        if candidate > self.quorum.committed && (own_epoch || self.quorum.voters.len() == 1) {
            self.quorum.committed = candidate;
            self.on_committed(ctx);
        }
    }
}
