//! The media pipeline: sizes, strides, pixel orders, blur, quality of JPEG and thumbnails, and bad
//! input.

mod common;

use activity_core::media::blur::{DEFAULT_STRENGTH, blur};
use activity_core::media::encode::encode;
use activity_core::media::thumbnail::{thumbnail, thumbnail_size};
use activity_core::media::{Frame, MediaError, PipelineOptions, PixelFormat, process};
use activity_core::model::config::ImageFormat;
use common::{psnr, rgb_of, screenlike, swap_rb};

fn opts(blur: Option<f32>, format: ImageFormat) -> PipelineOptions {
    PipelineOptions {
        blur,
        thumbnail_size: 320,
        format,
        quality: 80,
    }
}

fn decode_rgb(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = image::load_from_memory(bytes).expect("decodes").to_rgb8();
    (img.width(), img.height(), img.into_raw())
}

#[test]
fn thumbnail_sizes_for_awkward_inputs() {
    for (w, h, want) in [
        (1, 1, (1, 1)),
        (1, 4000, (1, 320)),
        (4000, 1, (320, 1)),
        (3841, 2161, (320, 180)),
        (1920, 1080, (320, 180)),
        (1080, 1920, (180, 320)),
        (320, 200, (320, 200)),
        (321, 3, (320, 3)),
    ] {
        assert_eq!(thumbnail_size(w, h, 320), want, "{w}x{h}");
        let px = vec![128u8; (w * h * 4) as usize];
        let f = Frame::packed(&px, w, h, PixelFormat::Rgba8).unwrap();
        let t = thumbnail(&f, 320).unwrap();
        assert_eq!((t.width(), t.height()), want, "{w}x{h}");
        // Aspect kept to within the rounding of one pixel.
        let (tw, th) = want;
        let err = (f64::from(tw) * f64::from(h) - f64::from(th) * f64::from(w)).abs()
            / f64::from(w.max(h));
        assert!(err <= 1.0, "{w}x{h} -> {tw}x{th}");
        // And it runs through the whole pipeline.
        let p = process(&f, &opts(None, ImageFormat::Jpeg)).unwrap();
        assert_eq!((p.thumbnail.width, p.thumbnail.height), want);
        assert_eq!((p.full.width, p.full.height), (w, h));
    }
    assert_eq!(thumbnail_size(3841, 2161, 640), (640, 360));
}

#[test]
fn stride_padding_changes_nothing() {
    let (w, h) = (333u32, 211u32);
    let packed = screenlike(w, h);
    let stride = w as usize * 4 + 52;
    let mut padded = vec![0xAAu8; stride * h as usize];
    for y in 0..h as usize {
        padded[y * stride..y * stride + w as usize * 4]
            .copy_from_slice(&packed[y * w as usize * 4..(y + 1) * w as usize * 4]);
    }
    // Also a buffer whose last row is not padded, and a stride that is not whole pixels.
    let short = &padded[..stride * (h as usize - 1) + w as usize * 4];
    let odd_stride = w as usize * 4 + 3;
    let mut odd = vec![0x55u8; odd_stride * h as usize];
    for y in 0..h as usize {
        odd[y * odd_stride..y * odd_stride + w as usize * 4]
            .copy_from_slice(&packed[y * w as usize * 4..(y + 1) * w as usize * 4]);
    }
    let a = Frame::packed(&packed, w, h, PixelFormat::Rgba8).unwrap();
    for (name, f) in [
        (
            "padded",
            Frame::new(&padded, w, h, stride, PixelFormat::Rgba8).unwrap(),
        ),
        (
            "short last row",
            Frame::new(short, w, h, stride, PixelFormat::Rgba8).unwrap(),
        ),
        (
            "odd stride",
            Frame::new(&odd, w, h, odd_stride, PixelFormat::Rgba8).unwrap(),
        ),
    ] {
        for o in [
            opts(None, ImageFormat::Jpeg),
            opts(Some(8.0), ImageFormat::Png),
        ] {
            let x = process(&a, &o).unwrap();
            let y = process(&f, &o).unwrap();
            assert_eq!(x.full.sha256, y.full.sha256, "{name} {o:?}");
            assert_eq!(x.thumbnail.sha256, y.thumbnail.sha256, "{name} {o:?}");
        }
    }
}

