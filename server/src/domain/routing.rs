//! Who is there and who may take a chat: presence from live sockets and
//! reported activity, eligibility (active, assignable, under the cap, online
//! when the integration asks for it), the round robin over eligible managers,
//! and the no-answer clock. CONTRACT.md "Presence, capacity, business hours,
//! waiting queue, no-answer hand-off". The store keeps the facts and the
//! cursor; everything here is pure.

use chrono::{NaiveDateTime, TimeDelta};
use shared::api::integrations::WhyNotEligible;
use shared::api::users::Presence;
use shared::Id;

/// What presence is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceFacts {
    /// One of the user's sockets is live on some node.
    pub connected: bool,
    /// When a socket of theirs was last seen live (null: never connected).
    pub last_seen_at: Option<NaiveDateTime>,
    /// They chose "away" (kept across reconnects until they choose "online").
    pub away_chosen: bool,
    /// The last activity their app reported (connecting counts).
    pub last_active_at: Option<NaiveDateTime>,
}

/// `TIDINGS_OFFLINE_AFTER_S` and `TIDINGS_IDLE_AWAY_S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceTiming {
    pub offline_after: TimeDelta,
    pub idle_away: TimeDelta,
}

/// Online while connected (or within the grace period after the last socket)
/// and neither away by choice nor idle; offline after the grace period, and
/// before ever connecting.
pub fn presence(facts: PresenceFacts, now: NaiveDateTime, timing: PresenceTiming) -> Presence {
    let within_grace = facts
        .last_seen_at
        .is_some_and(|seen| now - seen < timing.offline_after);
    if !facts.connected && !within_grace {
        return Presence::Offline;
    }
    let idle = facts
        .last_active_at
        .is_none_or(|active| now - active >= timing.idle_away);
    if facts.away_chosen || idle {
        Presence::Away
    } else {
        Presence::Online
    }
}

/// One queued user as routing sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: Id,
    pub active: bool,
    /// Of a role that may hold chats (not a follower).
    pub assignable: bool,
    pub presence: Presence,
    pub max_open_chats: Option<i64>,
    pub open_chats: i64,
}

/// Why `candidate` may not take a chat of an integration now; `None`: eligible.
/// The first reason that applies, in the order a person would fix them.
pub fn why_not(candidate: &Candidate, assign_only_online: bool) -> Option<WhyNotEligible> {
    if !candidate.assignable {
        return Some(WhyNotEligible::NotAssignable);
    }
    if !candidate.active {
        return Some(WhyNotEligible::Inactive);
    }
    if assign_only_online {
        match candidate.presence {
            Presence::Online => {}
            Presence::Away => return Some(WhyNotEligible::Away),
            Presence::Offline => return Some(WhyNotEligible::Offline),
        }
    }
    if candidate
        .max_open_chats
        .is_some_and(|cap| candidate.open_chats >= cap)
    {
        return Some(WhyNotEligible::AtCapacity);
    }
    None
}

/// The rotation's pick and the cursor to store for next time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub assignee: Option<Id>,
    pub next_cursor: i64,
}

/// The next eligible manager in queue order from `cursor`, wrapping around;
/// the cursor moves past the one chosen (a skipped manager is not owed a
/// turn) and stays where it was when nobody is eligible. `eligible` is asked
/// about queue positions in rotation order and only until one answers yes,
/// so the store can count a manager's open chats only when it must.
pub fn next_eligible<E>(
    queue_len: usize,
    cursor: i64,
    mut eligible: impl FnMut(usize) -> Result<Option<Id>, E>,
) -> Result<Pick, E> {
    let len = queue_len as i64;
    if len == 0 {
        return Ok(Pick {
            assignee: None,
            next_cursor: cursor,
        });
    }
    let start = cursor.rem_euclid(len);
    for offset in 0..len {
        let position = (start + offset) % len;
        if let Some(user_id) = eligible(position as usize)? {
            return Ok(Pick {
                assignee: Some(user_id),
                next_cursor: (position + 1) % len,
            });
        }
    }
    Ok(Pick {
        assignee: None,
        next_cursor: cursor,
    })
}

/// [`next_eligible`] over fully known candidates; `except` (the current
/// assignee, for a no-answer hand-off) is never picked.
pub fn next_candidate(
    queue: &[Candidate],
    cursor: i64,
    assign_only_online: bool,
    except: Option<Id>,
) -> Pick {
    let pick = next_eligible(queue.len(), cursor, |position| {
        let candidate = &queue[position];
        let ok =
            Some(candidate.user_id) != except && why_not(candidate, assign_only_online).is_none();
        Ok::<_, std::convert::Infallible>(ok.then_some(candidate.user_id))
    });
    match pick {
        Ok(pick) => pick,
        Err(never) => match never {},
    }
}

