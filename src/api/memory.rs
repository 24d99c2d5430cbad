//! The heap wamigrate holds, counted by a thin wrapper around the system allocator, so
//! the transport can refuse to read more of an answer once the heap has grown by the
//! memory budget while it arrived (`api::body`): memory stays bounded whatever a server
//! sends, however many reads a command makes, and however large the fleet it keeps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes allocated and not yet freed, process-wide.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` unchanged; the wrapper only keeps a count.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Heap bytes the process holds now.
pub fn live_heap_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// glibc's allocator gives each thread that allocates under contention an arena of its
/// own (up to 8 per core) and keeps what is freed in each: with the async workers and
/// the blocking threads, a refresh of a 100,000-number fleet left the resident memory at
/// twice the heap held. Two arenas are enough for a two-thread runtime and its helpers.
/// Also fixes the size from which a block gets pages of its own (returned to the system
/// when freed) at 256 KiB: glibc raises that threshold each time such a block is freed,
/// so after the first few answer bodies of a refresh (about 0.5 MB each) every later one
/// came from the heap, and the heap's holes raised a 100,000-number refresh's peak.
/// Called once, first thing in `main`; a no-op elsewhere than Linux with glibc.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// `M_ARENA_MAX` and `M_MMAP_THRESHOLD` of glibc's `<malloc.h>`.
        const M_ARENA_MAX: std::ffi::c_int = -8;
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt only sets a tuning parameter of the allocator; any value is
        // accepted or refused with 0, and it is called before other threads exist.
        unsafe {
            mallopt(M_ARENA_MAX, 2);
            mallopt(M_MMAP_THRESHOLD, 256 << 10);
        }
    }
}

/// Gives the memory the allocator holds freed back to the system (`malloc_trim`): called
/// after the work that frees the most at once (the end of a fleet refresh, which drops the
/// previous rows), so the resident memory follows the heap held. Takes a few
/// milliseconds with a 100,000-number fleet; a no-op elsewhere than Linux with glibc.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the system; it is thread-safe.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    fn malloc_trim(pad: usize) -> std::ffi::c_int;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_allocation_shows_in_the_count_and_leaves_it_when_freed() {
        // The count is process-wide and other tests allocate meanwhile: the block is
        // measured as the difference it makes, held and freed, in a few tries.
        let freed_shows = (0..20).any(|_| {
            let block = vec![1u8; 64 << 20];
            let held = live_heap_bytes();
            drop(block);
            let after = live_heap_bytes();
            held >= (64 << 20) && held.saturating_sub(after) >= (48 << 20)
        });
        assert!(freed_shows);
    }
}
