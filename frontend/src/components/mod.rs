//! Pieces more than one screen shows: channel icons, a chat row, pickers for the assignee and
//! followers, error lines. They read state contexts but own none.

pub mod back;
pub mod bulk;
pub mod chat_row;
pub mod error_line;
pub mod icons;
pub mod people;
pub mod presence;
pub mod shortcuts;
pub mod snooze_times;
pub mod task_row;