/// What the no-answer clock knows of an open, assigned chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unanswered {
    /// The oldest customer message no manager has answered yet.
    pub since: NaiveDateTime,
    /// The chat's last assignment: any assignment restarts the clock.
    pub assigned_at: Option<NaiveDateTime>,
    /// The unanswered streak (its `since`) already handed off once.
    pub handed_off_for: Option<NaiveDateTime>,
}

/// When the chat goes to the next manager for want of an answer; `None` when
/// this unanswered streak was handed off already.
pub fn no_answer_due(unanswered: Unanswered, reassign_after: TimeDelta) -> Option<NaiveDateTime> {
    if unanswered.handed_off_for == Some(unanswered.since) {
        return None;
    }
    let clock_starts = unanswered
        .assigned_at
        .map_or(unanswered.since, |assigned| assigned.max(unanswered.since));
    Some(clock_starts + reassign_after)
}

/// The smallest `reassign_after_s` accepted: shorter would hand chats around
/// before anyone could read them.
pub const MIN_REASSIGN_AFTER_S: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000 + s, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    const TIMING: PresenceTiming = PresenceTiming {
        offline_after: TimeDelta::seconds(60),
        idle_away: TimeDelta::seconds(900),
    };

    fn facts(connected: bool, seen: Option<i64>, away: bool, active: Option<i64>) -> PresenceFacts {
        PresenceFacts {
            connected,
            last_seen_at: seen.map(at),
            away_chosen: away,
            last_active_at: active.map(at),
        }
    }

    #[test]
    fn presence_table() {
        use Presence::*;
        // (connected, last seen, away chosen, last active, now) -> presence
        let table = [
            ((false, None, false, None, 0), Offline, "never connected"),
            (
                (true, Some(0), false, Some(0), 10),
                Online,
                "connected and active",
            ),
            ((true, Some(0), true, Some(0), 10), Away, "away by choice"),
            (
                (true, Some(0), false, Some(0), 900),
                Away,
                "idle for the idle time",
            ),
            (
                (true, Some(0), false, Some(0), 899),
                Online,
                "just under the idle time",
            ),
            (
                (false, Some(0), false, Some(0), 59),
                Online,
                "within the grace period",
            ),
            (
                (false, Some(0), false, Some(0), 60),
                Offline,
                "grace period over",
            ),
            (
                (false, Some(0), true, Some(0), 30),
                Away,
                "away stays away in the grace",
            ),
            (
                (false, Some(0), true, Some(0), 61),
                Offline,
                "away and gone is offline",
            ),
        ];
        for ((connected, seen, away, active, now), expected, why) in table {
            assert_eq!(
                presence(facts(connected, seen, away, active), at(now), TIMING),
                expected,
                "{why}"
            );
        }
    }

    fn anna() -> Candidate {
        Candidate {
            user_id: 1,
            active: true,
            assignable: true,
            presence: Presence::Online,
            max_open_chats: None,
            open_chats: 0,
        }
    }

    #[test]
    fn why_not_table() {
        use WhyNotEligible::*;
        let table: [(Candidate, bool, Option<WhyNotEligible>); 9] = [
            (anna(), false, None),
            (anna(), true, None),
            (
                Candidate {
                    assignable: false,
                    ..anna()
                },
                false,
                Some(NotAssignable),
            ),
            (
                Candidate {
                    active: false,
                    ..anna()
                },
                false,
                Some(Inactive),
            ),
            (
                Candidate {
                    presence: Presence::Away,
                    ..anna()
                },
                true,
                Some(Away),
            ),
            (
                Candidate {
                    presence: Presence::Offline,
                    ..anna()
                },
                true,
                Some(Offline),
            ),
            (
                Candidate {
                    presence: Presence::Offline,
                    ..anna()
                },
                false,
                None,
            ),
            (
                Candidate {
                    max_open_chats: Some(2),
                    open_chats: 2,
                    ..anna()
                },
                false,
                Some(AtCapacity),
            ),
            (
                Candidate {
                    max_open_chats: Some(2),
                    open_chats: 1,
                    ..anna()
                },
                false,
                None,
            ),
        ];
        for (candidate, only_online, expected) in table {
            assert_eq!(why_not(&candidate, only_online), expected, "{candidate:?}");
        }
    }

    #[test]
    fn ineligible_managers_are_skipped_and_not_owed_a_turn() {
        let queue = [
            anna(),
            Candidate {
                user_id: 2,
                presence: Presence::Away,
                ..anna()
            },
            Candidate {
                user_id: 3,
                ..anna()
            },
        ];
        let first = next_candidate(&queue, 1, true, None);
        assert_eq!(
            first,
            Pick {
                assignee: Some(3),
                next_cursor: 0
            }
        );
        let second = next_candidate(&queue, first.next_cursor, true, None);
        assert_eq!(second.assignee, Some(1));
    }

    #[test]
    fn nobody_eligible_keeps_the_cursor() {
        let queue = [Candidate {
            max_open_chats: Some(0),
            ..anna()
        }];
        assert_eq!(
            next_candidate(&queue, 0, false, None),
            Pick {
                assignee: None,
                next_cursor: 0
            }
        );
        assert_eq!(next_candidate(&[], 3, false, None).next_cursor, 3);
    }

    #[test]
    fn a_hand_off_never_picks_the_current_manager() {
        let queue = [anna()];
        assert_eq!(next_candidate(&queue, 0, false, Some(1)).assignee, None);
    }

    #[test]
    fn the_no_answer_clock_starts_at_the_later_of_message_and_assignment() {
        let after = TimeDelta::seconds(300);
        let unanswered = Unanswered {
            since: at(0),
            assigned_at: None,
            handed_off_for: None,
        };
        assert_eq!(no_answer_due(unanswered, after), Some(at(300)));
        let reassigned = Unanswered {
            assigned_at: Some(at(100)),
            ..unanswered
        };
        assert_eq!(no_answer_due(reassigned, after), Some(at(400)));
        let assigned_before = Unanswered {
            assigned_at: Some(at(-50)),
            ..unanswered
        };
        assert_eq!(no_answer_due(assigned_before, after), Some(at(300)));
        let handed_off = Unanswered {
            handed_off_for: Some(at(0)),
            ..unanswered
        };
        assert_eq!(
            no_answer_due(handed_off, after),
            None,
            "once per unanswered streak"
        );
    }

    fn candidate_strategy() -> impl Strategy<Value = Candidate> {
        (
            1..20i64,
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(Presence::ALL.to_vec()),
            prop::option::of(0..5i64),
            0..6i64,
        )
            .prop_map(
                |(user_id, active, assignable, presence, max_open_chats, open_chats)| Candidate {
                    user_id,
                    active,
                    assignable,
                    presence,
                    max_open_chats,
                    open_chats,
                },
            )
    }

    proptest! {
        #[test]
        fn the_pick_is_eligible_and_the_first_eligible_in_rotation_order(
            queue in prop::collection::vec(candidate_strategy(), 0..8),
            cursor in -20..20i64,
            only_online in any::<bool>(),
        ) {
            let pick = next_candidate(&queue, cursor, only_online, None);
            let len = queue.len() as i64;
            let rotation: Vec<&Candidate> = (0..len)
                .map(|offset| &queue[((cursor.rem_euclid(len.max(1)) + offset) % len.max(1)) as usize])
                .collect();
            let first_eligible = rotation.iter().find(|c| why_not(c, only_online).is_none());
            prop_assert_eq!(pick.assignee, first_eligible.map(|c| c.user_id));
            match pick.assignee {
                Some(_) => prop_assert!((0..len.max(1)).contains(&pick.next_cursor)),
                None => prop_assert_eq!(pick.next_cursor, cursor),
            }
        }

        #[test]
        fn handing_out_in_turn_never_exceeds_a_cap(
            caps in prop::collection::vec(prop::option::of(0..4i64), 1..6),
            chats in 0..30usize,
        ) {
            let mut queue: Vec<Candidate> = caps
                .iter()
                .enumerate()
                .map(|(i, cap)| Candidate { user_id: i as Id + 1, max_open_chats: *cap, ..anna() })
                .collect();
            let mut cursor = 0;
            for _ in 0..chats {
                let pick = next_candidate(&queue, cursor, false, None);
                cursor = pick.next_cursor;
                if let Some(user_id) = pick.assignee {
                    let member = queue.iter_mut().find(|c| c.user_id == user_id);
                    if let Some(member) = member { member.open_chats += 1; }
                }
            }
            for member in &queue {
                if let Some(cap) = member.max_open_chats {
                    prop_assert!(member.open_chats <= cap);
                }
            }
        }
    }
}
