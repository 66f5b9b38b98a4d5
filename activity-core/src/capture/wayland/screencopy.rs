//! Screens through `zwlr_screencopy_manager_v1`: the compositor copies one output into a shared
//! memory buffer we hand it (a `memfd`, read back with `pread`: no `mmap`, no `unsafe`).

use std::fs::File;
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;
use std::time::Instant;

use wayland_client::protocol::{wl_buffer, wl_output, wl_shm, wl_shm_pool};
use wayland_client::{Connection, Dispatch, Proxy, QueueHandle, WEnum};
use wayland_protocols_wlr::screencopy::v1::client::{
    zwlr_screencopy_frame_v1 as frame, zwlr_screencopy_manager_v1 as manager,
};

use super::{ANSWER_WITHIN, Connected, registry_and_sync};
use crate::capture::{CaptureError, Monitor, ScreenSource, SourceKind};
use crate::media::{OwnedFrame, PixelFormat};

/// Screens through wlr-screencopy: every output at its native (mode) size, positioned as the
/// compositor places it. Wayland tells no client where the pointer is, so with
/// `track_all_displays` off the first output is taken.
#[derive(Default)]
pub struct WlrScreencopy {
    session: Option<Connected<Shot>>,
}

impl std::fmt::Debug for WlrScreencopy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WlrScreencopy")
            .field("connected", &self.session.is_some())
            .finish()
    }
}

impl WlrScreencopy {
    /// The source (it connects on first use).
    pub fn new() -> WlrScreencopy {
        WlrScreencopy::default()
    }
}

#[derive(Default)]
pub(crate) struct Shot {
    outputs: Vec<Output>,
    frame: FrameState,
    /// Bound once per connection (when the compositor offers them).
    shm: Option<wl_shm::WlShm>,
    manager: Option<manager::ZwlrScreencopyManagerV1>,
}

struct Output {
    output: wl_output::WlOutput,
    global: u32,
    name: String,
    x: i32,
    y: i32,
    width: u32,
    height: u32,
}

#[derive(Default)]
struct FrameState {
    buffer: Option<(WEnum<wl_shm::Format>, u32, u32, u32)>,
    buffer_done: bool,
    y_invert: bool,
    ready: bool,
    failed: bool,
}

registry_and_sync!(Shot);

impl Dispatch<wl_output::WlOutput, usize> for Shot {
    fn event(
        state: &mut Self,
        _: &wl_output::WlOutput,
        event: wl_output::Event,
        index: &usize,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let Some(o) = state.outputs.get_mut(*index) else {
            return;
        };
        match event {
            wl_output::Event::Geometry { x, y, .. } => (o.x, o.y) = (x, y),
            wl_output::Event::Mode {
                flags: WEnum::Value(flags),
                width,
                height,
                ..
            } if flags.contains(wl_output::Mode::Current) => {
                o.width = u32::try_from(width).unwrap_or(0);
                o.height = u32::try_from(height).unwrap_or(0);
            }
            wl_output::Event::Name { name } => o.name = name,
            _ => {}
        }
    }
}

impl Dispatch<frame::ZwlrScreencopyFrameV1, ()> for Shot {
    fn event(
        state: &mut Self,
        _: &frame::ZwlrScreencopyFrameV1,
        event: frame::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let f = &mut state.frame;
        match event {
            frame::Event::Buffer {
                format,
                width,
                height,
                stride,
            } => f.buffer = Some((format, width, height, stride)),
            frame::Event::BufferDone => f.buffer_done = true,
            frame::Event::Flags {
                flags: WEnum::Value(flags),
            } => f.y_invert = flags.contains(frame::Flags::YInvert),
            frame::Event::Ready { .. } => f.ready = true,
            frame::Event::Failed => f.failed = true,
            _ => {}
        }
    }
}

macro_rules! no_events {
    ($($t:ty),*) => {$(
        impl Dispatch<$t, ()> for Shot {
            fn event(_: &mut Self, _: &$t, _: <$t as wayland_client::Proxy>::Event, _: &(),
                _: &Connection, _: &QueueHandle<Self>) {}
        }
    )*};
}
no_events!(
    wl_shm::WlShm,
    wl_shm_pool::WlShmPool,
    wl_buffer::WlBuffer,
    manager::ZwlrScreencopyManagerV1
);

fn failed(reason: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed {
        kind: SourceKind::Screens,
        reason: format!("wlr-screencopy: {reason}"),
    }
}

impl WlrScreencopy {
    /// A new connection with every output described.
    fn connect() -> Result<Connected<Shot>, String> {
        let mut c = Connected::open(Shot::default())?;
        let qh = c.handle();
        for g in c.globals.contents().clone_list() {
            if g.interface == "wl_output" {
                let index = c.state.outputs.len();
                let output = c.globals.registry().bind::<wl_output::WlOutput, _, _>(
                    g.name,
                    g.version.min(4),
                    &qh,
                    index,
                );
                c.state.outputs.push(Output {
                    output,
                    global: g.name,
                    name: format!("output-{}", g.name),
                    x: 0,
                    y: 0,
                    width: 0,
                    height: 0,
                });
            }
        }
        c.state.shm = c.globals.bind(&qh, 1..=1, ()).ok();
        c.state.manager = c.globals.bind(&qh, 1..=3, ()).ok();
        c.roundtrip("listing the outputs")?;
        Ok(c)
    }

