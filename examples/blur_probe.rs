use std::time::Instant;
use activity_core::media::{Frame, PixelFormat, blur::blur, thumbnail::thumbnail};
fn main() {
    let img = image::open("target/look/screen.png").unwrap().to_rgba8();
    let (w, h) = img.dimensions();
    let f = Frame::packed(img.as_raw(), w, h, PixelFormat::Rgba8).unwrap();
    for _ in 0..60 {
        let t = Instant::now();
        let b = blur(&f, 12.0).unwrap();
        let a = t.elapsed();
        let t = Instant::now();
        let th = thumbnail(&f, 320).unwrap();
        let c = t.elapsed();
        println!("blur {:?} thumb {:?} {}", a, c, b.width() + th.width());
    }
}
