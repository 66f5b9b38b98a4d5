//! The active window through `zwlr_foreign_toplevel_manager_v1`: the compositor announces every
//! toplevel with its `app_id`, title and state; the one whose state holds `activated` is the
//! focused window.

use std::collections::HashMap;

use wayland_client::backend::ObjectId;
use wayland_client::{Connection, Dispatch, Proxy, QueueHandle, event_created_child};
use wayland_protocols_wlr::foreign_toplevel::v1::client::{
    zwlr_foreign_toplevel_handle_v1 as handle, zwlr_foreign_toplevel_manager_v1 as manager,
};

use super::{Connected, registry_and_sync};
use crate::capture::{ActiveWindow, CaptureError, SourceKind, WindowSource};

/// The active window through wlr-foreign-toplevel-management: the activated toplevel's
/// `app_id` is the application, its title the title. Polled once a second: each poll reads the
/// events the compositor sent since (one round trip).
#[derive(Default)]
pub struct WlrForeignToplevel {
    session: Option<Connected<Toplevels>>,
}

impl std::fmt::Debug for WlrForeignToplevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WlrForeignToplevel")
            .field("connected", &self.session.is_some())
            .finish()
    }
}

impl WlrForeignToplevel {
    /// The source (it connects on first use).
    pub fn new() -> WlrForeignToplevel {
        WlrForeignToplevel::default()
    }
}

#[derive(Clone, Default)]
struct Toplevel {
    app_id: String,
    title: String,
    activated: bool,
}

#[derive(Default)]
pub(crate) struct Toplevels {
    /// As of each toplevel's last `done`.
    current: HashMap<ObjectId, Toplevel>,
    /// Changes not yet committed by `done`.
    pending: HashMap<ObjectId, Toplevel>,
    finished: bool,
}

registry_and_sync!(Toplevels);

impl Dispatch<manager::ZwlrForeignToplevelManagerV1, ()> for Toplevels {
    fn event(
        state: &mut Self,
        _: &manager::ZwlrForeignToplevelManagerV1,
        event: manager::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            manager::Event::Toplevel { toplevel } => {
                state.pending.insert(toplevel.id(), Toplevel::default());
            }
            manager::Event::Finished => state.finished = true,
            _ => {}
        }
    }

    event_created_child!(Toplevels, manager::ZwlrForeignToplevelManagerV1, [
        manager::EVT_TOPLEVEL_OPCODE => (handle::ZwlrForeignToplevelHandleV1, ()),
    ]);
}

impl Dispatch<handle::ZwlrForeignToplevelHandleV1, ()> for Toplevels {
    fn event(
        state: &mut Self,
        toplevel: &handle::ZwlrForeignToplevelHandleV1,
        event: handle::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let id = toplevel.id();
        fn pending<'s>(s: &'s mut Toplevels, id: &ObjectId) -> &'s mut Toplevel {
            let base = s.current.get(id).cloned().unwrap_or_default();
            s.pending.entry(id.clone()).or_insert(base)
        }
        let pending = |s| pending(s, &id);
        match event {
            handle::Event::Title { title } => pending(state).title = title,
            handle::Event::AppId { app_id } => pending(state).app_id = app_id,
            handle::Event::State { state: raw } => {
                let activated = raw
                    .chunks_exact(4)
                    .filter_map(|c| c.try_into().ok().map(u32::from_ne_bytes))
                    .any(|v| v == handle::State::Activated as u32);
                pending(state).activated = activated;
            }
            handle::Event::Done => {
                if let Some(t) = state.pending.remove(&id) {
                    state.current.insert(id, t);
                }
            }
            handle::Event::Closed => {
                state.pending.remove(&id);
                state.current.remove(&id);
                toplevel.destroy();
            }
            _ => {}
        }
    }
}

fn failed(reason: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed {
        kind: SourceKind::Windows,
        reason: format!("wlr-foreign-toplevel: {reason}"),
    }
}

impl WlrForeignToplevel {
    fn poll(&mut self) -> Result<Option<ActiveWindow>, String> {
        if self.session.as_ref().is_none_or(|c| c.state.finished) {
            let c = Connected::open(Toplevels::default())?;
            let _manager: manager::ZwlrForeignToplevelManagerV1 = c
                .globals
                .bind(&c.handle(), 1..=3, ())
                .map_err(|e| format!("zwlr_foreign_toplevel_manager_v1: {e}"))?;
            self.session = Some(c);
        }
        let c = self.session.as_mut().expect("connected above");
        c.roundtrip("reading the toplevels")?;
        Ok(c.state
            .current
            .values()
            .find(|t| t.activated)
            .and_then(|t| ActiveWindow::new(t.app_id.clone(), t.title.clone())))
    }
}

impl WindowSource for WlrForeignToplevel {
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError> {
        self.poll().map_err(|e| {
            self.session = None;
            failed(e)
        })
    }
}
