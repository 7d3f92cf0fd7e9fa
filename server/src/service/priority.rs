//! Lowering a thread's CPU priority, for background work that shares the
//! cores with webhooks and requests (a backup snapshot, report rebuilds,
//! push encryption).

/// Work that takes whatever CPU is left (Linux niceness).
const LOWEST_PRIORITY: i32 = 19;

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

/// Runs `work` on a thread of its own at the lowest CPU priority (Linux:
/// nice 19), so a snapshot taken beside the server (scheduled, or `tidings
/// backup` on the same machine) lets webhooks and requests go first and takes
/// what is left of the cores: `VACUUM INTO` keeps one core busy throughout.
/// The thread ends with the work, so no pooled thread keeps the low priority.
/// The background builder of report records runs the same way.
pub(crate) fn at_low_priority<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            lower_this_threads_priority(LOWEST_PRIORITY);
            work()
        });
        match worker.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
