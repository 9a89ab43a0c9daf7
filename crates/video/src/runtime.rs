//! The SFU's own tokio runtime. actix runs one single-threaded runtime per worker; media tasks
//! (reading and forwarding RTP, DTLS, ICE) live here instead, on threads that HTTP work never
//! occupies.

use nichoir_core::Error;
use tokio::runtime::{Handle, Runtime};

pub struct MediaRuntime {
    runtime: Option<Runtime>,
    handle: Handle,
}

impl MediaRuntime {
    pub fn new() -> Result<MediaRuntime, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("nichoir-sfu")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("video runtime: {e}")))?;
        let handle = runtime.handle().clone();
        Ok(MediaRuntime {
            runtime: Some(runtime),
            handle,
        })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Drop for MediaRuntime {
    fn drop(&mut self) {
        // Dropping a runtime from async code would panic; its tasks are simply let go.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
