//! What every client request and response carries before its body, as Kafka's
//! `RequestHeader` and `ResponseHeader` do: which API it is, the correlation id that pairs an
//! answer with its request, and the sender's `client.id`. A node reads the correlation id
//! from the header instead of from each API's fields.
//!
//! An API family's messages are one [`ApiMessage`]: a request with its header, or an answer
//! with its.
//!
//! Kafka's header also carries the API version; nothing here negotiates versions (every node
//! speaks one version of each API), so it is not modelled.

use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// The client APIs, named as Kafka's `ApiKeys` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiKey {
    /// PRODUCE (0).
    Produce,
    /// FETCH (1).
    Fetch,
    /// LIST_OFFSETS (2).
    ListOffsets,
    /// METADATA (3).
    Metadata,
    /// OFFSET_COMMIT (8).
    OffsetCommit,
    /// OFFSET_FETCH (9).
    OffsetFetch,
    /// FIND_COORDINATOR (10).
    FindCoordinator,
    /// JOIN_GROUP (11).
    JoinGroup,
    /// HEARTBEAT (12).
    Heartbeat,
    /// LEAVE_GROUP (13).
    LeaveGroup,
    /// SYNC_GROUP (14).
    SyncGroup,
    /// INIT_PRODUCER_ID (22).
    InitProducerId,
    /// ADD_PARTITIONS_TO_TXN (24).
    AddPartitionsToTxn,
    /// ADD_OFFSETS_TO_TXN (25).
    AddOffsetsToTxn,
    /// END_TXN (26).
    EndTxn,
    /// WRITE_TXN_MARKERS (27).
    WriteTxnMarkers,
    /// TXN_OFFSET_COMMIT (28).
    TxnOffsetCommit,
    /// CONSUMER_GROUP_HEARTBEAT (68, KIP-848).
    ConsumerGroupHeartbeat,
    /// SHARE_GROUP_HEARTBEAT (76, KIP-932).
    ShareGroupHeartbeat,
    /// SHARE_FETCH (78, KIP-932).
    ShareFetch,
    /// SHARE_ACKNOWLEDGE (79, KIP-932).
    ShareAcknowledge,
}

impl ApiKey {
    /// The API's name as Kafka's logs and metrics print it (`ApiKeys.name`).
    pub fn name(self) -> &'static str {
        match self {
            ApiKey::Produce => "Produce",
            ApiKey::Fetch => "Fetch",
            ApiKey::ListOffsets => "ListOffsets",
            ApiKey::Metadata => "Metadata",
            ApiKey::OffsetCommit => "OffsetCommit",
            ApiKey::OffsetFetch => "OffsetFetch",
            ApiKey::FindCoordinator => "FindCoordinator",
            ApiKey::JoinGroup => "JoinGroup",
            ApiKey::Heartbeat => "Heartbeat",
            ApiKey::LeaveGroup => "LeaveGroup",
            ApiKey::SyncGroup => "SyncGroup",
            ApiKey::InitProducerId => "InitProducerId",
            ApiKey::AddPartitionsToTxn => "AddPartitionsToTxn",
            ApiKey::AddOffsetsToTxn => "AddOffsetsToTxn",
            ApiKey::EndTxn => "EndTxn",
            ApiKey::WriteTxnMarkers => "WriteTxnMarkers",
            ApiKey::TxnOffsetCommit => "TxnOffsetCommit",
            ApiKey::ConsumerGroupHeartbeat => "ConsumerGroupHeartbeat",
            ApiKey::ShareGroupHeartbeat => "ShareGroupHeartbeat",
            ApiKey::ShareFetch => "ShareFetch",
            ApiKey::ShareAcknowledge => "ShareAcknowledge",
        }
    }
}

/// Kafka's `RequestHeader` (without the version, see the module's doc).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestHeader {
    /// Which API the body is.
    pub api: ApiKey,
    /// Chosen by the client; its answer carries it back.
    pub correlation_id: u64,
    /// The sender's `client.id`.
    pub client_id: Rc<str>,
}

impl RequestHeader {
    /// The header of `client_id`'s request `correlation_id` to `api`.
    pub fn new(api: ApiKey, correlation_id: u64, client_id: Rc<str>) -> Self {
        RequestHeader {
            api,
            correlation_id,
            client_id,
        }
    }
}

/// Hashes the correlation id alone, as the message did before it had a header (so every trace
/// fingerprint stays what it was): the API follows from the body's kind, and the client id
/// is the sender's name, which each body that used it (JoinGroup) hashes in its old place.
impl Hash for RequestHeader {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.correlation_id.hash(state);
    }
}

/// Kafka's `ResponseHeader`: the correlation id of the request answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResponseHeader {
    /// The request's correlation id.
    pub correlation_id: u64,
}

impl ResponseHeader {
    /// The header of the answer to the request that carried `request`.
    pub fn answering(request: &RequestHeader) -> Self {
        ResponseHeader {
            correlation_id: request.correlation_id,
        }
    }
}

/// A request's or response's body, which names its API (Kafka's `ApiMessage.apiKey()`).
pub trait ApiBody {
    /// Which API it is, or answers.
    fn api(&self) -> ApiKey;
}

/// A message of one API family: a request with its header, or an answer with its.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiMessage<Request, Response> {
    /// A client's request.
    Request(RequestHeader, Request),
    /// The answer.
    Response(ResponseHeader, Response),
}

impl<Request: ApiBody, Response: ApiBody> ApiMessage<Request, Response> {
    /// A request of `client_id`'s, numbered `correlation_id`.
    pub fn request(correlation_id: u64, client_id: Rc<str>, body: Request) -> Self {
        let header = RequestHeader::new(body.api(), correlation_id, client_id);
        ApiMessage::Request(header, body)
    }

    /// The answer to the request numbered `correlation_id`.
    pub fn response(correlation_id: u64, body: Response) -> Self {
        ApiMessage::Response(ResponseHeader { correlation_id }, body)
    }

    /// The Kafka API name.
    pub fn api_name(&self) -> &'static str {
        match self {
            ApiMessage::Request(header, _) => header.api.name(),
            ApiMessage::Response(_, body) => body.api().name(),
        }
    }

    /// The correlation id its header carries.
    pub fn correlation_id(&self) -> u64 {
        match self {
            ApiMessage::Request(header, _) => header.correlation_id,
            ApiMessage::Response(header, _) => header.correlation_id,
        }
    }

    /// Whether it is a response.
    pub fn is_response(&self) -> bool {
        matches!(self, ApiMessage::Response(..))
    }
}
