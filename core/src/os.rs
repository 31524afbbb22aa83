//! Process and thread tuning that the standard library has no API for (Linux; a no-op
//! elsewhere): background thread priority and glibc's heap behaviour. Each keeps the
//! server's request threads fast and its memory small while training or logging runs.

/// Nice value of background threads (training, the prediction log writer): the lowest
/// priority, so request threads always win the CPU.
#[cfg(target_os = "linux")]
const BACKGROUND_NICE: libc::c_int = 19;

/// Lowers the calling thread's scheduling priority to the lowest; the threads it starts
/// inherit it. Failure only costs serving speed, so it is logged.
#[cfg(target_os = "linux")]
pub fn lower_thread_priority() {
    // On Linux the nice value is per thread, and `setpriority(PRIO_PROCESS, 0, n)` sets the
    // calling thread's (see setpriority(2), NOTES).
    // SAFETY: a plain system call with integer arguments; it touches no memory of ours.
    let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE) };
    if rc != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower a background thread's priority");
    }
}

/// Thread priorities are left alone off Linux.
#[cfg(not(target_os = "linux"))]
pub fn lower_thread_priority() {}

/// Hands freed heap memory back to the OS. glibc keeps freed blocks in its arenas, so after a
/// retrain or a model swap the server's RSS would stay tens of MB above its serving size.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn return_freed_memory() {
    // SAFETY: malloc_trim only releases free heap pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators (e.g. musl's, in the container) return memory on their own.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_freed_memory() {}

/// Caps glibc at two heap arenas. By default it makes up to 8 per core, one per thread that
/// allocates at once, and memory freed in one arena cannot serve another: after a retrain
/// (training, CV and decoding on several threads) that fragmentation kept ~20 MB more
/// resident (bench/load.sh: 65 MB after a retrain with the default, 44 MB with 2 arenas).
/// Call it first thing, before threads start.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_heap_arenas() {
    // SAFETY: mallopt only changes allocator settings; called before other threads exist.
    let ok = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
    if ok != 1 {
        tracing::warn!("cannot limit the heap arenas");
    }
}

/// Nothing to cap with other allocators.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_heap_arenas() {}

/// Lets a closed standard output end the process quietly, as other Unix tools do
/// (`potable models show V1 | head`). Rust ignores SIGPIPE, so printing to a closed pipe
/// panics instead. Only for one-shot commands: the server keeps SIGPIPE ignored, so a client
/// that hangs up is an error on that socket, not the end of the process.
#[cfg(target_os = "linux")]
pub fn die_quietly_on_closed_stdout() {
    // SAFETY: restores the default disposition of one signal; no handler code of ours runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Left as it is off Linux.
#[cfg(not(target_os = "linux"))]
pub fn die_quietly_on_closed_stdout() {}
