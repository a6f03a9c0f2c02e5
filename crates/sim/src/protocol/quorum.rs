//! The messages between the controllers of the KRaft quorum (KIP-595).

use super::{Message, MetadataRecord};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// The quorum messages between controllers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Fields carry KIP-595's names; each variant says what it is.
pub enum QuorumMessage {
    /// Vote: a candidate asks for a vote in `epoch`, with its log's last epoch and end offset;
    /// a pre-vote asks whether it would get one, and changes nothing.
    Vote {
        epoch: u32,
        candidate: u32,
        last_epoch: u32,
        end_offset: u64,
        pre_vote: bool,
    },
    /// The voter's answer.
    VoteResponse {
        epoch: u32,
        granted: bool,
        pre_vote: bool,
    },
    /// BeginQuorumEpoch: a new leader announces itself.
    BeginQuorumEpoch { epoch: u32, leader: u32 },
    /// Fetch: a follower pulls the log.
    Fetch(QuorumFetchRequest),
    /// The leader's answer.
    FetchResponse(QuorumFetchResponse),
}

/// A follower pulls the log from `offset`, quoting the epoch of its last record (KRaft's
/// `FetchRequestData` for `__cluster_metadata`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuorumFetchRequest {
    /// The follower's epoch.
    pub epoch: u32,
    /// The follower's id.
    pub replica: u32,
    /// The first offset it wants: its log's end.
    pub offset: u64,
    /// The epoch of its last record (KIP-595's divergence check).
    pub last_epoch: u32,
}

/// Records (with their epochs) from `offset`, or where to truncate, and the commit point.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuorumFetchResponse {
    /// The answering controller's epoch.
    pub epoch: u32,
    /// The leader it knows of.
    pub leader: Option<u32>,
    /// The offset the records start at (the request's).
    pub offset: u64,
    /// Each record with the epoch it was written in.
    pub records: Vec<(u32, Rc<MetadataRecord>)>,
    /// Set when the follower's log diverged: truncate to this offset, then fetch again.
    pub truncate_to: Option<u64>,
    /// The high watermark: records below it are committed.
    pub committed: u64,
}

impl QuorumMessage {
    /// The Kafka API name.
    pub fn api_name(&self) -> &'static str {
        match self {
            QuorumMessage::Vote { .. } | QuorumMessage::VoteResponse { .. } => "Vote",
            QuorumMessage::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            QuorumMessage::Fetch { .. } | QuorumMessage::FetchResponse { .. } => {
                "Fetch(__cluster_metadata)"
            }
        }
    }

    /// Whether it is a response.
    pub fn is_response(&self) -> bool {
        matches!(
            self,
            QuorumMessage::VoteResponse { .. } | QuorumMessage::FetchResponse { .. }
        )
    }
}

impl From<QuorumMessage> for Message {
    fn from(message: QuorumMessage) -> Self {
        Message::Quorum(Box::new(message))
    }
}
