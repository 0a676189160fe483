//! The photo pipeline on a 12-megapixel phone JPEG (EXIF orientation 6, generated here):
//! `photo::process`, the function `POST /v1/documents/{id}/pages` runs, to the upright 2400 px
//! page and the 320 px thumbnail. Run with `cargo bench -p tingke-api --bench photo`;
//! `bench/photo-vs-vips.sh` compares the same work with libvips' `vipsthumbnail`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;
use tingke_api::photo::{process, testimages, Limits};

fn photo(c: &mut Criterion) {
    let limits = Limits::default();
    // 4000×3000 stored landscape, upright portrait: the page is 1800×2400.
    let phone = testimages::phone_photo_with_exif(12, 4000, 3000);
    let clean = testimages::portrait_photo_with_exif(12, 4000, 3000);
    let mut group = c.benchmark_group("photo");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function(
        format!("process 12MP phone photo ({} KB)", phone.len() / 1024),
        |b| b.iter(|| process(black_box(&phone), &limits).expect("a valid photo")),
    );
    group.bench_function(
        format!("process 12MP clean page ({} KB)", clean.len() / 1024),
        |b| b.iter(|| process(black_box(&clean), &limits).expect("a valid photo")),
    );
    group.finish();
}

criterion_group!(benches, photo);
criterion_main!(benches);
