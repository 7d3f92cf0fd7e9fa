//! Round robin over an integration's manager queue.
//!
//! The cursor is the queue position where the search for the next manager
//! starts. Inactive managers are skipped; an empty (or all-inactive) queue
//! assigns nobody and leaves the cursor as it is. The store persists the cursor
//! and advances it atomically.

use shared::Id;

/// One queue slot: who, and whether they may receive chats now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSlot {
    pub user_id: Id,
    pub active: bool,
}

/// The pick and the cursor to store for next time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub assignee: Option<Id>,
    pub next_cursor: i64,
}

pub fn next_in_queue(queue: &[QueueSlot], cursor: i64) -> Pick {
    let len = queue.len() as i64;
    if len == 0 {
        return Pick {
            assignee: None,
            next_cursor: cursor,
        };
    }
    let start = cursor.rem_euclid(len);
    (0..len)
        .map(|offset| (start + offset) % len)
        .find(|&position| queue[position as usize].active)
        .map(|position| Pick {
            assignee: Some(queue[position as usize].user_id),
            next_cursor: (position + 1) % len,
        })
        .unwrap_or(Pick {
            assignee: None,
            next_cursor: cursor,
        })
}

/// Active managers in the order they will receive new chats, next first.
pub fn upcoming_order(queue: &[QueueSlot], cursor: i64) -> Vec<Id> {
    let len = queue.len() as i64;
    if len == 0 {
        return Vec::new();
    }
    let start = cursor.rem_euclid(len);
    (0..len)
        .map(|offset| queue[((start + offset) % len) as usize])
        .filter(|slot| slot.active)
        .map(|slot| slot.user_id)
        .collect()
}

/// Why a chat got (or lost) its manager: CONTRACT's reasons, shared with the
/// web app.
pub use shared::api::timeline::AssignmentReason;

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(spec: &[(Id, bool)]) -> Vec<QueueSlot> {
        spec.iter()
            .map(|&(user_id, active)| QueueSlot { user_id, active })
            .collect()
    }

    fn run(queue: &[QueueSlot], picks: usize) -> Vec<Option<Id>> {
        let mut cursor = 0;
        (0..picks)
            .map(|_| {
                let pick = next_in_queue(queue, cursor);
                cursor = pick.next_cursor;
                pick.assignee
            })
            .collect()
    }

    #[test]
    fn two_managers_alternate_a_b_a() {
        let queue = slots(&[(1, true), (2, true)]);
        assert_eq!(run(&queue, 3), vec![Some(1), Some(2), Some(1)]);
    }

    #[test]
    fn inactive_managers_are_skipped() {
        let queue = slots(&[(1, true), (2, false), (3, true)]);
        assert_eq!(run(&queue, 4), vec![Some(1), Some(3), Some(1), Some(3)]);
    }

    #[test]
    fn empty_queue_assigns_nobody_and_keeps_the_cursor() {
        assert_eq!(
            next_in_queue(&[], 5),
            Pick {
                assignee: None,
                next_cursor: 5
            }
        );
        let all_inactive = slots(&[(1, false), (2, false)]);
        assert_eq!(next_in_queue(&all_inactive, 1).assignee, None);
    }

    #[test]
    fn a_cursor_beyond_a_shrunken_queue_wraps() {
        let queue = slots(&[(1, true), (2, true)]);
        assert_eq!(next_in_queue(&queue, 7).assignee, Some(2));
    }

    #[test]
    fn upcoming_order_starts_with_the_next_and_skips_inactive() {
        let queue = slots(&[(1, true), (2, false), (3, true), (4, true)]);
        assert_eq!(upcoming_order(&queue, 2), vec![3, 4, 1]);
        assert_eq!(
            upcoming_order(&queue, 1)[0],
            next_in_queue(&queue, 1).assignee.unwrap_or(0)
        );
    }
}
