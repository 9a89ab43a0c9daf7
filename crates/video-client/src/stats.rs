//! What a participant received and sent: packets per incoming stream (SSRC, payload type, the
//! participant and source it carries), loss from the trailers' counters, forwarding latency from
//! their send times, keyframe requests that reached each outgoing stream.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use hdrhistogram::Histogram;

use crate::rtp::{self, Trailer};
use crate::Source;

/// Latencies from 1 µs to 1 hour, 3 significant digits.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3)
        .or_else(|_| Histogram::new(3))
        .unwrap_or_else(|_| unreachable!("valid histogram bounds"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Which incoming stream: one SSRC and payload type, carrying `source` of `participant` (as
/// the offer's `tracks` map said for the m-line it came on).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub ssrc: u32,
    pub payload_type: u8,
    pub mid: String,
    /// `None` when the mid was not in the last offer's map.
    pub participant: Option<String>,
    pub source: Option<Source>,
}

/// Counts the distinct counters seen among the last `WINDOW` ones (retransmissions arrive twice).
#[derive(Debug, Clone)]
struct Seen {
    min: u64,
    max: u64,
    unique: u64,
    bits: Box<[u64; Seen::WORDS]>,
}

impl Seen {
    const WORDS: usize = 64;
    const WINDOW: u64 = (Seen::WORDS as u64) * 64;

    fn new(first: u64) -> Seen {
        let mut s = Seen {
            min: first,
            max: first,
            unique: 1,
            bits: Box::new([0; Seen::WORDS]),
        };
        s.set(first);
        s
    }

    fn slot(c: u64) -> (usize, u64) {
        let i = c % Seen::WINDOW;
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn set(&mut self, c: u64) -> bool {
        let (w, b) = Seen::slot(c);
        let was = self.bits[w] & b != 0;
        self.bits[w] |= b;
        !was
    }

    fn clear(&mut self, c: u64) {
        let (w, b) = Seen::slot(c);
        self.bits[w] &= !b;
    }

    /// Records counter `c`; false when it is a duplicate.
    fn record(&mut self, c: u64) -> bool {
        if c > self.max {
            if c - self.max >= Seen::WINDOW {
                self.bits.fill(0);
            } else {
                for k in self.max + 1..=c {
                    self.clear(k);
                }
            }
            self.max = c;
            self.set(c);
            self.unique += 1;
            return true;
        }
        if self.max - c >= Seen::WINDOW {
            // Too old to tell: count it (does not happen on loopback).
            self.min = self.min.min(c);
            self.unique += 1;
            return true;
        }
        if c < self.min {
            self.min = c;
        }
        if self.set(c) {
            self.unique += 1;
            true
        } else {
            false
        }
    }

    fn expected(&self) -> u64 {
        self.max - self.min + 1
    }
}

/// One incoming stream's counts.
#[derive(Debug, Clone)]
pub struct StreamStats {
    pub key: StreamKey,
    pub mime_type: String,
    /// Every RTP packet read, duplicates included.
    pub packets: u64,
    pub bytes: u64,
    /// Packets carrying this crate's trailer.
    pub marked: u64,
    /// Distinct trailer counters (duplicates removed).
    pub unique: u64,
    /// Counters between the first and the last seen: what the sender sent meanwhile.
    pub expected: u64,
    pub duplicates: u64,
    /// Packets starting a VP8 keyframe.
    pub keyframes: u64,
    /// Send → receive time of the marked packets, µs.
    pub latency_us: Histogram<u64>,
    /// When the first and last packets arrived, µs since the epoch.
    pub first_micros: u64,
    pub last_micros: u64,
}

impl StreamStats {
    /// Packets the sender sent that never arrived (counted from the trailers).
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.unique)
    }
}

#[derive(Debug, Clone)]
struct StreamState {
    stats: StreamStats,
    seen: Option<Seen>,
}

/// One outgoing stream's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderStats {
    pub mid: String,
    pub source: Option<Source>,
    pub ssrc: u32,
    pub packets: u64,
    pub bytes: u64,
    pub keyframes: u64,
    /// Keyframe requests (PLI, FIR) and NACKs received in RTCP for this stream.
    pub pli: u64,
    pub fir: u64,
    pub nack: u64,
    /// Packets the sender could not write (no binding yet, connection closed).
    pub write_errors: u64,
}

/// Shared counters of a participant.
#[derive(Debug, Default)]
pub struct Stats {
    streams: Mutex<HashMap<StreamKey, StreamState>>,
    senders: Mutex<HashMap<String, SenderStats>>,
}

/// What a received packet carried, for [`Stats::record_packet`].
pub struct Received<'a> {
    pub key: &'a StreamKey,
    pub mime_type: &'a str,
    pub payload: &'a [u8],
    pub now_micros: u64,
}

impl Stats {
    pub fn record_packet(&self, r: Received<'_>) {
        let trailer = Trailer::read(r.payload);
        let keyframe =
            r.mime_type.eq_ignore_ascii_case("video/vp8") && rtp::is_vp8_keyframe_start(r.payload);
        let mut streams = lock(&self.streams);
        let st = streams.entry(r.key.clone()).or_insert_with(|| StreamState {
            stats: StreamStats {
                key: r.key.clone(),
                mime_type: r.mime_type.to_string(),
                packets: 0,
                bytes: 0,
                marked: 0,
                unique: 0,
                expected: 0,
                duplicates: 0,
                keyframes: 0,
                latency_us: latency_histogram(),
                first_micros: r.now_micros,
                last_micros: r.now_micros,
            },
            seen: None,
        });
        let s = &mut st.stats;
        s.packets += 1;
        s.bytes += r.payload.len() as u64;
        s.last_micros = r.now_micros;
        s.keyframes += u64::from(keyframe);
        let Some(t) = trailer else {
            return;
        };
        s.marked += 1;
        let fresh = match &mut st.seen {
            Some(seen) => seen.record(t.counter),
            None => {
                st.seen = Some(Seen::new(t.counter));
                true
            }
        };
        if let Some(seen) = &st.seen {
            s.unique = seen.unique;
            s.expected = seen.expected();
        }
        if fresh {
            let _ = s
                .latency_us
                .record(r.now_micros.saturating_sub(t.sent_micros).max(1));
        } else {
            s.duplicates += 1;
        }
    }

