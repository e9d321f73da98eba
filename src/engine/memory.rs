//! How much memory a run may take before it should refuse to start.

/// Bytes available for new allocations, if the platform tells (Linux's
/// MemAvailable, capped by a cgroup limit when one is set).
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemAvailable:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let mut available = kib * 1024;
    if let Some(limit) = cgroup_headroom() {
        available = available.min(limit);
    }
    Some(available)
}

/// Limit minus usage of the process's cgroup (v2), when it has a limit.
fn cgroup_headroom() -> Option<u64> {
    let read = |f: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{f}")).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?;
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}
