//! Synthetic media: RTP packets that look enough like VP8 and Opus for an SFU (a VP8 payload
//! descriptor, keyframes now and then, 20 ms Opus frames), each ending with a trailer that lets a
//! receiver measure forwarding latency and loss:
//!
//! `b"NCHR"` · packet counter of the stream (u64, big endian) · send time (µs since the Unix
//! epoch, u64, big endian).
//!
//! The trailer is at the end so the codec headers stay at the start where an SFU looks for them.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use webrtc::rtp::header::Header;
use webrtc::rtp::packet::Packet;

/// Marks a payload written by this crate.
pub const MAGIC: [u8; 4] = *b"NCHR";
/// Length of the trailer at the end of every payload.
pub const TRAILER_LEN: usize = 20;
/// RTP clock of VP8.
pub const VIDEO_CLOCK: u32 = 90_000;
/// Samples per 20 ms Opus frame at 48 kHz.
pub const OPUS_FRAME_SAMPLES: u32 = 960;

/// Microseconds since the Unix epoch: the shared clock of senders and receivers on one machine.
pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What a payload's trailer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    /// Position of the packet in its stream, from 0, without gaps at the sender.
    pub counter: u64,
    /// When the sender wrote it, µs since the Unix epoch.
    pub sent_micros: u64,
}

impl Trailer {
    pub fn append_to(self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&self.counter.to_be_bytes());
        buf.extend_from_slice(&self.sent_micros.to_be_bytes());
    }

    /// The trailer of `payload`, if it has one.
    pub fn read(payload: &[u8]) -> Option<Trailer> {
        let start = payload.len().checked_sub(TRAILER_LEN)?;
        let t = payload.get(start..)?;
        if t.get(..4)? != MAGIC {
            return None;
        }
        let counter = u64::from_be_bytes(t.get(4..12)?.try_into().ok()?);
        let sent_micros = u64::from_be_bytes(t.get(12..20)?.try_into().ok()?);
        Some(Trailer {
            counter,
            sent_micros,
        })
    }
}

/// Shape of a synthetic video stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoShape {
    /// Payload bits per second (RTP headers and SRTP not counted).
    pub bitrate_bps: u64,
    pub fps: u32,
    /// Largest RTP payload, trailer included.
    pub max_payload: usize,
    /// One frame in this many is a keyframe (the first one always is).
    pub keyframe_every: u32,
}

impl Default for VideoShape {
    fn default() -> Self {
        VideoShape {
            bitrate_bps: 1_000_000,
            fps: 30,
            max_payload: 1_100,
            keyframe_every: 90,
        }
    }
}

/// Shape of a synthetic Opus stream (one packet per 20 ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioShape {
    pub bitrate_bps: u64,
}

impl Default for AudioShape {
    fn default() -> Self {
        AudioShape {
            bitrate_bps: 40_000,
        }
    }
}

/// RTP sequence number, timestamp and trailer counter of one outgoing stream. The SSRC and
/// payload type are set by the webrtc sender that the packets go through.
#[derive(Debug, Clone)]
struct Numbering {
    seq: u16,
    timestamp: u32,
    counter: u64,
}

impl Numbering {
    fn new(seed: u64) -> Numbering {
        // Random-looking starts as a real sender would use (RFC 3550 § 5.1), from a seed so tests
        // are reproducible.
        let mixed = seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17)
            .wrapping_add(0x2545_F491_4F6C_DD1D);
        Numbering {
            seq: (mixed & 0x7fff) as u16,
            timestamp: (mixed >> 32) as u32,
            counter: 0,
        }
    }

    fn packet(&mut self, marker: bool, mut payload: Vec<u8>, now: u64) -> Packet {
        Trailer {
            counter: self.counter,
            sent_micros: now,
        }
        .append_to(&mut payload);
        let p = Packet {
            header: Header {
                version: 2,
                marker,
                sequence_number: self.seq,
                timestamp: self.timestamp,
                ..Default::default()
            },
            payload: Bytes::from(payload),
        };
        self.seq = self.seq.wrapping_add(1);
        self.counter += 1;
        p
    }
}

/// Produces VP8-looking frames split in packets.
#[derive(Debug, Clone)]
pub struct VideoSynth {
    shape: VideoShape,
    n: Numbering,
    frame: u64,
    force_keyframe: bool,
}

