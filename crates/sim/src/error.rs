//! Kafka's protocol error codes, named, numbered and classed as retriable exactly as in
//! `clients/src/main/java/org/apache/kafka/common/protocol/Errors.java`, each with the default
//! message that file gives it (one table, so a copy of one text cannot drift from the others).
//! Protocol errors travel as data inside responses; they are not Rust errors.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $name:literal, $retriable:literal, $exception:literal, $message:literal;)*) => {
        /// A Kafka protocol error code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[allow(missing_docs)] // Each variant is documented by its Kafka name.
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            /// Every code, in the order of the table above.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The numeric code on the wire.
            pub const fn code(self) -> i16 {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The name as Kafka prints it, such as `NOT_LEADER_OR_FOLLOWER`.
            pub const fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// Kafka's default message: what an exception of this code says when the broker
            /// sent none of its own (`ApiError(Errors.X)` without a message). Empty for `NONE`.
            pub const fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message,)* }
            }

            /// The exception Kafka's clients throw for it, with its package, as tools print it
            /// (`Throwable.toString`). Empty for `NONE`.
            pub const fn exception(self) -> &'static str {
                match self { $(ErrorCode::$variant => $exception,)* }
            }

            /// Whether Kafka's clients retry it (the exception extends `RetriableException`).
            pub const fn is_retriable(self) -> bool {
                match self { $(ErrorCode::$variant => $retriable,)* }
            }
        }
    };
}

/// No error: what a response carries when it succeeds (the protocol's default, `NONE`).
impl Default for ErrorCode {
    fn default() -> Self {
        ErrorCode::None
    }
}

