//! Lowering a thread's CPU priority, for background work that shares the
//! cores with webhooks and requests (a backup snapshot, push encryption).

/// Lowers the calling thread's priority to `niceness` (Linux: 0 normal, 19
/// lowest); elsewhere, or if the call fails, the priority stays as it was.
/// Only for a thread of its own: a pooled thread would keep the priority.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn lower_this_threads_priority(niceness: i32) {
    // SAFETY: plain system calls on this thread's own scheduling priority;
    // no memory is passed. A failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, niceness);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn lower_this_threads_priority(_niceness: i32) {}