#[test]
fn bgra_and_rgba_give_the_same_output() {
    let (w, h) = (640u32, 360u32);
    let rgba = screenlike(w, h);
    let bgra = swap_rb(&rgba);
    let a = Frame::packed(&rgba, w, h, PixelFormat::Rgba8).unwrap();
    let b = Frame::packed(&bgra, w, h, PixelFormat::Bgra8).unwrap();
    let mut formats = vec![ImageFormat::Jpeg, ImageFormat::Png];
    if cfg!(feature = "webp") {
        formats.push(ImageFormat::Webp);
    }
    for format in formats {
        for blur in [None, Some(DEFAULT_STRENGTH)] {
            let x = process(&a, &opts(blur, format)).unwrap();
            let y = process(&b, &opts(blur, format)).unwrap();
            assert_eq!(x.full.bytes, y.full.bytes, "{format:?} blur {blur:?}");
            assert_eq!(
                x.thumbnail.bytes, y.thumbnail.bytes,
                "{format:?} blur {blur:?}"
            );
        }
    }
}

#[test]
fn blur_leaves_uniform_images_uniform() {
    for (w, h) in [(1u32, 1u32), (7, 3), (1920, 1080), (333, 1)] {
        let px: Vec<u8> = [201u8, 17, 99, 255].repeat((w * h) as usize);
        let f = Frame::packed(&px, w, h, PixelFormat::Bgra8).unwrap();
        for s in [1.0, 3.3, DEFAULT_STRENGTH, 64.0] {
            let b = blur(&f, s).unwrap();
            assert!(b.data() == &px[..], "{w}x{h} strength {s}");
        }
    }
}

#[test]
fn jpeg_round_trip_is_at_least_30_db_at_q80() {
    let (w, h) = (1280u32, 720u32);
    let rgba = screenlike(w, h);
    let f = Frame::packed(&rgba, w, h, PixelFormat::Rgba8).unwrap();
    let jpg = encode(&f, ImageFormat::Jpeg, 80).unwrap();
    let (dw, dh, rgb) = decode_rgb(&jpg);
    assert_eq!((dw, dh), (w, h));
    let p = psnr(&rgb_of(&rgba), &rgb);
    assert!(p >= 30.0, "JPEG q80 PSNR {p:.2} dB");
    // PNG is lossless.
    let png = encode(&f, ImageFormat::Png, 80).unwrap();
    assert_eq!(decode_rgb(&png).2, rgb_of(&rgba));
}

#[test]
fn thumbnail_is_at_least_35_db_against_a_lanczos3_reference() {
    for (w, h) in [(1920u32, 1080u32), (1366, 768), (900, 1600)] {
        let rgba = screenlike(w, h);
        let f = Frame::packed(&rgba, w, h, PixelFormat::Rgba8).unwrap();
        let t = thumbnail(&f, 320).unwrap();
        let src = image::RgbaImage::from_raw(w, h, rgba.clone()).unwrap();
        let reference = image::imageops::resize(
            &src,
            t.width(),
            t.height(),
            image::imageops::FilterType::Lanczos3,
        );
        let p = psnr(&rgb_of(t.data()), &rgb_of(reference.as_raw()));
        assert!(p >= 35.0, "{w}x{h}: thumbnail PSNR {p:.2} dB");
    }
}