error_codes! {
    UnknownServerError = -1, "UNKNOWN_SERVER_ERROR", false, "org.apache.kafka.common.errors.UnknownServerException",
        "The server experienced an unexpected error when processing the request.";
    None = 0, "NONE", false, "",
        "";
    OffsetOutOfRange = 1, "OFFSET_OUT_OF_RANGE", false, "org.apache.kafka.common.errors.OffsetOutOfRangeException",
        "The requested offset is not within the range of offsets maintained by the server.";
    CorruptMessage = 2, "CORRUPT_MESSAGE", true, "org.apache.kafka.common.errors.CorruptRecordException",
        "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.";
    UnknownTopicOrPartition = 3, "UNKNOWN_TOPIC_OR_PARTITION", true, "org.apache.kafka.common.errors.UnknownTopicOrPartitionException",
        "This server does not host this topic-partition.";
    LeaderNotAvailable = 5, "LEADER_NOT_AVAILABLE", true, "org.apache.kafka.common.errors.LeaderNotAvailableException",
        "There is no leader for this topic-partition as we are in the middle of a leadership election.";
    NotLeaderOrFollower = 6, "NOT_LEADER_OR_FOLLOWER", true, "org.apache.kafka.common.errors.NotLeaderOrFollowerException",
        "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.";
    RequestTimedOut = 7, "REQUEST_TIMED_OUT", true, "org.apache.kafka.common.errors.TimeoutException",
        "The request timed out.";
    MessageTooLarge = 10, "MESSAGE_TOO_LARGE", false, "org.apache.kafka.common.errors.RecordTooLargeException",
        "The request included a message larger than the max message size the server will accept.";
    NetworkException = 13, "NETWORK_EXCEPTION", true, "org.apache.kafka.common.errors.NetworkException",
        "The server disconnected before a response was received.";
    CoordinatorLoadInProgress = 14, "COORDINATOR_LOAD_IN_PROGRESS", true, "org.apache.kafka.common.errors.CoordinatorLoadInProgressException",
        "The coordinator is loading and hence can't process requests.";
    CoordinatorNotAvailable = 15, "COORDINATOR_NOT_AVAILABLE", true, "org.apache.kafka.common.errors.CoordinatorNotAvailableException",
        "The coordinator is not available.";
    NotCoordinator = 16, "NOT_COORDINATOR", true, "org.apache.kafka.common.errors.NotCoordinatorException",
        "This is not the correct coordinator.";
    InvalidTopicException = 17, "INVALID_TOPIC_EXCEPTION", false, "org.apache.kafka.common.errors.InvalidTopicException",
        "The request attempted to perform an operation on an invalid topic.";
    RecordListTooLarge = 18, "RECORD_LIST_TOO_LARGE", false, "org.apache.kafka.common.errors.RecordBatchTooLargeException",
        "The request included message batch larger than the configured segment size on the server.";
    NotEnoughReplicas = 19, "NOT_ENOUGH_REPLICAS", true, "org.apache.kafka.common.errors.NotEnoughReplicasException",
        "Messages are rejected since there are fewer in-sync replicas than required.";
    NotEnoughReplicasAfterAppend = 20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, "org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException",
        "Messages are written to the log, but to fewer in-sync replicas than required.";
    InvalidRequiredAcks = 21, "INVALID_REQUIRED_ACKS", false, "org.apache.kafka.common.errors.InvalidRequiredAcksException",
        "Produce request specified an invalid value for required acks.";
    IllegalGeneration = 22, "ILLEGAL_GENERATION", false, "org.apache.kafka.common.errors.IllegalGenerationException",
        "Specified group generation id is not valid.";
    InconsistentGroupProtocol = 23, "INCONSISTENT_GROUP_PROTOCOL", false, "org.apache.kafka.common.errors.InconsistentGroupProtocolException",
        "The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.";
    InvalidGroupId = 24, "INVALID_GROUP_ID", false, "org.apache.kafka.common.errors.InvalidGroupIdException",
        "The configured groupId is invalid.";
    UnknownMemberId = 25, "UNKNOWN_MEMBER_ID", false, "org.apache.kafka.common.errors.UnknownMemberIdException",
        "The coordinator is not aware of this member.";
    InvalidSessionTimeout = 26, "INVALID_SESSION_TIMEOUT", false, "org.apache.kafka.common.errors.InvalidSessionTimeoutException",
        "The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms).";
    RebalanceInProgress = 27, "REBALANCE_IN_PROGRESS", false, "org.apache.kafka.common.errors.RebalanceInProgressException",
        "The group is rebalancing, so a rejoin is needed.";
    InvalidCommitOffsetSize = 28, "INVALID_COMMIT_OFFSET_SIZE", false, "org.apache.kafka.common.errors.InvalidCommitOffsetSizeException",
        "The committing offset data size is not valid.";
    InvalidTimestamp = 32, "INVALID_TIMESTAMP", false, "org.apache.kafka.common.errors.InvalidTimestampException",
        "The timestamp of the message is out of acceptable range.";
    TopicAlreadyExists = 36, "TOPIC_ALREADY_EXISTS", false, "org.apache.kafka.common.errors.TopicExistsException",
        "Topic with this name already exists.";
    InvalidPartitions = 37, "INVALID_PARTITIONS", false, "org.apache.kafka.common.errors.InvalidPartitionsException",
        "Number of partitions is below 1.";
    InvalidReplicationFactor = 38, "INVALID_REPLICATION_FACTOR", false, "org.apache.kafka.common.errors.InvalidReplicationFactorException",
        "Replication factor is below 1 or larger than the number of available brokers.";
    InvalidReplicaAssignment = 39, "INVALID_REPLICA_ASSIGNMENT", false, "org.apache.kafka.common.errors.InvalidReplicaAssignmentException",
        "Replica assignment is invalid.";
    InvalidConfig = 40, "INVALID_CONFIG", false, "org.apache.kafka.common.errors.InvalidConfigurationException",
        "Configuration is invalid.";
    NotController = 41, "NOT_CONTROLLER", true, "org.apache.kafka.common.errors.NotControllerException",
        "This is not the correct controller for this cluster.";
    InvalidRequest = 42, "INVALID_REQUEST", false, "org.apache.kafka.common.errors.InvalidRequestException",
        "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.";
    PolicyViolation = 44, "POLICY_VIOLATION", false, "org.apache.kafka.common.errors.PolicyViolationException",
        "Request parameters do not satisfy the configured policy.";
    OutOfOrderSequenceNumber = 45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, "org.apache.kafka.common.errors.OutOfOrderSequenceException",
        "The broker received an out of order sequence number.";
    DuplicateSequenceNumber = 46, "DUPLICATE_SEQUENCE_NUMBER", false, "org.apache.kafka.common.errors.DuplicateSequenceException",
        "The broker received a duplicate sequence number.";
    InvalidProducerEpoch = 47, "INVALID_PRODUCER_EPOCH", false, "org.apache.kafka.common.errors.InvalidProducerEpochException",
        "Producer attempted to produce with an old epoch.";
    InvalidTxnState = 48, "INVALID_TXN_STATE", false, "org.apache.kafka.common.errors.InvalidTxnStateException",
        "The producer attempted a transactional operation in an invalid state.";
    InvalidProducerIdMapping = 49, "INVALID_PRODUCER_ID_MAPPING", false, "org.apache.kafka.common.errors.InvalidPidMappingException",
        "The producer attempted to use a producer id which is not currently assigned to its transactional id.";
    InvalidTransactionTimeout = 50, "INVALID_TRANSACTION_TIMEOUT", false, "org.apache.kafka.common.errors.InvalidTxnTimeoutException",
        "The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms).";
    ConcurrentTransactions = 51, "CONCURRENT_TRANSACTIONS", true, "org.apache.kafka.common.errors.ConcurrentTransactionsException",
        "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.";
    TransactionCoordinatorFenced = 52, "TRANSACTION_COORDINATOR_FENCED", false, "org.apache.kafka.common.errors.TransactionCoordinatorFencedException",
        "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer.";
    KafkaStorageError = 56, "KAFKA_STORAGE_ERROR", true, "org.apache.kafka.common.errors.KafkaStorageException",
        "Disk error when trying to access log file on the disk.";
    UnknownProducerId = 59, "UNKNOWN_PRODUCER_ID", false, "org.apache.kafka.common.errors.UnknownProducerIdException",
        "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question. This could happen if, for instance, the producer's records were deleted because their retention time had elapsed. Once the last records of the producerId are removed, the producer's metadata is removed from the broker, and future appends by the producer will return this exception.";
    NonEmptyGroup = 68, "NON_EMPTY_GROUP", false, "org.apache.kafka.common.errors.GroupNotEmptyException",
        "The group is not empty.";
    GroupIdNotFound = 69, "GROUP_ID_NOT_FOUND", false, "org.apache.kafka.common.errors.GroupIdNotFoundException",
        "The group id does not exist.";
    FetchSessionIdNotFound = 70, "FETCH_SESSION_ID_NOT_FOUND", true, "org.apache.kafka.common.errors.FetchSessionIdNotFoundException",
        "The fetch session ID was not found.";
    InvalidFetchSessionEpoch = 71, "INVALID_FETCH_SESSION_EPOCH", true, "org.apache.kafka.common.errors.InvalidFetchSessionEpochException",
        "The fetch session epoch is invalid.";
    FencedLeaderEpoch = 74, "FENCED_LEADER_EPOCH", true, "org.apache.kafka.common.errors.FencedLeaderEpochException",
        "The leader epoch in the request is older than the epoch on the broker.";
    UnknownLeaderEpoch = 75, "UNKNOWN_LEADER_EPOCH", true, "org.apache.kafka.common.errors.UnknownLeaderEpochException",
        "The leader epoch in the request is newer than the epoch on the broker.";
    StaleBrokerEpoch = 77, "STALE_BROKER_EPOCH", false, "org.apache.kafka.common.errors.StaleBrokerEpochException",
        "Broker epoch has changed.";
    OffsetNotAvailable = 78, "OFFSET_NOT_AVAILABLE", true, "org.apache.kafka.common.errors.OffsetNotAvailableException",
        "The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing.";
    MemberIdRequired = 79, "MEMBER_ID_REQUIRED", false, "org.apache.kafka.common.errors.MemberIdRequiredException",
        "The group member needs to have a valid member id before actually entering a consumer group.";
    PreferredLeaderNotAvailable = 80, "PREFERRED_LEADER_NOT_AVAILABLE", true, "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException",
        "The preferred leader was not available.";
    GroupMaxSizeReached = 81, "GROUP_MAX_SIZE_REACHED", false, "org.apache.kafka.common.errors.GroupMaxSizeReachedException",
        "The consumer group has reached its max size.";
    FencedInstanceId = 82, "FENCED_INSTANCE_ID", false, "org.apache.kafka.common.errors.FencedInstanceIdException",
        "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.";
    EligibleLeadersNotAvailable = 83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, "org.apache.kafka.common.errors.EligibleLeadersNotAvailableException",
        "Eligible topic partition leaders are not available.";
    ElectionNotNeeded = 84, "ELECTION_NOT_NEEDED", true, "org.apache.kafka.common.errors.ElectionNotNeededException",
        "Leader election not needed for topic partition.";
    InvalidRecord = 87, "INVALID_RECORD", false, "org.apache.kafka.common.InvalidRecordException",
        "This record has failed the validation on broker and hence will be rejected.";
    UnstableOffsetCommit = 88, "UNSTABLE_OFFSET_COMMIT", true, "org.apache.kafka.common.errors.UnstableOffsetCommitException",
        "There are unstable offsets that need to be cleared.";
    ProducerFenced = 90, "PRODUCER_FENCED", false, "org.apache.kafka.common.errors.ProducerFencedException",
        "There is a newer producer with the same transactionalId which fences the current one.";
    InvalidUpdateVersion = 95, "INVALID_UPDATE_VERSION", false, "org.apache.kafka.common.errors.InvalidUpdateVersionException",
        "The given update version was invalid.";
    DuplicateBrokerRegistration = 101, "DUPLICATE_BROKER_REGISTRATION", false, "org.apache.kafka.common.errors.DuplicateBrokerRegistrationException",
        "This broker ID is already in use.";
    BrokerIdNotRegistered = 102, "BROKER_ID_NOT_REGISTERED", false, "org.apache.kafka.common.errors.BrokerIdNotRegisteredException",
        "The given broker ID was not registered.";
    TransactionalIdNotFound = 105, "TRANSACTIONAL_ID_NOT_FOUND", false, "org.apache.kafka.common.errors.TransactionalIdNotFoundException",
        "The transactionalId could not be found.";
    IneligibleReplica = 107, "INELIGIBLE_REPLICA", false, "org.apache.kafka.common.errors.IneligibleReplicaException",
        "The new ISR contains at least one ineligible replica.";
    TransactionAbortable = 120, "TRANSACTION_ABORTABLE", false, "org.apache.kafka.common.errors.TransactionAbortableException",
        "The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID.";
    // Listed last so that adding it left every other code's discriminant (and so the trace
    // fingerprint of runs that carry error codes) unchanged.
    NoReassignmentInProgress = 85, "NO_REASSIGNMENT_IN_PROGRESS", false, "org.apache.kafka.common.errors.NoReassignmentInProgressException",
        "No partition reassignment is in progress.";
    OffsetMetadataTooLarge = 12, "OFFSET_METADATA_TOO_LARGE", false, "org.apache.kafka.common.errors.OffsetMetadataTooLarge",
        "The metadata field of the offset request was too large.";
    // Codes added later come last: a variant's place is its hash in the trace (and its
    // order), so inserting one in code order would change every run's trace hash.
    GroupSubscribedToTopic = 86, "GROUP_SUBSCRIBED_TO_TOPIC", false, "org.apache.kafka.common.errors.GroupSubscribedToTopicException",
        "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.";
    // KIP-848's consumer group protocol.
    FencedMemberEpoch = 110, "FENCED_MEMBER_EPOCH", false, "org.apache.kafka.common.errors.FencedMemberEpochException",
        "The member epoch is fenced by the group coordinator. The member must abandon all its partitions and rejoin.";
    UnsupportedAssignor = 112, "UNSUPPORTED_ASSIGNOR", false, "org.apache.kafka.common.errors.UnsupportedAssignorException",
        "The assignor or its version range is not supported by the consumer group.";
    StaleMemberEpoch = 113, "STALE_MEMBER_EPOCH", false, "org.apache.kafka.common.errors.StaleMemberEpochException",
        "The member epoch is stale. The member must retry after receiving its updated member epoch via the ConsumerGroupHeartbeat API.";
    // KIP-932's share groups.
    InvalidRecordState = 121, "INVALID_RECORD_STATE", false, "org.apache.kafka.common.errors.InvalidRecordStateException",
        "The record state is invalid. The acknowledgement of delivery could not be completed.";
    // KIP-516's topic ids in Fetch.
    UnknownTopicId = 100, "UNKNOWN_TOPIC_ID", true, "org.apache.kafka.common.errors.UnknownTopicIdException",
        "This server does not host this topic ID.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique() {
        let codes: BTreeSet<i16> = ErrorCode::ALL.iter().map(|e| e.code()).collect();
        let names: BTreeSet<&str> = ErrorCode::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn retriable_classes_match_kafka() {
        assert!(ErrorCode::NotLeaderOrFollower.is_retriable());
        assert!(ErrorCode::NotEnoughReplicas.is_retriable());
        assert!(!ErrorCode::OutOfOrderSequenceNumber.is_retriable());
        assert!(!ErrorCode::ProducerFenced.is_retriable());
        assert_eq!(ErrorCode::NotEnoughReplicasAfterAppend.code(), 20);
        assert_eq!(ErrorCode::ProducerFenced.to_string(), "PRODUCER_FENCED");
    }
}

/// A protocol error with Kafka's message, as an admin client would print it:
/// `INVALID_REPLICATION_FACTOR: Unable to replicate the partition 4 time(s): ...`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct KafkaError {
    /// The error code.
    pub code: ErrorCode,
    /// Kafka's message text.
    pub message: String,
}

impl KafkaError {
    /// The error as a Java tool prints the exception: `org.apache.kafka.common.errors.X: text`.
    pub fn as_exception(&self) -> String {
        format!("{}: {}", self.code.exception(), self.message)
    }

    /// An error with Kafka's default message for its code, as the controller or a broker sends
    /// `new ApiError(Errors.X)` without a text of its own.
    pub fn of(code: ErrorCode) -> Self {
        KafkaError::new(code, code.default_message())
    }

    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        KafkaError {
            code,
            message: message.into(),
        }
    }
}