    fn capture_output(&mut self, monitor: &Monitor) -> Result<OwnedFrame, String> {
        let known = |c: &Connected<Shot>| c.state.outputs.iter().any(|o| o.global == monitor.id);
        if !self.session.as_ref().is_some_and(known) {
            self.session = Some(Self::connect()?);
        }
        let c = self.session.as_mut().expect("connected above");
        let qh = c.handle();
        let shm = c
            .state
            .shm
            .clone()
            .ok_or("the compositor offers no wl_shm")?;
        let manager = c
            .state
            .manager
            .clone()
            .ok_or("the compositor offers no zwlr_screencopy_manager_v1")?;
        let output = c
            .state
            .outputs
            .iter()
            .find(|o| o.global == monitor.id)
            .ok_or_else(|| format!("monitor {} is gone", monitor.name))?
            .output
            .clone();
        c.state.frame = FrameState::default();
        let version = manager.version();
        let frame = manager.capture_output(0, &output, &qh, ());
        let deadline = Instant::now() + ANSWER_WITHIN;
        c.dispatch_until(deadline, "waiting for the frame's buffer", |s| {
            s.frame.failed || (s.frame.buffer.is_some() && (version < 3 || s.frame.buffer_done))
        })?;
        let Some((format, width, height, stride)) =
            c.state.frame.buffer.filter(|_| !c.state.frame.failed)
        else {
            frame.destroy();
            return Err("the compositor refused to copy the output".into());
        };
        let pixel_format = match format {
            WEnum::Value(wl_shm::Format::Xrgb8888 | wl_shm::Format::Argb8888) => PixelFormat::Bgra8,
            WEnum::Value(wl_shm::Format::Xbgr8888 | wl_shm::Format::Abgr8888) => PixelFormat::Rgba8,
            other => {
                frame.destroy();
                return Err(format!(
                    "the compositor offers an unsupported pixel format {other:?}"
                ));
            }
        };
        let size = u64::from(stride) * u64::from(height);
        let too_big = || format!("a {width}x{height} frame is too large");
        let size_i32 = i32::try_from(size).map_err(|_| too_big())?;
        let memfd =
            rustix::fs::memfd_create("activity-core-screencopy", rustix::fs::MemfdFlags::CLOEXEC)
                .map_err(|e| format!("memfd_create: {e}"))?;
        let file = File::from(memfd);
        file.set_len(size)
            .map_err(|e| format!("sizing the buffer: {e}"))?;
        let pool = shm.create_pool(file.as_fd(), size_i32, &qh, ());
        let buffer = pool.create_buffer(
            0,
            i32::try_from(width).map_err(|_| too_big())?,
            i32::try_from(height).map_err(|_| too_big())?,
            i32::try_from(stride).map_err(|_| too_big())?,
            match format {
                WEnum::Value(f) => f,
                WEnum::Unknown(_) => unreachable!("checked above"),
            },
            &qh,
            (),
        );
        frame.copy(&buffer);
        let copied = c.dispatch_until(
            Instant::now() + ANSWER_WITHIN,
            "waiting for the copy",
            |s| s.frame.ready || s.frame.failed,
        );
        frame.destroy();
        buffer.destroy();
        pool.destroy();
        copied?;
        if c.state.frame.failed {
            return Err("the compositor failed to copy the output".into());
        }
        let mut raw = vec![0u8; usize::try_from(size).map_err(|_| too_big())?];
        file.read_exact_at(&mut raw, 0)
            .map_err(|e| format!("reading the buffer: {e}"))?;
        let row = usize::try_from(width).map_err(|_| too_big())? * 4;
        let stride = usize::try_from(stride).map_err(|_| too_big())?;
        let rows: Vec<&[u8]> = raw.chunks_exact(stride).map(|r| &r[..row]).collect();
        let mut pixels = Vec::with_capacity(row * rows.len());
        if c.state.frame.y_invert {
            rows.iter().rev().for_each(|r| pixels.extend_from_slice(r));
        } else {
            rows.iter().for_each(|r| pixels.extend_from_slice(r));
        }
        OwnedFrame::new(pixels, width, height, pixel_format).map_err(|e| e.to_string())
    }
}

/// The outputs of a connection as monitors (the first one is called primary: Wayland has no
/// such notion).
fn monitors_of(c: &Connected<Shot>) -> Vec<Monitor> {
    c.state
        .outputs
        .iter()
        .filter(|o| o.width > 0 && o.height > 0)
        .enumerate()
        .map(|(i, o)| Monitor {
            id: o.global,
            name: o.name.clone(),
            x: o.x,
            y: o.y,
            width: o.width,
            height: o.height,
            primary: i == 0,
        })
        .collect()
}

/// The compositor's outputs (`wl_output`, core on every compositor), for the portal source.
pub(crate) fn list_outputs() -> Result<Vec<Monitor>, String> {
    WlrScreencopy::connect().map(|c| monitors_of(&c))
}

impl ScreenSource for WlrScreencopy {
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
        // A new connection per listing: outputs plugged in or out since are seen.
        let c = Self::connect().map_err(failed)?;
        let monitors = monitors_of(&c);
        self.session = Some(c);
        Ok(monitors)
    }

    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
        Ok(None)
    }

    fn capture(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        self.capture_output(monitor).map_err(|e| {
            self.session = None;
            failed(e)
        })
    }
}
