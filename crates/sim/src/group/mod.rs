//! Consumer groups: the partition assignors the group leader runs client-side, the records a
//! group coordinator keeps in `__consumer_offsets`, and the coordinator's group state machine
//! (Kafka's classic group protocol), and the consumer protocol's groups with their server-side
//! assignors (KIP-848).

pub mod assignor;
mod consumer_group;
mod coordinator;
mod describe;
mod records;
pub mod server_assignor;
mod service;
mod share_assignor;
mod share_group;

pub use crate::protocol::{ConsumerGroupRecord, ConsumerMember, ConsumerMemberState};
pub use assignor::{Assignment, Assignor, Subscription, assign, java_hash_code};
pub use consumer_group::{ConsumerGroup, ConsumerGroupSettings, LEAVE_GROUP_MEMBER_EPOCH};
pub(crate) use coordinator::answer;
pub use coordinator::{Group, GroupSettings, GroupState, JoinRequest, Member, join_error};
pub use describe::{
    GroupDescription, MemberRow, OffsetRow, TotalLag, describe, describe_group, lag, log_end,
    reads_committed,
};
pub use records::{
    CoordinatorRecord, OFFSETS_TOPIC, PersistedMember, coordinator_partition, key_partition,
    offsets_partition_for, partition_for_key,
};
pub(crate) use service::{AfterWrite, GroupCoordinator, GroupWrite};
pub use share_group::{ShareGroup, ShareGroupSettings, ShareMember, validate_group_config};