#[test]
fn with_blur_on_only_blurred_pixels_are_encoded() {
    let (w, h) = (800u32, 600u32);
    let rgba = screenlike(w, h);
    let f = Frame::packed(&rgba, w, h, PixelFormat::Rgba8).unwrap();
    let p = process(&f, &opts(Some(DEFAULT_STRENGTH), ImageFormat::Png)).unwrap();
    assert!(p.blurred);
    let expected = blur(&f, DEFAULT_STRENGTH).unwrap();
    let (_, _, full) = decode_rgb(&p.full.bytes);
    assert_eq!(
        full,
        rgb_of(expected.data()),
        "the stored image is exactly the blurred one"
    );
    assert!(
        psnr(&full, &rgb_of(&rgba)) < 25.0,
        "and far from the original"
    );
    let (tw, th, thumb) = decode_rgb(&p.thumbnail.bytes);
    let expected_thumb = thumbnail(&expected.as_frame(), 320).unwrap();
    assert_eq!((tw, th), (expected_thumb.width(), expected_thumb.height()));
    assert_eq!(
        thumb,
        rgb_of(expected_thumb.data()),
        "the thumbnail comes from the blurred image"
    );
}

#[test]
fn pipeline_reports_digests_and_timings() {
    let (w, h) = (640u32, 400u32);
    let rgba = screenlike(w, h);
    let f = Frame::packed(&rgba, w, h, PixelFormat::Rgba8).unwrap();
    let p = process(&f, &opts(Some(10.0), ImageFormat::Jpeg)).unwrap();
    use sha2::Digest;
    assert_eq!(p.full.sha256_hex().len(), 64);
    assert_eq!(
        p.full.sha256,
        <[u8; 32]>::from(sha2::Sha256::digest(&p.full.bytes))
    );
    assert_eq!(
        p.thumbnail.sha256,
        <[u8; 32]>::from(sha2::Sha256::digest(&p.thumbnail.bytes))
    );
    assert!(p.full.bytes.starts_with(&[0xFF, 0xD8]), "JPEG magic");
    let t = p.timings;
    assert!(t.total >= t.blur + t.thumbnail + t.encode_full + t.encode_thumbnail);
    assert!(!t.blur.is_zero());
}

#[test]
fn bad_input_is_a_clear_error_never_a_panic() {
    let buf = vec![0u8; 64];
    let e = Frame::new(&buf, 0, 4, 16, PixelFormat::Rgba8).unwrap_err();
    assert!(e.to_string().contains("0x4"), "{e}");
    let e = Frame::new(&buf, 4, 4, 12, PixelFormat::Rgba8).unwrap_err();
    assert!(e.to_string().contains("stride 12"), "{e}");
    let e = Frame::new(&buf, 4, 5, 16, PixelFormat::Rgba8).unwrap_err();
    assert!(
        e.to_string().contains("64 bytes") && e.to_string().contains("80"),
        "{e}"
    );
    let e = PixelFormat::from_code(9).unwrap_err();
    assert!(e.to_string().contains('9'), "{e}");
    let e = "gif".parse::<ImageFormat>().unwrap_err();
    assert!(e.contains("gif"), "{e}");

    let f = Frame::new(&buf, 4, 4, 16, PixelFormat::Rgba8).unwrap();
    for q in [0u8, 101, 255] {
        let e = process(
            &f,
            &PipelineOptions {
                quality: q,
                ..opts(None, ImageFormat::Jpeg)
            },
        )
        .unwrap_err();
        assert_eq!(e, MediaError::InvalidQuality(q));
    }
    let e = process(
        &f,
        &PipelineOptions {
            thumbnail_size: 0,
            ..opts(None, ImageFormat::Jpeg)
        },
    )
    .unwrap_err();
    assert_eq!(e, MediaError::InvalidThumbnailSize(0));
    let e = process(&f, &opts(Some(0.0), ImageFormat::Jpeg)).unwrap_err();
    assert!(matches!(e, MediaError::InvalidBlurStrength(_)));
    // A frame too large for WebP (a 1-pixel-high strip, so the test stays small).
    let wide = vec![0u8; 20_000 * 4];
    let f = Frame::packed(&wide, 20_000, 1, PixelFormat::Rgba8).unwrap();
    let e = encode(&f, ImageFormat::Webp, 80).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::TooLargeFor { max: 16_383, .. } | MediaError::UnsupportedFormat(_)
        ),
        "{e}"
    );
}
