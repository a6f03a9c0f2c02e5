//! ListOffsets, which a partition's leader answers (Kafka's `ReplicaManager.fetchOffset`, not
//! the group coordinator): the offset a consumer starts from when it has none committed.

use super::Broker;
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::Ctx;
use crate::protocol::{Extension, ListOffsetsResponse, Message, ResponseHeader, TopicPartition};

impl Broker {
    /// ListOffsets as a partition's leader: earliest (-2) is the log start, latest (-1) the last
    /// offset the asker may read (the last stable offset for READ_COMMITTED, the high watermark
    /// for READ_UNCOMMITTED), and a timestamp (0 or more) the first record below that offset
    /// whose timestamp is at least it (none when there is no such record). As Kafka's
    /// `Partition.fetchOffsetForTimestamp` (its `lastFetchableOffset`).
    pub(super) fn handle_list_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        partitions: Vec<(TopicPartition, i64)>,
        read_committed: bool,
    ) {
        let mut found = Vec::new();
        let partitions = partitions
            .into_iter()
            .map(|(tp, timestamp)| {
                let leader = self.replicas.get(&tp).filter(|r| r.leadership.is_some());
                match leader {
                    None if self.image.partition(&tp).is_none() => {
                        (tp, ErrorCode::UnknownTopicOrPartition, 0)
                    }
                    None => (tp, ErrorCode::NotLeaderOrFollower, 0),
                    Some(r) if timestamp == -2 => (tp, ErrorCode::None, r.log.log_start_offset()),
                    Some(r) => {
                        let last_fetchable = if read_committed {
                            r.last_stable_offset()
                        } else {
                            r.log.high_watermark()
                        };
                        if timestamp < 0 {
                            return (tp, ErrorCode::None, last_fetchable);
                        }
                        let record = r
                            .log
                            .records()
                            .iter()
                            .take_while(|r| r.offset < last_fetchable)
                            .find(|record| {
                                i64::try_from(record.data.timestamp_ms).unwrap_or(i64::MAX)
                                    >= timestamp
                            });
                        match record {
                            Some(record) => {
                                found.push((tp.clone(), record.offset, record.data.timestamp_ms));
                                (tp, ErrorCode::None, record.offset)
                            }
                            None => (tp, ErrorCode::None, 0),
                        }
                    }
                }
            })
            .collect();
        ctx.send(
            from,
            Message::ListOffsetsResponse(
                ResponseHeader { correlation_id },
                ListOffsetsResponse {
                    partitions,
                    found: Extension(found),
                },
            ),
        );
    }
}
