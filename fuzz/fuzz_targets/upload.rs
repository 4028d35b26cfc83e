//! Upload intake: the multipart extractor of the media routes (`routes::media::Upload`)
//! and the picture intake (`media::picture::process`: magic bytes, a decode under limits,
//! scaling, re-encoding). Never a panic; an accepted picture fits its slot, is in the
//! format its bytes were sniffed as, and re-reads as that format; and memory stays bounded:
//! no single allocation past the decoder's limit, and the peak of live memory during one
//! intake within the decode limit twice over (the decoded pixels, plus the rotated copy an
//! EXIF orientation needs) and 32 MiB for scaling and encoding at most 1500x500 pixels.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use accountd_core::media::{MediaSlot, MAX_PIXELS, MAX_UPLOAD_BYTES};
use accountd_server::http::routes::media::Upload;
use accountd_server::media::picture::{process, PictureFormat};
use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;

/// The decoder's own allocation limit (`picture::MAX_DECODE_ALLOC`).
const DECODE_LIMIT: usize = MAX_PIXELS as usize * 4 + (16 << 20);
const PEAK_LIMIT: usize = 2 * DECODE_LIMIT + (32 << 20);

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > DECODE_LIMIT {
            // An abort is a crash libFuzzer records with the input that caused it.
            eprintln!("a single allocation of {} bytes, past the decode limit", layout.size());
            std::process::abort();
        }
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const BOUNDARY: &str = "fuzzboundary";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let picture = if selector & 1 == 0 {
        // The bytes are the body of a multipart request, as a client would send it.
        let request = Request::builder()
            .method("PUT")
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(rest.to_vec()))
            .expect("a valid request");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        match runtime.block_on(Upload::from_request(request, &())) {
            Ok(Upload(bytes)) => {
                assert!(bytes.len() <= MAX_UPLOAD_BYTES);
                bytes.to_vec()
            }
            Err(_) => return,
        }
    } else {
        rest.to_vec()
    };
    let slot = if selector & 2 == 0 { MediaSlot::Avatar } else { MediaSlot::Banner };

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = process(&picture, slot);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(peak <= PEAK_LIMIT, "one intake held {peak} bytes at once");

    if let Ok(accepted) = result {
        let (max_width, max_height) = slot.max_size();
        assert!(accepted.width >= 1 && accepted.width <= max_width, "{}", accepted.width);
        assert!(accepted.height >= 1 && accepted.height <= max_height, "{}", accepted.height);
        assert_eq!(PictureFormat::sniff(&picture), Some(accepted.format));
        assert_eq!(PictureFormat::sniff(&accepted.bytes), Some(accepted.format));
        assert_eq!(accepted.digest.len(), 64);
        // What is stored is itself a picture the intake accepts, at the same size.
        let again = process(&accepted.bytes, slot).expect("a stored picture is accepted again");
        assert_eq!((again.width, again.height), (accepted.width, accepted.height));
    }
});