impl VideoSynth {
    pub fn new(shape: VideoShape, seed: u64) -> VideoSynth {
        VideoSynth {
            shape: VideoShape {
                fps: shape.fps.max(1),
                max_payload: shape.max_payload.max(TRAILER_LEN + 16),
                keyframe_every: shape.keyframe_every.max(1),
                ..shape
            },
            n: Numbering::new(seed),
            frame: 0,
            force_keyframe: false,
        }
    }

    pub fn shape(&self) -> VideoShape {
        self.shape
    }

    /// Makes the next frame a keyframe (answer to a PLI or FIR).
    pub fn request_keyframe(&mut self) {
        self.force_keyframe = true;
    }

    /// Bytes of codec data per frame.
    fn frame_bytes(&self) -> usize {
        let per_frame = self.shape.bitrate_bps / 8 / u64::from(self.shape.fps);
        usize::try_from(per_frame).unwrap_or(usize::MAX).max(16)
    }

    /// The packets of the next frame, stamped `now` (µs since the epoch). Returns whether it is
    /// a keyframe too.
    pub fn next_frame(&mut self, now: u64) -> (Vec<Packet>, bool) {
        let keyframe = self.force_keyframe
            || self
                .frame
                .is_multiple_of(u64::from(self.shape.keyframe_every));
        self.force_keyframe = false;
        let mut data = vec![0u8; self.frame_bytes()];
        vp8_frame_header(&mut data, keyframe);
        // Filler that does not look like a start code.
        for (i, b) in data.iter_mut().enumerate().skip(10) {
            *b = (i as u8) | 0x40;
        }
        // Each packet: 1-byte payload descriptor + a chunk + the trailer.
        let chunk = self.shape.max_payload - TRAILER_LEN - 1;
        let count = data.len().div_ceil(chunk);
        let mut out = Vec::with_capacity(count);
        for (i, part) in data.chunks(chunk).enumerate() {
            let mut payload = Vec::with_capacity(1 + part.len() + TRAILER_LEN);
            // VP8 payload descriptor (RFC 7741 § 4.2): S bit on the first packet of a frame,
            // partition 0, no extensions.
            payload.push(if i == 0 { 0x10 } else { 0x00 });
            payload.extend_from_slice(part);
            out.push(self.n.packet(i + 1 == count, payload, now));
        }
        self.frame += 1;
        self.n.timestamp = self.n.timestamp.wrapping_add(VIDEO_CLOCK / self.shape.fps);
        (out, keyframe)
    }
}

/// The first bytes of a VP8 frame (RFC 6386 § 9.1): frame tag, and for a keyframe the start code
/// and a 640×480 size.
fn vp8_frame_header(data: &mut [u8], keyframe: bool) {
    let header: &[u8] = if keyframe {
        // P = 0 (key frame), version 0, show_frame = 1; then 9d 01 2a, width, height.
        &[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]
    } else {
        &[0x11, 0x02, 0x00]
    };
    for (d, h) in data.iter_mut().zip(header) {
        *d = *h;
    }
}

/// Whether an RTP payload is the start of a VP8 keyframe.
pub fn is_vp8_keyframe_start(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let start = first & 0x10 != 0;
    let partition = first & 0x07;
    if !start || partition != 0 {
        return false;
    }
    let mut at = 1usize;
    if first & 0x80 != 0 {
        // Extension byte: I (picture id), L (tl0picidx), T and K (tid/keyidx).
        let Some(&ext) = payload.get(at) else {
            return false;
        };
        at += 1;
        if ext & 0x80 != 0 {
            let Some(&pid) = payload.get(at) else {
                return false;
            };
            at += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            at += 1;
        }
        if ext & 0x30 != 0 {
            at += 1;
        }
    }
    payload.get(at).is_some_and(|b| b & 0x01 == 0)
}

/// Produces 20 ms Opus-looking packets.
#[derive(Debug, Clone)]
pub struct AudioSynth {
    shape: AudioShape,
    n: Numbering,
}

impl AudioSynth {
    pub fn new(shape: AudioShape, seed: u64) -> AudioSynth {
        AudioSynth {
            shape,
            n: Numbering::new(seed ^ 0xA0D1_0000),
        }
    }

