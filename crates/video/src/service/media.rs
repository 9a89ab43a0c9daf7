//! Media: a participant's peer connection, what is forwarded to and from it, the call's figures.

use super::*;

impl VideoService {
    /// A new peer connection for `p`, fed with everything the others publish; sends the offer.
    pub(super) async fn attach(&self, call: &Arc<Call>, p: &Arc<Participant>) -> VideoResult<()> {
        let link = PeerLink::new(&self.engine, p.outbox.clone()).await?;
        let weak_link = Arc::downgrade(&link);
        let (me, weak_call, pid) = (self.me.clone(), Arc::downgrade(call), p.id.clone());
        link.pc.on_track(Box::new(
            move |track: Arc<TrackRemote>, _: Arc<RTCRtpReceiver>, t: Arc<RTCRtpTransceiver>| {
                let (me, weak_call, weak_link, pid) = (
                    me.clone(),
                    weak_call.clone(),
                    weak_link.clone(),
                    pid.clone(),
                );
                Box::pin(async move {
                    if let (Some(svc), Some(call), Some(link)) =
                        (me.upgrade(), weak_call.upgrade(), weak_link.upgrade())
                    {
                        svc.on_track(&call, &pid, &link, track, &t).await;
                    }
                })
            },
        ));
        let weak_p = Arc::downgrade(p);
        let weak_link = Arc::downgrade(&link);
        link.pc
            .on_peer_connection_state_change(Box::new(move |state: RTCPeerConnectionState| {
                let (weak_p, weak_link) = (weak_p.clone(), weak_link.clone());
                Box::pin(async move {
                    if state != RTCPeerConnectionState::Failed {
                        return;
                    }
                    let (Some(p), Some(link)) = (weak_p.upgrade(), weak_link.upgrade()) else {
                        return;
                    };
                    if p.link().is_some_and(|l| Arc::ptr_eq(&l, &link)) {
                        p.outbox.send(&ServerFrame::Error {
                            code: ErrorCode::MediaFailed,
                            message: "the media connection failed; rejoin to try again".into(),
                        });
                    }
                })
            }));
        for other in call.others(&p.id) {
            if let Some(ol) = other.link() {
                for published in ol.published() {
                    link.add_sink(&published, &p.id).await?;
                }
            }
        }
        *p.link.lock() = Some(link.clone());
        link.negotiate().await;
        Ok(())
    }

    /// Stops forwarding to and from `p`, and closes its peer connection.
    pub(super) async fn detach(&self, call: &Call, p: &Participant) {
        let link = p.link.lock().take();
        for other in call.others(&p.id) {
            if let Some(ol) = other.link() {
                for published in ol.published() {
                    published.remove_sinks_of(&p.id);
                }
                if ol.remove_sinks_from(&p.id).await {
                    ol.negotiate().await;
                }
            }
        }
        if let Some(link) = link {
            link.close().await;
        }
    }

    async fn on_track(
        &self,
        call: &Arc<Call>,
        pid: &str,
        link: &Arc<PeerLink>,
        track: Arc<TrackRemote>,
        t: &Arc<RTCRtpTransceiver>,
    ) {
        let Some(source) = link.source_of(t) else {
            return;
        };
        let Some(published) = link.add_published(Published::new(pid, source, track, &link.pc))
        else {
            return;
        };
        tokio::spawn(published.clone().forward());
        for other in call.others(pid) {
            if let Some(ol) = other.link() {
                match ol.add_sink(&published, &other.id).await {
                    Ok(()) => ol.negotiate().await,
                    Err(e) => tracing::debug!("video: not forwarded to {}: {e}", other.id),
                }
            }
        }
    }

    /// Media figures of a call, for tests and the admin: per participant, tracks in and out.
    pub fn call_summary(&self, room: &str) -> Option<CallSummary> {
        let call = self.calls.lock().get(room).cloned()?;
        let participants = call
            .participants()
            .iter()
            .map(|p| {
                let link = p.link();
                CallMember {
                    id: p.id.clone(),
                    user_id: p.user_id.clone(),
                    publishing: link.as_ref().map(|l| {
                        l.published()
                            .iter()
                            .map(|x| PublishedTrack {
                                source: x.source,
                                sinks: x.sink_count(),
                            })
                            .collect()
                    }),
                    receiving: link.as_ref().map(|l| l.sinks().len()),
                }
            })
            .collect();
        Some(CallSummary {
            room: room.to_string(),
            participants,
        })
    }
}