    /// Registers an outgoing stream (its counts start at zero).
    pub fn add_sender(&self, mid: &str, source: Option<Source>, ssrc: u32) {
        lock(&self.senders)
            .entry(mid.to_string())
            .or_insert_with(|| SenderStats {
                mid: mid.to_string(),
                source,
                ssrc,
                ..SenderStats::default()
            });
    }

    pub fn update_sender(&self, mid: &str, f: impl FnOnce(&mut SenderStats)) {
        if let Some(s) = lock(&self.senders).get_mut(mid) {
            f(s);
        }
    }

    /// The incoming streams so far.
    pub fn streams(&self) -> Vec<StreamStats> {
        lock(&self.streams)
            .values()
            .map(|s| s.stats.clone())
            .collect()
    }

    /// Marked packets received from `participant`'s `source` (no copy of the streams).
    pub fn marked_from(&self, participant: &str, source: Source) -> u64 {
        lock(&self.streams)
            .values()
            .filter(|s| {
                s.stats.key.participant.as_deref() == Some(participant)
                    && s.stats.key.source == Some(source)
            })
            .map(|s| s.stats.marked)
            .sum()
    }

    /// The outgoing streams so far.
    pub fn senders(&self) -> Vec<SenderStats> {
        let mut v: Vec<SenderStats> = lock(&self.senders).values().cloned().collect();
        v.sort_by(|a, b| a.mid.cmp(&b.mid));
        v
    }

    /// Forgets what was received (a measurement window starts); sender counts are kept.
    pub fn reset_received(&self) {
        lock(&self.streams).clear();
    }
}

/// Sums over streams.
#[derive(Debug, Clone)]
pub struct Totals {
    pub packets: u64,
    pub unique: u64,
    pub expected: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub latency_us: Histogram<u64>,
}

impl Totals {
    pub fn of<'a>(streams: impl IntoIterator<Item = &'a StreamStats>) -> Totals {
        let mut t = Totals {
            packets: 0,
            unique: 0,
            expected: 0,
            lost: 0,
            duplicates: 0,
            latency_us: latency_histogram(),
        };
        for s in streams {
            t.packets += s.packets;
            t.unique += s.unique;
            t.expected += s.expected;
            t.lost += s.lost();
            t.duplicates += s.duplicates;
            let _ = t.latency_us.add(&s.latency_us);
        }
        t
    }

    /// Lost / expected, in percent (0 when nothing was expected).
    pub fn loss_percent(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.lost as f64 * 100.0 / self.expected as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StreamKey {
        StreamKey {
            ssrc: 5,
            payload_type: 96,
            mid: "3".into(),
            participant: Some("p1".into()),
            source: Some(Source::Camera),
        }
    }

    fn payload(counter: u64, sent: u64) -> Vec<u8> {
        let mut v = vec![0x00, 0x11];
        Trailer {
            counter,
            sent_micros: sent,
        }
        .append_to(&mut v);
        v
    }

    fn feed(stats: &Stats, counters: &[u64]) {
        let k = key();
        for &c in counters {
            let p = payload(c, 1_000);
            stats.record_packet(Received {
                key: &k,
                mime_type: "video/VP8",
                payload: &p,
                now_micros: 1_000 + 250,
            });
        }
    }

    #[test]
    fn counts_loss_duplicates_and_reordering() {
        let stats = Stats::default();
        feed(&stats, &[10, 11, 13, 12, 12, 16, 9]);
        let s = &stats.streams()[0];
        assert_eq!(s.packets, 7);
        assert_eq!(s.unique, 6);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.expected, 8, "9..=16");
        assert_eq!(s.lost(), 2, "14 and 15");
        assert_eq!(s.latency_us.value_at_quantile(0.5), 250);
        let t = Totals::of(&stats.streams());
        assert!((t.loss_percent() - 25.0).abs() < 1e-9);
        stats.reset_received();
        assert!(stats.streams().is_empty());
    }

    #[test]
    fn long_gaps_and_old_packets_do_not_confuse_the_window() {
        let stats = Stats::default();
        let mut cs: Vec<u64> = (0..10_000).collect();
        cs.push(20_000);
        cs.push(20_000);
        cs.push(19_999);
        feed(&stats, &cs);
        let s = &stats.streams()[0];
        assert_eq!(s.unique, 10_002);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.expected, 20_001);
    }

    #[test]
    fn unmarked_packets_and_keyframes_are_counted() {
        let stats = Stats::default();
        let k = key();
        stats.record_packet(Received {
            key: &k,
            mime_type: "video/VP8",
            payload: &[0x10, 0x10, 0, 0],
            now_micros: 1,
        });
        let s = &stats.streams()[0];
        assert_eq!((s.packets, s.marked, s.keyframes, s.expected), (1, 0, 1, 0));
    }

    #[test]
    fn senders_are_registered_then_updated() {
        let stats = Stats::default();
        stats.update_sender("0", |s| s.pli += 1);
        assert!(stats.senders().is_empty());
        stats.add_sender("0", Some(Source::Camera), 7);
        stats.update_sender("0", |s| s.pli += 1);
        assert_eq!(stats.senders()[0].pli, 1);
        assert_eq!(stats.senders()[0].ssrc, 7);
    }
}