    pub fn next_packet(&mut self, now: u64) -> Packet {
        // bits per 20 ms frame / 8, at least the TOC byte and a little.
        let bytes = usize::try_from(self.shape.bitrate_bps / 8 / 50)
            .unwrap_or(usize::MAX)
            .max(8);
        let mut payload = vec![0u8; bytes];
        // TOC: configuration 15 (hybrid, fullband, 20 ms), mono, one frame.
        payload[0] = 15 << 3;
        for (i, b) in payload.iter_mut().enumerate().skip(1) {
            *b = (i as u8).wrapping_mul(31);
        }
        let p = self.n.packet(false, payload, now);
        self.n.timestamp = self.n.timestamp.wrapping_add(OPUS_FRAME_SAMPLES);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailer_round_trips_and_rejects_foreign_payloads() {
        let mut buf = vec![1, 2, 3];
        let t = Trailer {
            counter: 42,
            sent_micros: 1_700_000_000_000_000,
        };
        t.append_to(&mut buf);
        assert_eq!(Trailer::read(&buf), Some(t));
        assert_eq!(Trailer::read(&buf[1..]), Some(t));
        assert_eq!(Trailer::read(&buf[..buf.len() - 1]), None);
        assert_eq!(Trailer::read(&[]), None);
        assert_eq!(Trailer::read(&[0u8; 40]), None);
    }

    #[test]
    fn video_frames_have_the_bitrate_numbering_and_keyframes() {
        let shape = VideoShape::default();
        let mut v = VideoSynth::new(shape, 7);
        let mut bytes = 0usize;
        let mut packets = Vec::new();
        let mut keyframes = 0;
        for f in 0..30u64 {
            let (ps, key) = v.next_frame(1_000 + f);
            keyframes += usize::from(key);
            assert!(!ps.is_empty());
            assert!(ps.last().is_some_and(|p| p.header.marker));
            assert!(ps.iter().rev().skip(1).all(|p| !p.header.marker));
            assert_eq!(is_vp8_keyframe_start(&ps[0].payload), key);
            assert!(ps
                .iter()
                .skip(1)
                .all(|p| !is_vp8_keyframe_start(&p.payload)));
            let ts = ps[0].header.timestamp;
            assert!(ps.iter().all(|p| p.header.timestamp == ts));
            for p in &ps {
                assert!(p.payload.len() <= shape.max_payload);
                bytes += p.payload.len() - TRAILER_LEN - 1;
            }
            packets.extend(ps);
        }
        assert_eq!(keyframes, 1, "the first frame only");
        // One second of frames ≈ the bitrate.
        let bits = bytes as u64 * 8;
        assert!((990_000..=1_010_000).contains(&bits), "{bits}");
        for w in packets.windows(2) {
            assert_eq!(
                w[1].header.sequence_number,
                w[0].header.sequence_number.wrapping_add(1)
            );
            let (a, b) = (
                Trailer::read(&w[0].payload).expect("trailer"),
                Trailer::read(&w[1].payload).expect("trailer"),
            );
            assert_eq!(b.counter, a.counter + 1);
        }
        assert_eq!(
            packets[packets.len() - 1]
                .header
                .timestamp
                .wrapping_sub(packets[0].header.timestamp),
            29 * 3000
        );
        v.request_keyframe();
        assert!(v.next_frame(0).1);
        assert!(!v.next_frame(0).1);
    }

    #[test]
    fn audio_packets_are_20ms_opus_frames() {
        let mut a = AudioSynth::new(AudioShape::default(), 1);
        let p1 = a.next_packet(5);
        let p2 = a.next_packet(6);
        assert_eq!(p1.payload.len(), 100 + TRAILER_LEN);
        assert_eq!(p1.payload[0] >> 3, 15);
        assert_eq!(p2.header.timestamp.wrapping_sub(p1.header.timestamp), 960);
        assert_eq!(
            p2.header.sequence_number,
            p1.header.sequence_number.wrapping_add(1)
        );
        assert_eq!(
            Trailer::read(&p2.payload).map(|t| (t.counter, t.sent_micros)),
            Some((1, 6))
        );
    }

    #[test]
    fn keyframe_detection_reads_descriptor_extensions() {
        // X=1, S=1; I=1 with a 15-bit picture id; then a keyframe tag.
        assert!(is_vp8_keyframe_start(&[0x90, 0x80, 0x81, 0x23, 0x10]));
        assert!(!is_vp8_keyframe_start(&[0x90, 0x80, 0x81, 0x23, 0x11]));
        assert!(!is_vp8_keyframe_start(&[0x90, 0x80, 0x81]));
        assert!(!is_vp8_keyframe_start(&[0x00, 0x10]));
        assert!(!is_vp8_keyframe_start(&[]));
    }

    #[test]
    fn clock_is_after_2020() {
        assert!(now_micros() > 1_577_836_800_000_000);
    }
}
